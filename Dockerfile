# One image for every service, worker and the gateway; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Everything .dockerignore lets through: the packages pyproject.toml lists (a new top-level
# package needs no change here; tests/unit/test_compose.py checks none is ignored).
COPY . .
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin crm

USER crm
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "-b", "0.0.0.0:8000", "gateway.wsgi:app"]
