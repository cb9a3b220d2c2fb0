# The edge proxy with the console's built files (docker-compose.yml `nginx`): nginx serves
# /console/ itself, everything else goes on to the gateway (deploy/nginx/nginx.conf, mounted).
# The console's API types come from this checkout's own contract, exported offline
# (python -m tools.openapi_export), so the image cannot drift from the API it is deployed with.

FROM python:3.11-slim AS contract
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
COPY . .
RUN CRM_DEV_MODE=1 python -m tools.openapi_export /openapi.json

FROM node:22-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
COPY --from=contract /openapi.json src/api/openapi.json
RUN node_modules/.bin/openapi-typescript src/api/openapi.json -o src/api/schema.d.ts --alphabetize --default-non-nullable false \
    && node_modules/.bin/vue-tsc --noEmit -p tsconfig.json \
    && node_modules/.bin/vite build

FROM nginx:1.27-alpine
COPY --from=web /web/dist /usr/share/nginx/console
