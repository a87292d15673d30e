// `npm run report` end to end: a real child process, the real engine on MNIST, one epoch per run.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAIMS, VERDICTS } from '../../src-shared/report';
import { parseReportArgs } from '../../src-main/cli/report';
import { tempDir } from '../runs/helpers';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = tempDir('lenet-report-cli-');
afterAll(() => tmp.cleanup());

function report(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/report.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run report', () => {
  it('checks its flags', () => {
    expect(parseReportArgs([])).toEqual({ kind: 'ok', args: { seeds: 3, epochs: null, json: false, ablation: false, db: null } });
    expect(parseReportArgs(['--epochs', '2', '--seeds=1', '--json', '--db', 'x.sqlite'])).toEqual({ kind: 'ok', args: { seeds: 1, epochs: 2, json: true, ablation: false, db: 'x.sqlite' } });
    expect(parseReportArgs(['--ablation', '--epochs=3'])).toEqual({ kind: 'ok', args: { seeds: 3, epochs: 3, json: false, ablation: true, db: null } });
    expect(parseReportArgs(['--epochs', '41'])).toMatchObject({ kind: 'error', message: '--epochs must be a whole number from 1 to 40 (got "41").' });
    expect(parseReportArgs(['--seeds', '0'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--seeds must be a whole number from 1 to 10/) });
    expect(parseReportArgs(['--fast'])).toMatchObject({ kind: 'error', message: 'Unknown argument "--fast".' });
    expect(parseReportArgs(['--seeds', '2', '--seeds', '3'])).toMatchObject({ kind: 'error', message: '--seeds is given twice.' });
  });

  it('--epochs 1 --seeds 1 --json trains the missing runs and prints every claim with a verdict; a second call reuses them', async () => {
    const db = join(tmp.dir, 'try.sqlite');
    const r = await report(['--epochs', '1', '--seeds', '1', '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { claims: { id: string; title: string; report: string; ours: string; verdict: string; explanation: string }[] };
    expect(json.claims.map((c) => c.id)).toEqual(CLAIMS.map((c) => c.id));
    for (const c of json.claims) {
      expect(Object.keys(c)).toEqual(['id', 'title', 'report', 'ours', 'verdict', 'explanation']);
      expect(VERDICTS).toContain(c.verdict);
      expect(c.explanation.length).toBeGreaterThan(10);
    }
    // 1 epoch of 40, 1 seed of 3: Table 1's verdict cannot be final (the SGD-vs-Adam claim reads epoch 1 only, and can).
    expect(json.claims.find((c) => c.id === 'table1')!.verdict).toBe('provisional');
    expect(r.stderr).toMatch(/The report needs 7 runs here: 7 to train now/);
    // Each run is announced once, when it starts, in the order they train.
    expect([...r.stderr.matchAll(/^Training run (\d+) "Report: [^"]+"…$/gm)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const again = await report(['--epochs', '1', '--seeds', '1', '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/The report needs 7 runs here: 0 to train now, 7 already recorded/);
    expect(again.stdout).toMatch(/^Table 1 configuration: test accuracy — provisional \(so far: /m);
    expect(again.stdout).toMatch(/^9 claims: /m);

    // Improved vs original reuses the report's seed-1 and SGD runs and trains the five others.
    const abl = await report(['--ablation', '--epochs', '1', '--db', db]);
    expect(abl.code, abl.stderr).toBe(0);
    expect(abl.stdout).toMatch(/Improved vs original: 5 runs to train now/);
    expect(abl.stdout).toMatch(/^Improved vs original \(1 epoch; epochs to 98% validation accuracy\):$/m);
    for (const title of ["ReLU instead of LeCun's tanh", 'Max-pooling instead of trainable subsampling', "A full C3 instead of LeCun's connection table", 'Softmax instead of RBF output units', 'Adam instead of plain SGD', "All four architecture changes (LeCun's 1998 network vs the report's)"]) {
      expect(abl.stdout).toContain(`${title} (seed 1)`);
    }
    expect(abl.stdout.match(/^ {2}test accuracy: report's \d+\.\d\d%, original \d+\.\d\d%: [+−±]\d+\.\d\d points$/gm)).toHaveLength(6);
    expect(abl.stdout).not.toMatch(/No paired runs yet/);
  }, 400_000);
});
