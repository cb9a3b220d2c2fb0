// Dates, money and phone numbers the Chinese way (and the English way when switched).
// Pure functions: screens call them through useFormat() (composables/useFormat.ts).

export type Lang = 'zh-CN' | 'en'
const ZONE = 'Asia/Shanghai'   // the bank's day, as the API's "today"

/** 2026-11-29 → 2026年11月29日 (zh) / 29 Nov 2026 (en). Date-only strings are not shifted by zones. */
export function formatDate(value: string | Date | null | undefined, lang: Lang = 'zh-CN'): string {
  if (!value) return '—'
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number)
    if (lang === 'zh-CN') return `${y}年${m}月${d}日`
    return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
      .format(new Date(Date.UTC(y, m - 1, d)))
  }
  if (typeof value === 'string' && /^--\d{2}-\d{2}$/.test(value)) {
    // A masked birth date: month and day only.
    const [m, d] = value.slice(2).split('-').map(Number)
    return lang === 'zh-CN' ? `${m}月${d}日` : `${d}/${m}`
  }
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return String(value)
  if (lang === 'zh-CN') {
    const p = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'numeric', day: 'numeric', timeZone: ZONE })
      .formatToParts(date)
    const get = (t: string) => p.find((x) => x.type === t)?.value
    return `${get('year')}年${get('month')}月${get('day')}日`
  }
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: ZONE }).format(date)
}

/** A timestamp: 2026年11月29日 14:05 (Beijing time). */
export function formatDateTime(value: string | Date | null | undefined, lang: Lang = 'zh-CN'): string {
  if (!value) return '—'
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return String(value)
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: ZONE })
    .format(date)
  return `${formatDate(date, lang)} ${time}`
}

/** Integer cents → ¥1,234,567.89 元 style: "1,234,567.89 元" (zh) / "¥1,234,567.89" (en). */
export function formatMoney(cents: number | null | undefined, lang: Lang = 'zh-CN'): string {
  if (cents === null || cents === undefined || Number.isNaN(cents)) return '—'
  const negative = cents < 0
  const abs = Math.abs(Math.trunc(cents))
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const fen = (abs % 100).toString().padStart(2, '0')
  const text = `${negative ? '-' : ''}${yuan}.${fen}`
  return lang === 'zh-CN' ? `${text} 元` : `¥${text}`
}

/** Mainland mobiles in 3-4-4 groups: 13812341234 → 138 1234 1234; masked 138****1234 → 138 **** 1234. */
export function formatPhone(value: string | null | undefined): string {
  if (!value) return '—'
  const compact = value.replace(/[\s-]/g, '')
  const m = /^(\+?86)?(1[0-9*]{2})([0-9*]{4})([0-9*]{4})$/.exec(compact)
  if (!m) return value
  return `${m[1] ? '+86 ' : ''}${m[2]} ${m[3]} ${m[4]}`
}

/** Whole days from today (Beijing) to the given date; negative when past. */
export function daysUntil(value: string | null | undefined, now: Date = new Date()): number | null {
  if (!value) return null
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(now)   // YYYY-MM-DD
  const a = Date.parse(`${today}T00:00:00Z`)
  const b = Date.parse(`${value.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(b)) return null
  return Math.round((b - a) / 86400000)
}

/** Signed milliseconds until a deadline (an SLA); negative when breached. */
export function msUntil(deadline: string | null | undefined, now: number = Date.now()): number | null {
  if (!deadline) return null
  const t = Date.parse(deadline)
  return Number.isNaN(t) ? null : t - now
}
