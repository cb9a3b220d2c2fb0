// The access token lives here, in memory only (never localStorage): a reload loses it and the
// console gets a new one from the httpOnly refresh cookie (stores/auth.ts).
export const tokens: { access: string; refresh: (() => Promise<string | null>) | null } = {
  access: '',
  refresh: null,
}
