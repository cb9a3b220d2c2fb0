// The typed API client: openapi-fetch over the types generated from the gateway's OpenAPI
// document (schema.d.ts, `npm run gen:api`), with one middleware that adds the in-memory
// access token and, on a 401, refreshes once (the refresh cookie) and repeats the request.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError, networkError, type ProblemBody } from './problem'
import { tokens } from './tokens'

const pending = new Map<string, Request>()
const NO_RETRY = /\/api\/v1\/auth\//

const authMiddleware: Middleware = {
  async onRequest({ request, id }) {
    const token = tokens.access
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`)
    // Kept so the request can be sent again after a refresh (its body is read once).
    if (!NO_RETRY.test(new URL(request.url).pathname)) pending.set(id, request.clone())
    return request
  },
  async onResponse({ response, id }) {
    const copy = pending.get(id)
    pending.delete(id)
    if (response.status !== 401 || !copy || !tokens.refresh) return response
    const fresh = await tokens.refresh()
    if (!fresh) return response
    copy.headers.set('Authorization', `Bearer ${fresh}`)
    return fetch(copy)
  },
  async onError({ error, id }) {
    pending.delete(id)
    return networkError(error)
  },
}

export const client = createClient<paths>({ baseUrl: '' })
client.use(authMiddleware)

/** The body of a failed answer, as an ApiError (problem+json; anything else summarised). */
export function toApiError(status: number, body: unknown): ApiError {
  const problem: ProblemBody = body && typeof body === 'object' ? (body as ProblemBody) : { detail: String(body ?? '') }
  return new ApiError(status, problem)
}

/**
 * Unwraps an openapi-fetch answer: the data, or an ApiError thrown. Use it as
 * `const data = await ok(client.GET('/api/v1/me'))`.
 */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result
  try {
    result = await call
  } catch (e) {
    throw e instanceof ApiError ? e : networkError(e)
  }
  if (result.error !== undefined || !result.response.ok) throw toApiError(result.response.status, result.error)
  return result.data as T
}

/** Like ok(), with the ETag of the answer (send it back as If-Match to change the record). */
export async function okWithEtag<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ data: T; etag: string }> {
  let etag = ''
  const data = await ok(
    call.then((r) => {
      etag = r.response.headers.get('ETag') || ''
      return r
    }),
  )
  return { data, etag }
}

export type { paths }
