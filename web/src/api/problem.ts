// Errors from the API are application/problem+json (RFC 9457, docs/api.md); the console turns
// every one into an ApiError so screens deal with one shape.
export interface ProblemBody {
  type?: string
  title?: string
  status?: number
  detail?: string
  errors?: Record<string, string[] | Record<string, unknown>>
  errors_truncated?: boolean
  [extra: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: ProblemBody
  constructor(status: number, problem: ProblemBody) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }

  /** The short type name, e.g. 'validation-failed' from '.../problems/validation-failed'. */
  get kind(): string {
    const t = this.problem.type || ''
    return t.slice(t.lastIndexOf('/') + 1)
  }

  /** field → messages, flattened: nested fields become 'address.city' / 'contacts.0.name'. */
  get fieldErrors(): Record<string, string[]> {
    return flattenErrors(this.problem.errors || {})
  }

  get stale(): boolean {
    return this.status === 412
  }
}

export function flattenErrors(errors: Record<string, unknown>, prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [key, value] of Object.entries(errors)) {
    const name = prefix ? `${prefix}.${key}` : key
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      out[name] = value as string[]
    } else if (value && typeof value === 'object') {
      Object.assign(out, flattenErrors(value as Record<string, unknown>, name))
    } else if (typeof value === 'string') {
      out[name] = [value]
    }
  }
  return out
}

/** Problem bodies of failed fetches (network down) get a synthetic status 0. */
export function networkError(cause: unknown): ApiError {
  return new ApiError(0, { title: 'network', detail: String(cause) })
}
