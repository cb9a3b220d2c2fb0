export { client, ok, okWithEtag, toApiError } from './client'
export { ApiError, flattenErrors } from './problem'
export type { paths } from './schema'
export type { components } from './schema'

import type { components } from './schema'
/** A schema of the OpenAPI document by name, e.g. `Schema<'UserOut'>`. */
export type Schema<N extends keyof components['schemas']> = components['schemas'][N]
