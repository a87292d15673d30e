import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src-shared/config';
import type { EpochRow, RunRow } from '../../src-shared/contract';
import { columnById, DEFAULT_COLUMNS, parseColumnChoice, RUN_COLUMNS, toggleColumn } from '../../src-shared/ui/runColumns';
import { DEFAULT_RUNS_QUERY, parseRunsQuery, runsQueryToRoute } from '../../src-shared/ui/runQuery';
import { nextInGrid, nextInRow } from '../../src-shared/ui/keyboard';

const row = { id: 3, config: { ...DEFAULT_CONFIG, seed: 42 }, epochsDone: 2, bestValAccuracy: 0.9812, testAccuracy: null, durationMs: 65_000, iteration: 590, createdAt: 0, tags: ['a', 'b'] } as unknown as RunRow;
const last = { epoch: 2, trainAccuracy: 0.99, trainLoss: 0.03, valAccuracy: 0.98, valLoss: 0.05, learningRate: 0.001, meanIterationLoss: 0.04, durationMs: 1, imagesPerSecond: 1 } as EpochRow;

describe('runs table columns', () => {
  it('offer every setting and the final metrics', () => {
    for (const k of Object.keys(DEFAULT_CONFIG)) expect(columnById(`config.${k}`), k).toBeDefined();
    expect(columnById('config.seed')!.value(row, null)).toBe('42');
    expect(columnById('config.learningRate')!.value(row, null)).toBe('1e-3');
    expect(columnById('final.valLoss')!.value(row, last)).toBe('0.05000');
    expect(columnById('final.trainAccuracy')!.value(row, null)).toBe('—');
    expect(columnById('bestVal')!.value(row, null)).toBe('98.12%');
    expect(columnById('duration')!.value(row, null)).toBe('1 min 05 s');
    expect(columnById('duration')!.value({ ...row, durationPartial: true }, null)).toBe('≥ 1 min 05 s');
    expect(columnById('sweep')!.value({ ...row, sweep: { id: 2, name: 'Sweep of seed' } }, null)).toBe('Sweep of seed');
    expect(RUN_COLUMNS.filter((c) => c.needsLastEpoch).length).toBeGreaterThanOrEqual(4);
  });

  it('read a stored choice safely', () => {
    expect(parseColumnChoice(null)).toEqual(DEFAULT_COLUMNS);
    expect(parseColumnChoice('not json')).toEqual(DEFAULT_COLUMNS);
    expect(parseColumnChoice('{"a":1}')).toEqual(DEFAULT_COLUMNS);
    expect(parseColumnChoice('["config.seed","nope","config.seed",3,"test"]')).toEqual(['config.seed', 'test']);
    expect(parseColumnChoice('[]')).toEqual([]);
  });

  it('toggle in registry order', () => {
    expect(toggleColumn(['test'], 'config.seed')).toEqual(['test', 'config.seed']);
    expect(toggleColumn(['config.seed'], 'test')).toEqual(['test', 'config.seed']);
    expect(toggleColumn(['test', 'config.seed'], 'test')).toEqual(['config.seed']);
    expect(toggleColumn(['test'], 'unknown')).toEqual(['test']);
  });
});

describe('runs query in the URL', () => {
  it('round-trips and leaves defaults out', () => {
    expect(runsQueryToRoute(DEFAULT_RUNS_QUERY)).toEqual({});
    const v = { text: 'lr', status: 'completed' as const, tag: 'report', archived: 'include' as const, sort: 'testAccuracy' as const, order: 'asc' as const, page: 2 };
    const r = runsQueryToRoute(v);
    expect(r).toEqual({ q: 'lr', status: 'completed', tag: 'report', archived: 'include', sort: 'testAccuracy', order: 'asc', page: '3' });
    expect(parseRunsQuery(r)).toEqual(v);
    expect(runsQueryToRoute({ ...DEFAULT_RUNS_QUERY, sort: 'name', order: 'asc' })).toEqual({ sort: 'name' });
  });

  it('ignores what it does not understand', () => {
    expect(parseRunsQuery({ status: 'bogus', sort: 'seed', order: 'up', page: '-1', q: ['x', 'y'], archived: 'all' })).toEqual({ ...DEFAULT_RUNS_QUERY, text: 'x' });
    expect(parseRunsQuery({ page: '1.5' }).page).toBe(0);
    expect(parseRunsQuery({ sort: 'name' }).order).toBe('asc');
  });
});

describe('roving keys', () => {
  it('move along a row of tabs, wrapping', () => {
    expect(nextInRow('ArrowRight', 2, 3)).toBe(0);
    expect(nextInRow('ArrowLeft', 0, 3)).toBe(2);
    expect(nextInRow('End', 0, 3)).toBe(2);
    expect(nextInRow('Enter', 0, 3)).toBeNull();
  });
  it('move in a grid, stopping at the edges', () => {
    expect(nextInGrid('ArrowRight', 0, 9, 10, 10)).toEqual({ row: 0, col: 9 });
    expect(nextInGrid('ArrowDown', 3, 4, 10, 10)).toEqual({ row: 4, col: 4 });
    expect(nextInGrid('ArrowUp', 0, 4, 10, 10)).toEqual({ row: 0, col: 4 });
    expect(nextInGrid('Home', 3, 4, 10, 10)).toEqual({ row: 3, col: 0 });
    expect(nextInGrid('End', 3, 4, 10, 10, true)).toEqual({ row: 9, col: 9 });
    expect(nextInGrid('x', 3, 4, 10, 10)).toBeNull();
  });
});
