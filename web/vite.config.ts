// Vite configuration: the bundle goes to dist/ (embedded by the server at compile time),
// hashed files under /assets/, and the dev server proxies the API and the live hub to a
// running `cartographus` (127.0.0.1:3857 unless CARTOGRAPHUS_URL says otherwise).
import { defineConfig } from 'vite';

const target = process.env.CARTOGRAPHUS_URL ?? 'http://127.0.0.1:3857';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // MapLibre and deck.gl are big by nature; they live in their own lazily loaded chunks.
    chunkSizeWarningLimit: 1200,
    // Small files stay files: the server's CSP allows data: images but keeping every
    // asset a hashed file is simpler to cache.
    assetsInlineLimit: 0,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target, changeOrigin: false },
      '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
    },
  },
});
