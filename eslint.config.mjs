// Layer boundaries are checked, not hoped for (DESIGN.md "Processes and layers"):
//  - src/shared imports nothing else of the app and no Node, DOM-only or native module;
//  - the renderer imports src/shared and the preload's types only, never src/main;
//  - only the Electron shell (src/main/electron, src/preload) imports 'electron'.
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'url', 'stream', 'worker_threads'];
const nativeModules = ['better-sqlite3', 'sharp', 'drizzle-orm', 'drizzle-orm/*', '@ffmpeg-installer/*'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tsbuild/**', 'drizzle/**', 'test-results/**', 'bench-results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only src/main/electron and src/preload may import electron.' }] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared imports nothing else of the app.' },
            { group: [...nodeBuiltins, ...nativeModules, 'electron', 'react', 'react-dom', '@xyflow/*', 'zustand'], message: 'src/shared stays pure TypeScript: no Node, DOM, native or UI modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/main/**', '../../main', '../main'], message: 'The renderer talks to the Node side through the typed API only.' },
            { group: [...nodeBuiltins, ...nativeModules, 'electron'], message: 'The renderer runs in a sandbox: no Node or native modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only src/main/electron may import electron; the rest of src/main runs under plain Node.' }],
          patterns: [{ group: ['**/renderer/**'], message: 'src/main never imports the renderer.' }],
        },
      ],
    },
  },
  {
    // The engine is deterministic (STYLE.md): time, timers and chance come in through the Clock,
    // the injected sleep and a seeded RandomSource, so a dry-run over virtual time and a crash
    // replay give the same answers. clock.ts is the one place that touches the real clock.
    files: ['src/main/engine/**/*.ts', 'src/shared/engine/**/*.ts'],
    ignores: ['src/main/engine/clock.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The engine reads time from its injected Clock.' },
        { object: 'Math', property: 'random', message: 'The engine draws from an injected, seeded RandomSource.' },
        { object: 'globalThis', property: 'setTimeout', message: 'The engine never owns a timer: the scheduler is given a sleep.' },
        { object: 'globalThis', property: 'setInterval', message: 'The engine never owns a timer: the scheduler is given a sleep.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'The engine never owns a timer: the scheduler is given a sleep (clock.ts).' },
        { name: 'setInterval', message: 'The engine never owns a timer: the scheduler is given a sleep (clock.ts).' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'new Date() reads the real clock; use the injected Clock.' },
        { selector: "CallExpression[callee.name='Date']", message: 'Date() reads the real clock; use the injected Clock.' },
      ],
    },
  },
  {
    files: ['src/main/electron/**/*.ts', 'src/preload/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'The shell never imports the renderer.' }] }] },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.mjs', 'bin/**/*.mjs', '*.config.ts', '*.config.mjs'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
