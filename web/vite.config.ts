/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// The gateway serves the build at /console/ (gateway/console.py); `npm run dev` proxies the API
// to a running `make run` so the same relative URLs work in both.
export default defineConfig({
  base: '/console/',
  plugins: [
    vue(),
    // Element Plus on demand: only the components and their CSS that templates use.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: 'auto-imports.d.ts' }),
    Components({ resolvers: [ElementPlusResolver()], dts: 'components.d.ts', dirs: ['src/components'] }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
  build: {
    target: 'es2020',
    chunkSizeWarningLimit: 600,
    // No source maps in the served build: smaller, and nothing of the source leaks.
    sourcemap: false,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
  },
})
