// Merges the per-area locale files; pure, so the locale test can use it without Vite.
export type Messages = Record<string, unknown>

export function mergeAreas(modules: Record<string, { default: Messages }>): Messages {
  const out: Messages = {}
  for (const [file, mod] of Object.entries(modules)) {
    for (const [area, value] of Object.entries(mod.default)) {
      if (area in out) throw new Error(`locale area "${area}" is defined twice (again in ${file})`)
      out[area] = value
    }
  }
  return out
}
