// How a goal's target reads: a count per customer, a share (shown in %) or a 1–5 mean.
export const SHARE_GOALS = ['greeting_coverage', 'activity_participation', 'survey_response'] as const
export const GOAL_TYPES = ['contacts_per_customer', 'visits_per_customer', 'greeting_coverage',
  'activity_participation', 'survey_response', 'csat'] as const
export const ACTION_KINDS = ['contact', 'visit', 'greeting', 'survey', 'activity'] as const

export const isShare = (type: string) => (SHARE_GOALS as readonly string[]).includes(type)

/** A goal figure for people: 0.8 → "80%" for shares, 2.5 → "2.5" otherwise; null → "—". */
export function goalFigure(type: string, v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  if (isShare(type)) return `${Math.round(v * 1000) / 10}%`
  return String(Math.round(v * 100) / 100)
}
