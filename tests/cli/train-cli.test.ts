// End-to-end: the real CLI in a child process (node + tsx), real MNIST, the real engine.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src-main/data/mnist';
import { imageFile, labelFile } from '../data/idx-fixtures';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'lenet-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the trainer; `onStdout` may act on the child while it runs (e.g. send SIGINT). */
function runCli(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Done> {
  return new Promise((resolve, reject) => {
    // The trainer records its run: into a temp database, never the user's.
    const env = { ...process.env, LENET_WORKBENCH_DB: join(tmp, 'workbench.sqlite') };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/train.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run train (end to end)', () => {
  it('a bad flag exits 2 with a clear message and trains nothing', async () => {
    const r = await runCli(['--epochs', '2', '--learning-rate', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('train: --learning-rate: Learning rate must be a finite number (got "fast").');
    expect(r.stderr).toContain('--help');
    expect(r.stdout).toBe('');
    const u = await runCli(['--batchsize', '10']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/Unknown flag --batchsize\. Did you mean --batch-size\?/);
  });

  it('--help lists the flags and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--learning-rate X\s+Learning rate: step size of the optimiser.*\[default: 0\.001\]/);
    expect(r.stdout).toMatch(/Presets for a quick check \(not part of the report\):\n\s+quick\s+Quick check: /);
    expect(r.stdout).toMatch(/--preset NAME/);
  });

  it('an unusable --data-dir exits 1 naming what is missing', async () => {
    const r = await runCli(['--data-dir', tmp, '--epochs', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot load the dataset: .*is not an IDX dataset folder: missing train-images-idx3-ubyte\[\.gz\]/);
  });

  it('a flag that has no effect gets a one-line warning on stderr, not an error', async () => {
    // An unusable --data-dir ends the run right after the flags are read, so nothing trains.
    const r = await runCli(['--momentum', '0.5', '--data-dir', tmp]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('train: warning: Momentum (SGD) 0.5 has no effect: applies to SGD only; the optimiser is Adam.');
    expect(lines[1]).toMatch(/cannot load the dataset/);
  });

  it('trains one epoch on a 3,000-image subset and prints the epoch line, test accuracy, confusion matrix and confused pairs', async () => {
    // He initialisation on standardised inputs: the report's σ = 0.001 needs more than 60 iterations to leave chance level.
    const r = await runCli(['--preset', 'report', '--train-subset', '3000', '--batch-size', '50', '--epochs', '1', '--init', 'he', '--normalization', 'standardize']);
    expect(r.stderr).not.toMatch(/failed|Error/);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/LeNet-5 on mnist \(sha256 [0-9a-f]{12}…\): 3,000 training, 1,000 validation, 10,000 test images · backend wasm/);
    expect(out).toMatch(/preset report · Adam .*lr 0\.001.*batch 50, 1 epoch, sequential sampling/);
    const epoch = out.match(/^epoch 1\/1 {2}train acc ([\d.]+)% {2}val acc ([\d.]+)% {2}val loss ([\d.]+) {2}lr 1\.00e-3 {2}time [\d.]+s {2}[\d,]+ img\/s$/m);
    expect(epoch, out).not.toBeNull();
    const acc = Number(out.match(/^Test accuracy: ([\d.]+)% \(loss [\d.]+\) on 10,000 images · ([\d,]+) misclassified/m)![1]);
    expect(acc).toBeGreaterThan(75);
    expect(Number(epoch![2])).toBeGreaterThan(75);
    const matrix = out.split('Confusion matrix (rows: true label, columns: predicted):\n')[1].split('\n').slice(0, 11);
    expect(matrix[0]).toMatch(/^true\\pred/);
    // The matrix's counts sum to the test set.
    let sum = 0;
    for (const row of matrix.slice(1)) sum += Number(row.trim().split(/\s+/).at(-2));
    expect(sum).toBe(10_000);
    expect(out).toMatch(/Most confused pairs \(true → predicted\):\n {2}\d → \d {2}\s*\d+ images?\n/);
  });

  it('--data-dir trains on an imported gzipped IDX folder', async () => {
    // Real digits (slices of MNIST) written as a gzipped IDX folder.
    const m = loadMnist();
    const dir = join(tmp, 'digits-small');
    mkdirSync(dir);
    const write = (name: string, set: typeof m.train, n: number): void => {
      writeFileSync(join(dir, `${name}-images-idx3-ubyte.gz`), gzipSync(imageFile(n, { pixels: set.pixels.subarray(0, n * 784) })));
      writeFileSync(join(dir, `${name}-labels-idx1-ubyte.gz`), gzipSync(labelFile(set.labels.subarray(0, n))));
    };
    write('train', m.train, 600);
    write('t10k', m.test, 200);
    const r = await runCli(['--data-dir', dir, '--validation-size', '100', '--train-eval-size', '100', '--batch-size', '50', '--epochs', '1', '--init', 'he']);
    expect(r.stderr).not.toMatch(/failed|Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/LeNet-5 on digits-small \(sha256 [0-9a-f]{12}…\): 500 training, 100 validation, 200 test images/);
    expect(r.stdout).toMatch(/^Test accuracy: [\d.]+% \(loss [\d.]+\) on 200 images/m);
  });

  it('Ctrl-C stops after the current batch, still evaluates, and exits 130', async () => {
    let sent = false;
    const r = await runCli(['--epochs', '3', '--train-subset', '20000'], (text, child) => {
      if (!sent && text.includes('seed')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/stopping after the current batch/);
    expect(r.stdout).toMatch(/Stopped by Ctrl-C after 0 complete epochs \(iteration \d+\)/);
    expect(r.stdout).toMatch(/Test accuracy: [\d.]+%/);
  });
});
