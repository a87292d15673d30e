import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// Three bundles with explicit inputs: the Electron main process, the sandboxed preload (one
// CommonJS file) and the Vue renderer. `electron-vite build` needs no Electron binary.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // index: the Electron main; worker: the run worker thread (src-main/runs/supervisor.ts
        // looks for worker.js beside the bundle).
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          worker: resolve(__dirname, 'src-main/runs/worker.ts'),
        },
        external: ['better-sqlite3', 'electron'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    // `@shared/x` is src-shared/x: the one layer the renderer may import (eslint.config.js);
    // `@resources/x` is an asset of the top-level resources/ folder (the app icon).
    resolve: { alias: { '@shared': resolve(__dirname, 'src-shared'), '@resources': resolve(__dirname, 'resources') } },
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      // electron-vite leaves the renderer unminified by default; ship it minified.
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
    plugins: [vue()],
  },
});
