// Both languages have exactly the same keys, every key a template or script uses exists, and
// no template holds user-visible text outside i18n (a cheap check: text nodes and the
// attributes people read — label, placeholder, title, aria-label... — must not be literal
// letters or Chinese characters).
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { mergeAreas, type Messages } from '../src/locales/merge'

const SRC = fileURLToPath(new URL('../src', import.meta.url))

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) ? [path] : []
  })
}

async function load(lang: string): Promise<Messages> {
  const dir = join(SRC, 'locales', lang)
  const modules: Record<string, { default: Messages }> = {}
  for (const f of files(dir, '.ts')) modules[f] = await import(f)
  return mergeAreas(modules)
}

function keys(obj: unknown, prefix = ''): string[] {
  if (obj && typeof obj === 'object') {
    return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
  }
  return [prefix]
}

describe('locales', () => {
  it('zh-CN and en have the same areas, files and keys', async () => {
    const zhFiles = files(join(SRC, 'locales', 'zh-CN'), '.ts').map((f) => relative(join(SRC, 'locales', 'zh-CN'), f))
    const enFiles = files(join(SRC, 'locales', 'en'), '.ts').map((f) => relative(join(SRC, 'locales', 'en'), f))
    expect(enFiles.sort()).toEqual(zhFiles.sort())
    const zh = keys(await load('zh-CN')).sort()
    const en = keys(await load('en')).sort()
    expect(en.filter((k) => !zh.includes(k))).toEqual([])
    expect(zh.filter((k) => !en.includes(k))).toEqual([])
  })

  it('no message is empty, and no zh-CN message is left in English', async () => {
    const zh = await load('zh-CN')
    const get = (o: Messages, k: string) => k.split('.').reduce<unknown>((x, p) => (x as Record<string, unknown>)?.[p], o)
    const english: string[] = []
    for (const k of keys(zh)) {
      const z = String(get(zh, k))
      const words = z.replace(/\{[^}]*\}/g, '')   // placeholders are names, not text
      expect(z.trim(), k).not.toBe('')
      // A zh-CN text with words but no Chinese was left in English (language names excepted).
      if (/[A-Za-z]{3,}/.test(words) && !/[\u4e00-\u9fff]/.test(words) && k !== 'nav.langEn') english.push(k)
    }
    expect(english).toEqual([])
  })

  it('every key the sources use exists', async () => {
    const zh = keys(await load('zh-CN'))
    const used = new Set<string>()
    for (const f of [...files(SRC, '.vue'), ...files(SRC, '.ts')]) {
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([A-Za-z0-9_.-]+)'/g)) used.add(m[1])
      for (const m of text.matchAll(/titleKey:\s*'([A-Za-z0-9_.-]+)'/g)) used.add(m[1])
    }
    // A key that names a group (a prefix of leaves) counts as used by dynamic lookups.
    const missing = [...used].filter((k) => !zh.includes(k) && !zh.some((z) => z.startsWith(k + '.')))
    expect(missing).toEqual([])
  })

  it('templates hold no literal user-visible text', () => {
    const offenders: string[] = []
    for (const f of files(SRC, '.vue')) {
      const source = readFileSync(f, 'utf8')
      const m = /<template>([\s\S]*)<\/template>/.exec(source)
      if (!m) continue
      const template = m[1].replace(/<!--[\s\S]*?-->/g, '')
      // Text between tags that is not an interpolation.
      for (const t of template.matchAll(/>([^<>]+)</g)) {
        const text = t[1].replace(/\{\{[\s\S]*?\}\}/g, '').trim()
        if (/[A-Za-z]{2,}|[\u4e00-\u9fff]/.test(text)) offenders.push(`${relative(SRC, f)}: "${text}"`)
      }
      // Static (unbound) attributes people read.
      for (const a of template.matchAll(/\s(label|placeholder|title|aria-label|alt|description|content|confirm-button-text|cancel-button-text|empty-text)="([^"]*)"/g)) {
        if (/[A-Za-z]{2,}|[\u4e00-\u9fff]/.test(a[2])) offenders.push(`${relative(SRC, f)}: ${a[1]}="${a[2]}"`)
      }
    }
    expect(offenders).toEqual([])
  })
})
