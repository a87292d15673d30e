// The renderer's layer rule still bites after the move to the `@shared/…` alias: ESLint, with the
// project's own config, rejects every way out of src-renderer except src-shared through the alias,
// and the alias itself is refused outside the renderer (Node and the main bundle cannot resolve it).
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.fatal).map((m) => m.message);
}

const VUE = 'src-renderer/src/components/runs/Layer.vue';
const vue = (imp: string) => `<script setup lang="ts">\n${imp}\nvoid x;\n</script>\n<template><div /></template>\n`;

describe('renderer layer rule with the @shared alias', () => {
  it('accepts src-shared through the alias and paths inside the renderer', async () => {
    expect(await restricted("import { x } from '@shared/contract';\nvoid x;", 'src-renderer/src/stores/layer.ts')).toEqual([]);
    expect(await restricted(vue("import { x } from '@shared/ui/format';"), VUE)).toEqual([]);
    expect(await restricted(vue("import { x } from '../../composables/async';"), VUE)).toEqual([]);
  });

  it.each([
    ["import { x } from '../../../../src-main/api/workbench';", 'off limits'],
    ["import { x } from '../../../../src-shared/contract';", 'as @shared'],
    ["import { x } from '../../../../scripts/build-if-stale.mjs';", 'no relative path out of src-renderer'],
    ["import { x } from '@shared/../src-main/api/workbench';", 'off limits'],
    ["import { x } from '@shared/ui/../../package.json';", 'may not climb'],
    ["import { x } from 'electron';", 'Only src-main/electron'],
    ["import { x } from 'node:fs';", 'no Node built-ins'],
    ["import { x } from 'better-sqlite3';", 'SQLite'],
  ])('rejects %s in a component', async (imp, why) => {
    const msgs = await restricted(vue(imp), VUE);
    expect(msgs.join(' | ')).toContain(why);
  });

  it('rejects a relative escape at every folder depth', async () => {
    expect(await restricted("import { x } from '../../src-shared/contract';\nvoid x;", 'src-renderer/src/api.ts')).not.toEqual([]);
    expect(await restricted("import { x } from '../../package.json';\nvoid x;", 'src-renderer/src/main.ts')).not.toEqual([]);
    expect(await restricted("import { x } from '../../../tests/e2e/support';\nvoid x;", 'src-renderer/src/stores/layer.ts')).not.toEqual([]);
  });

  it('refuses the alias outside the renderer', async () => {
    for (const file of ['src-shared/ui/layer.ts', 'src-main/api/layer.ts', 'src-main/electron/layer.ts', 'src-main/store/layer.ts']) {
      expect((await restricted("import { x } from '@shared/contract';\nvoid x;", file)).join(' '), file).toContain('only in the renderer');
    }
  });
});
