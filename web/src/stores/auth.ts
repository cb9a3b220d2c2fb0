// The signed-in user and the session, shared by every screen. The access token is in memory
// (api/tokens.ts); the refresh token is an httpOnly cookie only the gateway reads, scoped to
// /api/v1/auth/console, so a reload restores the session with one refresh call.
import { reactive, readonly } from 'vue'
import { client, ok } from '@/api/client'
import { tokens } from '@/api/tokens'
import type { components } from '@/api/schema'

export type User = components['schemas']['UserOut']
export type Role = 'manager' | 'supervisor' | 'admin' | 'auditor'

const state = reactive({
  user: null as User | null,
  /** true once the startup refresh has been tried (signed in or not) */
  ready: false,
})
let timer: ReturnType<typeof setTimeout> | undefined
let inFlight: Promise<string | null> | null = null
// Sent on every cookie call: a cross-site form cannot set it (CSRF; docs/security.md).
const CONSOLE_HEADER = { 'X-CRM-Console': '1' } as const

function schedule(expiresIn: number) {
  clearTimeout(timer)
  // Refresh a minute early so a request rarely meets an expired token.
  timer = setTimeout(() => void refresh(), Math.max(10, expiresIn - 60) * 1000)
}

function accept(access: string, expiresIn: number) {
  tokens.access = access
  schedule(expiresIn)
}

/** One refresh at a time: refresh tokens are single-use, and a second use ends the session. */
export function refresh(): Promise<string | null> {
  if (!inFlight) {
    inFlight = (async () => {
      try {
        const { data, response } = await client.POST('/api/v1/auth/console/refresh', {
          params: { header: CONSOLE_HEADER },
        })
        if (!response.ok || !data) {
          clear()
          return null
        }
        accept(data.access_token, data.expires_in)
        return data.access_token
      } catch {
        return null
      } finally {
        inFlight = null
      }
    })()
  }
  return inFlight
}
tokens.refresh = refresh

function clear() {
  clearTimeout(timer)
  tokens.access = ''
  state.user = null
}

async function loadMe() {
  state.user = await ok(client.GET('/api/v1/me'))
}

export async function login(username: string, password: string): Promise<void> {
  const data = await ok(
    client.POST('/api/v1/auth/console/login', { body: { username, password }, params: { header: CONSOLE_HEADER } }),
  )
  accept(data.access_token, data.expires_in)
  await loadMe()
}

/** At startup: a session from the refresh cookie, if there is one. */
export async function restore(): Promise<void> {
  try {
    if (await refresh()) await loadMe()
  } catch {
    clear()
  } finally {
    state.ready = true
  }
}

export async function logout(): Promise<void> {
  try {
    await client.POST('/api/v1/auth/console/logout', { params: { header: CONSOLE_HEADER } })
  } finally {
    clear()
  }
}

export function hasRole(roles?: readonly Role[] | readonly string[]): boolean {
  if (!roles || roles.length === 0) return !!state.user
  return !!state.user && roles.includes(state.user.role as Role)
}

export const auth = readonly(state)
