// `npm run runs -- …` against a real database in a temp folder: parsing, every command, clear
// errors for unknown ids and bad usage, and one real process through the npm script's command.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench } from '../../src-main/api/workbench';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main, parseRunsArgs } from '../../src-main/cli/runs';
import { tempDir, tinyConfig, waitForStatus, writeTinyDataset } from './helpers';
import { inProcess } from '../support/child';

const tmp = tempDir('lenet-cli-');
const db = join(tmp.dir, 'wb.sqlite');
let done = 0;
let stopped = 0;
/** The epochs the stopped run had done when its stop landed. */
let stoppedAt = 0;

const run = inProcess(main);

beforeAll(async () => {
  const wb = createWorkbench({ dbPath: db, concurrency: 1 });
  const ds = (await wb.api.importDataset({ folder: writeTinyDataset(join(tmp.dir, 'tiny')), name: 'Tiny' })).id;
  done = (await wb.api.createRun({ config: tinyConfig(ds, { init: 'he', learningRate: 0.003 }), name: 'finished run', tags: ['cli'] })).id;
  await waitForStatus(wb, done, ['completed']);
  // The stop is asked when epoch 1 ends and lands wherever the worker is when it reads it: on a
  // loaded machine the epoch event reaches this thread late (a tiny epoch takes a fifth of a
  // second), so the run has ten epochs and the tests read where the stop actually landed (it had
  // three, and the tests expected the stop in epoch 2).
  stopped = (await wb.api.createRun({ config: tinyConfig(ds, { epochs: 10 }), name: 'stopped run' })).id;
  const stopAt = new Promise<void>((resolve) => {
    const off = wb.events.on('runEpoch', (e) => {
      if (e.runId === stopped) {
        off();
        void wb.api.stopRun({ id: stopped }).then(() => resolve());
      }
    });
  });
  await stopAt;
  stoppedAt = (await wb.api.getRun({ id: stopped })).epochsDone;
  await wb.close();
});

afterAll(() => tmp.cleanup());

