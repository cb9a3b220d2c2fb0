// Calendar days as ISO strings (YYYY-MM-DD) in the bank's zone, for query parameters.
const ZONE = 'Asia/Shanghai'

/** Today in Beijing, YYYY-MM-DD (the API's "today"). */
export function todayIso(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(now)
}

/** The day `n` days after (negative: before) an ISO day. */
export function shiftDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86400000
  return new Date(t).toISOString().slice(0, 10)
}

/** Cents from a yuan amount typed by a person (¥12.34 → 1234); null when it is not a number. */
export function yuanToCents(yuan: number | string | null | undefined): number | null {
  if (yuan === null || yuan === undefined || yuan === '') return null
  const v = typeof yuan === 'number' ? yuan : Number(String(yuan).replace(/[,，\s]/g, ''))
  return Number.isFinite(v) ? Math.round(v * 100) : null
}

/** A fresh idempotency key for one action (a gift issued once however often it is retried). */
export function requestId(prefix = 'web'): string {
  const rnd = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`
  return `${prefix}-${rnd}`
}
