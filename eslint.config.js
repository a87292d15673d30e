// Lint rules, chiefly the layer rules of docs/architecture.md (VS Code's "code-layering" idea):
// folders name the runtime, and imports may only go down.
//   src-shared/engine  imports nothing but itself
//   src-shared         imports nothing from src-main or src-renderer, no node:*, no electron
//   src-renderer       imports only src-shared, as @shared/… (and browser packages), never node:* or electron
//   src-main           may import src-shared; only src-main/electron imports 'electron'
// and the seams inside src-main:
//   src-main/store     SQL lives here alone; it imports nothing of the API, the runs or the hosts
//   runs/recorder.ts   transport-free: no worker threads (the executor's business)
//   runs/executor.ts, runs/thread-executor.ts, runs/worker.ts, runs/pool.ts (a worker's compute
//                      threads), runs/scheduler.ts
//                      know nothing of the store (the recorder and the supervisor write)
//   src-main/api       no worker threads (runs execute through the supervisor)
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'zlib', 'http', 'https', 'url', 'stream', 'util', 'events', 'net'];
const nodeBuiltinPatterns = nodeBuiltins.map((n) => ({ group: [n, `${n}/*`], message: 'This layer runs outside Node: no Node built-ins here.' }));
const electronBan = { group: ['electron', 'electron/*'], message: 'Only src-main/electron may import electron.' };
const mainBan = { group: ['**/src-main/**', '../src-main/*', '**/../src-main'], message: 'This layer may not import src-main.' };
const rendererBan = { group: ['**/src-renderer/**'], message: 'This layer may not import src-renderer.' };
const nativeBan = { group: ['better-sqlite3'], message: 'SQLite lives in src-main/store only.' };
// `@shared/…` is a renderer-only alias (Vite resolves it; Node, tsx and the main bundle do not).
const aliasBan = { group: ['@shared', '@shared/*'], message: 'The @shared alias exists only in the renderer build: use a relative path here.' };
const threadBan = { group: ['node:worker_threads', 'worker_threads'], message: 'Worker threads are the executor\'s business (src-main/runs/thread-executor.ts, worker.ts, and pool.ts for a worker\'s compute threads).' };
const storeBan = { group: ['**/store/**', '../store', '**/store/index'], message: 'Executors and workers know nothing of the store: the recorder writes.' };
const upperBan = { group: ['**/api/**', '**/runs/**', '**/web/**', '**/cli/**', '**/electron/**'], message: 'The store imports nothing of the layers above it.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-output/**', 'native/**', 'src-shared/engine/wasm/assembly/**', 'src-shared/engine/wasm/*.generated.ts'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    ignores: ['src-shared/engine/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...nodeBuiltinPatterns, electronBan, mainBan, rendererBan, nativeBan, aliasBan] }],
    },
  },
  // The engine imports nothing but itself: no packages, and no relative path that leaves it.
  ...[['src-shared/engine/*.ts', '../*'], ['src-shared/engine/*/*.ts', '../../*'], ['src-shared/engine/*/*/*.ts', '../../../*']].map(([files, up]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ...nodeBuiltinPatterns, electronBan,
        { group: [up], message: 'The engine imports nothing but itself.' },
        { regex: '^[^.]', message: 'The engine imports nothing but itself (no packages).' },
      ] }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'The engine is seeded: use engine/prng.' }],
    },
  })),
  // The renderer reaches src-shared only through the `@shared/…` alias (electron.vite.config.ts),
  // so a path that leaves src-renderer is always a layer violation, whatever it points at.
  ...[
    ['src-renderer/src/*.{ts,vue}', '(\\.\\./){2}'],
    ['src-renderer/src/*/*.{ts,vue}', '(\\.\\./){3}'],
    ['src-renderer/src/*/*/*.{ts,vue}', '(\\.\\./){4}'],
    ['src-renderer/src/*/*/*/*.{ts,vue}', '(\\.\\./){5}'],
  ].map(([files, up]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ...nodeBuiltinPatterns, electronBan, mainBan, nativeBan,
        { regex: `^${up}`, message: 'The renderer imports only src-shared, through the @shared alias: no relative path out of src-renderer.' },
        { regex: '(^|/)src-(main|shared|renderer)(/|$)', message: 'Import src-shared as @shared/…; src-main is off limits to the renderer.' },
        { regex: '^@shared/(.*/)?\\.\\.(/|$)', message: '@shared/… may not climb out of src-shared.' },
      ] }],
    },
  })),
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**', 'src-main/store/**', 'src-main/api/**', 'src-main/runs/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, nativeBan, aliasBan] }] },
  },
  {
    files: ['src-main/api/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, nativeBan, threadBan, aliasBan] }] },
  },
  {
    files: ['src-main/runs/**/*.ts'],
    ignores: ['src-main/runs/executor.ts', 'src-main/runs/thread-executor.ts', 'src-main/runs/worker.ts', 'src-main/runs/pool.ts', 'src-main/runs/scheduler.ts', 'src-main/runs/recorder.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, nativeBan, threadBan, aliasBan] }] },
  },
  {
    files: ['src-main/runs/recorder.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, nativeBan, threadBan, aliasBan] }] },
  },
  {
    files: ['src-main/runs/executor.ts', 'src-main/runs/thread-executor.ts', 'src-main/runs/worker.ts', 'src-main/runs/pool.ts', 'src-main/runs/scheduler.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, nativeBan, storeBan, aliasBan] }] },
  },
  {
    files: ['src-main/electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [rendererBan, nativeBan, aliasBan] }] },
  },
  {
    files: ['src-main/store/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, upperBan, aliasBan] }] },
  },
);
