import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// One renderer build serves both the Electron window and the browser mode (`postcard serve`).
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // The live scheduler's worker thread is an entry of its own: out/main/worker.js (engine/workerHost.ts finds it there).
        // Each dry-run gets a thread of its own too: out/main/simulationWorker.js (engine/simulationHost.ts).
        input: {
          index: resolve(import.meta.dirname, 'src/main/electron/main.ts'),
          worker: resolve(import.meta.dirname, 'src/main/engine/worker.ts'),
          simulationWorker: resolve(import.meta.dirname, 'src/main/engine/simulationWorker.ts'),
        },
        // Native modules are loaded at run time, never bundled.
        external: ['better-sqlite3', 'sharp', '@ffmpeg-installer/ffmpeg'],
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        // A sandboxed preload cannot require() app files: bundle everything into one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    base: './',
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      // electron-vite leaves bundles unminified; the renderer is also served to browsers, and
      // a third of the canvas's time to interactive was parsing 1.5 MB of script.
      minify: true,
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
