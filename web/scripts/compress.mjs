// Gzipped copies of the built assets (dist/assets/*.js|css|svg → *.gz), made once at build time
// so the gateway (gateway/console.py) and nginx (gzip_static) send them compressed for free.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { constants, gzipSync } from 'node:zlib'

const dir = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'dist', 'assets')
let files = 0
for (const name of readdirSync(dir)) {
  if (!/\.(js|css|svg)$/.test(name)) continue
  const body = readFileSync(join(dir, name))
  if (body.length < 1024) continue
  writeFileSync(join(dir, `${name}.gz`), gzipSync(body, { level: constants.Z_BEST_COMPRESSION }))
  files++
}
console.log(`compress: ${files} assets gzipped`)
