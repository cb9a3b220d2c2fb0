// Problems (problem+json) in the current language: a message for the page and, for 422,
// the field errors to show next to each field (<el-form-item :error="fieldError('name')">).
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessageBox } from 'element-plus'
import { ApiError } from '@/api/problem'

// The validators' English messages (marshmallow, the services' rules) → message keys.
const KNOWN: Array<[RegExp, string]> = [
  [/^Missing data for required field/i, 'validation.required'],
  [/^Field may not be null/i, 'validation.required'],
  [/^Shorter than minimum length|^Length must be between|^Longer than maximum length/i, 'validation.length'],
  [/^Not a valid email/i, 'validation.email'],
  [/^Not a valid date/i, 'validation.date'],
  [/^Not a valid (integer|number)/i, 'validation.number'],
  [/^Must be one of/i, 'validation.choice'],
  [/^Unknown field/i, 'validation.unknown'],
  [/mobile/i, 'validation.mobile'],
  [/id.?number|checksum/i, 'validation.idNumber'],
  [/^String does not match expected pattern/i, 'validation.pattern'],
  [/already (exists|registered|taken)/i, 'validation.duplicate'],
  [/must not be in the future|in the future/i, 'validation.future'],
  [/Wrong password/i, 'validation.wrongPassword'],
]

export function useProblem() {
  const { t, te, locale } = useI18n()
  const problem = ref<ApiError | null>(null)
  const fields = ref<Record<string, string>>({})

  function translateField(message: string): string {
    for (const [re, key] of KNOWN) if (re.test(message)) return t(key)
    // Unknown validator text: the generic message in Chinese; English shows the server's own.
    return locale.value === 'en' ? message : t('validation.invalid')
  }

  /** The page-level message for any error. */
  function message(err: unknown): string {
    if (!(err instanceof ApiError)) return t('problem.unexpected')
    if (err.status === 0) return t('problem.network')
    const byKind = `problem.kind.${err.kind}`
    if (err.kind && te(byKind)) return t(byKind)
    const byStatus = `problem.status.${err.status}`
    return te(byStatus) ? t(byStatus) : t('problem.unexpected')
  }

  /** Remember an error: 422 field errors go to `fields`, the rest to `problem`. */
  function capture(err: unknown): void {
    fields.value = {}
    problem.value = err instanceof ApiError ? err : new ApiError(-1, { detail: String(err) })
    if (err instanceof ApiError && err.status === 422) {
      for (const [name, msgs] of Object.entries(err.fieldErrors)) fields.value[name] = msgs.map(translateField).join('；')
    }
  }

  function reset() {
    problem.value = null
    fields.value = {}
  }

  const fieldError = (name: string) => fields.value[name] || ''

  /** 412 on an update: ask whether to reload the current version. Resolves true to reload. */
  async function confirmReload(): Promise<boolean> {
    try {
      await ElMessageBox.confirm(t('problem.staleQuestion'), t('problem.staleTitle'), {
        confirmButtonText: t('problem.reload'),
        cancelButtonText: t('common.cancel'),
        type: 'warning',
      })
      return true
    } catch {
      return false
    }
  }

  /** Capture a failed update; when it was stale (412) and the user agrees, reload the current version. */
  async function captureUpdate(err: unknown, reload: () => Promise<unknown>): Promise<void> {
    capture(err)
    if (err instanceof ApiError && err.stale && (await confirmReload())) await reload()
  }

  return { problem, fields, capture, captureUpdate, reset, fieldError, message, confirmReload, translateField }
}
