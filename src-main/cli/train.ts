// The terminal trainer: `npm run train -- [--preset NAME] [--flag VALUE ...]` (see --help).
// Loads MNIST (or an IDX folder), trains LeNet-5 with a progress bar on stderr and a line per
// epoch on stdout, then prints the test accuracy, the confusion matrix and the most confused
// pairs. Ctrl-C stops after the current batch and still evaluates; a second Ctrl-C quits.
// Exit codes: 0 done, 1 failure, 2 bad flags, 130 stopped.

import { pathToFileURL } from 'node:url';
import { createReferenceBackend, createTrainer, type Backend, type Dataset, type SolverTrainer } from '../../src-shared/engine';
import { createWasmBackend } from '../../src-shared/engine/wasm/backend';
import { loadIdxFolder, loadMnist } from '../data/mnist';
import { helpText, parseTrainArgs, type BackendChoice, type TrainOptions } from './args';
import { confusedPairs, formatConfusedPairs, formatConfusion, formatCount, formatDuration, formatLoss, formatPercent } from './format';
import { runTrainingLoop, type LoopResult } from './loop';
import { ProgressReporter, type TextSink } from './progress';

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_STOPPED = 130;

/** Largest batch the backend must take: the training batch, and evaluation in chunks of at least 200. */
function backendBatch(batchSize: number): number {
  return Math.max(batchSize, 200);
}

function makeBackend(choice: BackendChoice, maxBatch: number): Backend {
  return choice === 'wasm' ? createWasmBackend(maxBatch) : createReferenceBackend(maxBatch);
}

function describeConfig(o: TrainOptions): string {
  const c = o.config;
  const opt = c.optimizer === 'adam' ? `Adam (β1 ${c.beta1}, β2 ${c.beta2})` : `SGD${c.momentum > 0 ? ` (momentum ${c.momentum})` : ''}`;
  const decay = c.decayFactor === 1 ? 'no decay' : `lr ×${c.decayFactor} per epoch after epoch ${c.decayStart}`;
  return [
    o.preset ? `preset ${o.preset}` : 'no preset',
    `${opt}, lr ${c.learningRate}, ${decay}`,
    `batch ${c.batchSize}, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, ${c.sampling} sampling`,
    `init ${c.init}${c.init === 'normal' ? ` (σ ${c.initStd})` : ''}, ${c.normalization}, seed ${c.seed}`,
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
  const explicitBackend = argv.some((a) => a === '--backend' || a.startsWith('--backend='));

  let dataset: Dataset;
  try {
    dataset = options.dataDir ? loadIdxFolder(options.dataDir, cfg.dataset) : loadMnist();
  } catch (e) {
    io.stderr.write(`train: cannot load the dataset: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }

  let backend: Backend;
  try {
    backend = makeBackend(options.backend, backendBatch(cfg.batchSize));
  } catch (e) {
    if (explicitBackend || options.backend === 'reference') {
      io.stderr.write(`train: cannot create the ${options.backend} backend: ${(e as Error).message}\n`);
      return EXIT_FAILURE;
    }
    io.stderr.write(`train: the wasm backend is unavailable (${(e as Error).message}); using the slower reference backend.\n`);
    backend = createReferenceBackend(backendBatch(cfg.batchSize));
    options.backend = 'reference';
  }

  let trainer: SolverTrainer;
  try {
    trainer = createTrainer(cfg, dataset.train, backend);
  } catch (e) {
    // The config does not fit this dataset (e.g. trainSubset larger than the training images).
    io.stderr.write(`train: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const used = trainer.split.nTrain;
  io.stdout.write(
    `LeNet-5 on ${dataset.name} (sha256 ${dataset.hash.slice(0, 12)}…): ${formatCount(used)} training, ` +
      `${formatCount(cfg.validationSize)} validation, ${formatCount(dataset.test.count)} test images · backend ${backend.name}\n` +
      `${describeConfig(options)}\n`,
  );

  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) {
      io.stderr.write('\ntrain: stopped at once.\n');
      process.exit(EXIT_STOPPED);
    }
    stopRequested = true;
    io.stderr.write('\ntrain: stopping after the current batch, then evaluating on the test set (Ctrl-C again to quit now).\n');
  };
  process.on('SIGINT', onSigint);

  const progress = new ProgressReporter({ epochs: cfg.epochs, batchSize: cfg.batchSize, err: io.stderr, out: io.stdout });
  let result: LoopResult;
  try {
    result = await runTrainingLoop(
      trainer,
      { onIteration: (i) => progress.iteration(i), onEpoch: (m) => progress.epoch(m) },
      { shouldStop: () => stopRequested, testSet: dataset.test },
    );
  } catch (e) {
    progress.clear();
    io.stderr.write(`train: training failed: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSigint);
  }
  progress.clear();
  const total = formatDuration(progress.elapsedMs());

  if (result.status === 'diverged') {
    const d = result.divergedAt!;
    io.stderr.write(`train: diverged at epoch ${d.epoch}, iteration ${d.iteration} (loss ${d.loss}); try a smaller --learning-rate.\n`);
    return EXIT_FAILURE;
  }
  if (result.status === 'stopped') {
    io.stdout.write(`Stopped by Ctrl-C after ${result.epoch} complete epoch${result.epoch === 1 ? '' : 's'} (iteration ${result.iteration}).\n`);
  }
  const t = result.test!;
  let correct = 0;
  for (let k = 0; k < 10; k++) correct += t.confusion[k * 11];
  io.stdout.write(
    `\nTest accuracy: ${formatPercent(t.accuracy)} (loss ${formatLoss(t.loss)}) on ${formatCount(t.count)} images · ${formatCount(t.count - correct)} misclassified · total time ${total}\n\n` +
      'Confusion matrix (rows: true label, columns: predicted):\n' +
      formatConfusion(t.confusion) +
      '\n\nMost confused pairs (true → predicted):\n' +
      formatConfusedPairs(confusedPairs(t.confusion, 5)) +
      '\n',
  );
  return result.status === 'stopped' ? EXIT_STOPPED : EXIT_OK;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`train: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
