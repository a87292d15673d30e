// The layer rules of docs/architecture.md are lint rules (eslint.config.js); this proves each one
// catches a violation, so a rule that silently stops matching (a moved folder, a renamed file)
// fails here instead of letting the layers mix.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function messagesFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.message);
}

const cases: [string, string, RegExp][] = [
  ['src-shared/engine/solver.ts', "import { x } from '../config';\nexport const y = x;\n", /imports nothing but itself/],
  ['src-shared/engine/prng.ts', 'export const r = Math.random();\n', /seeded/],
  ['src-shared/limits.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", /no Node built-ins/],
  ['src-shared/config.ts', "import { openStore } from '../src-main/store/index';\nexport const o = openStore;\n", /may not import src-main/],
  ['src-renderer/src/api.ts', "import { openStore } from '../../src-main/store/index';\nexport const o = openStore;\n", /may not import src-main/],
  ['src-main/api/runs.ts', "import { app } from 'electron';\nexport const a = app;\n", /Only src-main\/electron/],
  ['src-main/api/runs.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n", /SQLite lives in src-main\/store/],
  ['src-main/api/runs.ts', "import { Worker } from 'node:worker_threads';\nexport const w = Worker;\n", /executor's business/],
  ['src-main/runs/recorder.ts', "import { Worker } from 'node:worker_threads';\nexport const w = Worker;\n", /executor's business/],
  ['src-main/runs/thread-executor.ts', "import { openStore } from '../store/index';\nexport const o = openStore;\n", /know nothing of the store/],
  ['src-main/runs/worker.ts', "import { openStore } from '../store/index';\nexport const o = openStore;\n", /know nothing of the store/],
  ['src-main/store/runs.ts', "import { createWorkbench } from '../api/workbench';\nexport const c = createWorkbench;\n", /imports nothing of the layers above/],
];

describe('layer rules (eslint.config.js)', () => {
  it.each(cases)('%s: %s is refused', async (file, code, message) => {
    const messages = await messagesFor(file, code);
    expect(messages.some((m) => message.test(m)), messages.join('\n')).toBe(true);
  });

  it('allows what the layers may do', async () => {
    expect(await messagesFor('src-main/runs/supervisor.ts', "import { openStore } from '../store/index';\nexport const o = openStore;\n")).toEqual([]);
    expect(await messagesFor('src-main/runs/thread-executor.ts', "import { Worker } from 'node:worker_threads';\nexport const w = Worker;\n")).toEqual([]);
    expect(await messagesFor('src-renderer/src/api.ts', "import { contract } from '@shared/contract';\nexport const c = contract;\n")).toEqual([]);
  });
});
