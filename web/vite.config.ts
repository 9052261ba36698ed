/**
 * Builds the browser app into web/dist. Preact through esbuild's automatic JSX (no plugin); a
 * manifest lets scripts/build-web.mjs measure the vote page's initial JavaScript.
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: 'public',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: false,
    assetsInlineLimit: 0,
  },
  server: {
    // `npx vite --config web/vite.config.ts` while pollcast runs on 8080: the API is proxied.
    proxy: { '/v1': 'http://127.0.0.1:8080', '/j/': 'http://127.0.0.1:8080' },
  },
});
