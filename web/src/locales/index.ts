// Messages by area, one file per area and language (locales/zh-CN/*.ts, locales/en/*.ts), merged
// at startup. Each file's default export is { <area>: {...} }; an area is owned by one file.
// zh-CN is the default; the choice is remembered (a preference, not a secret).
import { computed } from 'vue'
import { createI18n } from 'vue-i18n'

import { mergeAreas, type Messages } from './merge'

export type { Messages }
export const LANGS = ['zh-CN', 'en'] as const
export type Lang = (typeof LANGS)[number]
const STORAGE_KEY = 'crm.console.lang'

type Module = { default: Messages }
export const messages = {
  'zh-CN': mergeAreas(import.meta.glob<Module>('./zh-CN/*.ts', { eager: true })),
  en: mergeAreas(import.meta.glob<Module>('./en/*.ts', { eager: true })),
}

function initial(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved && (LANGS as readonly string[]).includes(saved)) return saved as Lang
  } catch {
    /* storage off: the default */
  }
  return 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: messages as Record<Lang, Record<string, never>>,
  missingWarn: false,
  fallbackWarn: false,
})

export const currentLang = computed<Lang>(() => i18n.global.locale.value as Lang)

export function setLang(lang: Lang) {
  i18n.global.locale.value = lang
  document.documentElement.lang = lang
  try {
    localStorage.setItem(STORAGE_KEY, lang)
  } catch {
    /* ignore */
  }
}

/** A message outside components (page titles); a plain signature, as vue-i18n's overloads are
 * too deep for the type checker there. */
export function translate(key: string): string {
  const global = i18n.global as unknown as { t: (k: string) => string }
  return global.t(key)
}