describe('runs CLI', () => {
  it('parses commands and refuses bad usage with a clear message', () => {
    expect(parseRunsArgs(['show', '3', '--db', 'x.sqlite'])).toEqual({ kind: 'ok', args: { command: 'show', id: 3, flags: {}, db: 'x.sqlite' } });
    expect(parseRunsArgs(['export', '3', '--format=csv', '--out', 'f.csv'])).toMatchObject({ kind: 'ok', args: { flags: { format: 'csv', out: 'f.csv' } } });
    expect(parseRunsArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseRunsArgs(['export', '3', '--weights', '--out', 'w.bin'])).toMatchObject({ kind: 'ok', args: { flags: { weights: 'yes', out: 'w.bin' } } });
    const bad: [string[], RegExp][] = [
      [[], /a command is needed/],
      [['launch'], /unknown command "launch"/],
      [['show'], /exactly one run id/],
      [['show', 'abc'], /positive whole number/],
      [['show', '0'], /positive whole number/],
      [['list', '4'], /list takes no run id/],
      [['list', '--format', 'csv'], /list does not take --format/],
      [['export', '1', '--format', 'xml'], /json, csv or onnx/],
      [['list', '--status', 'done'], /--status must be one of/],
      [['list', '--limit', '0'], /--limit must be/],
      [['show', '1', '--db'], /--db needs a value/],
      [['resume', '1', '--checkpoint', 'x'], /--checkpoint must be/],
      [['list', '--archived', 'all'], /--archived must be one of exclude, include, only/],
      [['export', '1', '--weights'], /--weights needs --out FILE/],
      [['export', '1', '--weights', '--format', 'csv', '--out', 'f'], /--format does not apply/],
      [['export', '1', '--weights=yes', '--out', 'f'], /--weights takes no value/],
      [['show', '1', '--weights'], /show does not take --weights/],
      [['archive'], /archive needs exactly one run id/],
    ];
    for (const [argv, msg] of bad) {
      const r = parseRunsArgs(argv);
      expect(r.kind, argv.join(' ')).toBe('error');
      if (r.kind === 'error') expect(r.message).toMatch(msg);
    }
  });

  it('lists and shows runs with metrics and the confusion matrix', async () => {
    const list = await run('list', '--db', db);
    expect(list.code).toBe(EXIT_OK);
    expect(list.out).toMatch(/ID\s+STATUS\s+NAME/);
    expect(list.out).toMatch(new RegExp(`${done}\\s+completed\\s+finished run\\s+2/2`));
    expect(list.out).toMatch(new RegExp(`${stopped}\\s+stopped\\s+stopped run\\s+${stoppedAt}/10`));
    expect((await run('list', '--db', db, '--status', 'stopped')).out).not.toMatch(/finished run/);
    expect((await run('list', '--db', db, '--tag', 'nothing')).out).toMatch(/No runs match/);

    const show = await run('show', String(done), '--db', db);
    expect(show.code).toBe(EXIT_OK);
    expect(show.out).toMatch(new RegExp(`Run ${done}: finished run`));
    expect(show.out).toMatch(/status\s+completed/);
    expect(show.out).toMatch(/^ {2}trained on this machine, \d threads?$/m);
    expect(show.out).toMatch(/Epochs \(2 recorded, 20 iteration losses\)/);
    expect(show.out).toMatch(/Checkpoints \(2\)/);
    expect(show.out).toMatch(/Test evaluation #\d+ .*accuracy \d+\.\d\d%, .*300 images/);
    expect(show.out).toMatch(/true\\pred/);
    expect(show.out).toMatch(/Most confused pairs/);
    expect((await run('show', String(stopped), '--db', db)).out).toMatch(/No test evaluation yet/);
  });

  it('exports JSON and CSV to stdout or a file', async () => {
    const json = await run('export', String(done), '--db', db);
    expect(json.code).toBe(EXIT_OK);
    expect(JSON.parse(json.out).run.id).toBe(done);
    const file = join(tmp.dir, 'out.csv');
    const csv = await run('export', String(done), '--db', db, '--format', 'csv', '--out', file);
    expect(csv.code).toBe(EXIT_OK);
    expect(csv.err).toMatch(/Wrote \d+ bytes/);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toMatch(/^epoch,trainAccuracy/);
  });

  it('writes the final checkpoint with --weights', async () => {
    const file = join(tmp.dir, 'weights.lenet-checkpoint');
    const r = await run('export', String(done), '--weights', '--out', file, '--db', db);
    expect(r.code).toBe(EXIT_OK);
    const wb = createWorkbench({ dbPath: db, autoStart: false, readonly: true });
    const last = (await wb.api.listCheckpoints({ runId: done })).at(-1)!;
    const bytes = (await wb.api.exportCheckpoint({ id: last.id })).bytes;
    await wb.close();
    expect(r.err).toBe(`Wrote the final checkpoint of run ${done} (#${last.id}, epoch 2, iteration 20), ${bytes.length.toLocaleString('en-US')} bytes, to ${file}.\n`);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(bytes))).toBe(true);
    expect(new TextDecoder().decode(readFileSync(file).subarray(0, 8))).toBe('LENET5CK');
  });

  it('archives and unarchives a run: list leaves it out unless asked', async () => {
    const a = await run('archive', String(done), '--db', db);
    expect(a.code).toBe(EXIT_OK);
    expect(a.out).toMatch(new RegExp(`Archived run ${done} "finished run"`));
    expect((await run('list', '--db', db)).out).not.toMatch(/finished run/);
    expect((await run('list', '--db', db, '--archived', 'include')).out).toMatch(new RegExp(`${done}\\s+completed \\(archived\\)\\s+finished run`));
    expect((await run('show', String(done), '--db', db)).out).toMatch(/ {2}archived {3}\d{4}-/);
    expect((await run('unarchive', String(done), '--db', db)).out).toMatch(new RegExp(`Unarchived run ${done}`));
    expect((await run('list', '--db', db)).out).toMatch(/finished run/);
    const refused = await run('archive', String(424242), '--db', db);
    expect(refused.code).toBe(EXIT_FAILURE);
  });

  it('gives clear errors for unknown ids and wrong states', async () => {
    for (const cmd of ['show', 'export', 'resume', 'delete']) {
      const r = await run(cmd, '424242', '--db', db);
      expect(r.code, cmd).toBe(EXIT_FAILURE);
      expect(r.err, cmd).toMatch(/runs: No run with id 424242\./);
    }
    const r = await run('resume', String(done), '--db', db);
    expect(r.code).toBe(EXIT_FAILURE);
    expect(r.err).toMatch(/completed; pick one of its checkpoints/);
    const u = await run('frobnicate', '--db', db);
    expect(u.code).toBe(EXIT_USAGE);
    expect(u.err).toMatch(/unknown command "frobnicate"[\s\S]*--help/);
  });

  it('resumes a stopped run to completion, then deletes it', async () => {
    const r = await run('resume', String(stopped), '--db', db);
    // No error: stderr holds only progress lines (how many depends on the machine's speed).
    for (const line of r.err.split('\n').filter(Boolean)) expect(line).toMatch(new RegExp(`^epoch (${Array.from({ length: 10 - stoppedAt }, (_, i) => stoppedAt + 1 + i).join('|')})/10 · iteration \\d+/10 · loss \\d\\.\\d+ · [\\d,]+ img/s · ETA `));
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(new RegExp(`Resuming run ${stopped} "stopped run" from epoch ${stoppedAt},`));
    for (let e = stoppedAt + 1; e <= 10; e++) expect(r.out).toMatch(new RegExp(`epoch ${e}: train`));
    expect(r.out).toMatch(new RegExp(`Run ${stopped} completed · test accuracy`));
    const d = await run('delete', String(stopped), '--db', db);
    expect(d.out).toMatch(new RegExp(`Deleted run ${stopped} "stopped run"`));
    expect((await run('show', String(stopped), '--db', db)).code).toBe(EXIT_FAILURE);
  });

  it('works as a real process with LENET_WORKBENCH_DB', () => {
    const p = spawnSync(process.execPath, ['--import', 'tsx', 'src-main/cli/runs.ts', 'list'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, LENET_WORKBENCH_DB: db },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/finished run/);
  });
});
