import { currentLang } from '@/locales'
import * as f from '@/utils/format'

/** The formatters, in the language the console shows. */
export function useFormat() {
  return {
    date: (v: string | Date | null | undefined) => f.formatDate(v, currentLang.value),
    dateTime: (v: string | Date | null | undefined) => f.formatDateTime(v, currentLang.value),
    money: (cents: number | null | undefined) => f.formatMoney(cents, currentLang.value),
    phone: f.formatPhone,
    daysUntil: f.daysUntil,
    msUntil: f.msUntil,
  }
}
