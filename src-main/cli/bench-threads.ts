// `npm run bench -- --threads 1,2,…`: whole epochs of a preset (default: the report's) on the
// data-parallel backend (src-main/runs/pool.ts), once per thread count from the same seed: images/s
// per count, the speed-up over the first, and whether every count trained the same bits. Output
// records `thread_epoch` and `thread_run` (bench.ts's header describes the format).

import { createTrainer } from '../../src-shared/engine';
import { architectureOf } from '../../src-shared/engine/arch';
import { FLT_MIN } from '../../src-shared/engine/ftz';
import { presetConfig, type RunConfig } from '../../src-shared/config';
import { loadMnist } from '../data/mnist';
import { createThreadedBackend } from '../runs/pool';
import { cpuMs, fmt, machineInfo, type EpochRecord, type Machine } from './bench-common';
import type { BenchOptions } from './bench-args';

export interface ThreadEpoch extends EpochRecord {
  threads: number;
  epoch: number;
  /** Parameters that are exactly 0, and subnormal ones (flush-to-zero keeps the latter at 0). */
  zeroParams: number;
  subnormalParams: number;
}

export interface ThreadRun {
  threads: number;
  preset: string;
  epochs: number;
  /** Training images over training time, all epochs. */
  imagesPerS: number;
  wallS: number;
  cpuS: number;
  /** imagesPerS over the first thread count's. */
  speedup: number;
  /** The final parameters equal the first thread count's, bit for bit. */
  identical: boolean;
  rssMb: number;
  peakRssMb: number;
}

export interface ThreadBenchReport {
  machine: Machine;
  config: RunConfig;
  epochs: ThreadEpoch[];
  runs: ThreadRun[];
}

/**
 * Trains `epochs` epochs of the configuration once per thread count on the data-parallel backend
 * (src-main/runs/pool.ts), in order, each from the same seed.
 */
export async function runThreadBench(o: BenchOptions, log: (line: string) => void = () => {}): Promise<ThreadBenchReport> {
  const counts = o.threads ?? [1];
  const preset = o.preset ?? 'report';
  const config: RunConfig = { ...presetConfig(preset), ...o.set, epochs: o.trainEpochs ?? 1 };
  const dataset = loadMnist();
  const report: ThreadBenchReport = { machine: machineInfo(), config, epochs: [], runs: [] };
  let first: Float32Array | null = null;
  for (const threads of counts) {
    log(`training ${config.epochs} epoch(s) of ${preset} on ${threads} thread(s)…`);
    const backend = await createThreadedBackend(Math.max(config.batchSize, 200), threads, { architecture: architectureOf(config) });
    try {
      const trainer = createTrainer(config, dataset.train, backend);
      const c0 = cpuMs(), t0 = performance.now();
      let images = 0, trainS = 0, epochCpu0 = c0;
      while (!trainer.done) {
        const info = trainer.step();
        const m = info.epochEnd;
        if (!m) continue;
        const epochImages = config.sampling === 'bootstrap' ? trainer.itersPerEpoch * config.batchSize : trainer.split.nTrain;
        const epochTrainS = epochImages / m.imagesPerSecond;
        images += epochImages;
        trainS += epochTrainS;
        let zero = 0, sub = 0;
        for (const v of trainer.params) {
          if (v === 0) zero++;
          else if (Math.abs(v) < FLT_MIN) sub++;
        }
        const cpuNow = cpuMs();
        const e: ThreadEpoch = {
          threads, epoch: m.epoch, images: epochImages, batch: config.batchSize, trainS: epochTrainS, evalS: m.durationMs / 1000 - epochTrainS,
          imagesPerS: m.imagesPerSecond, cpuS: (cpuNow - epochCpu0) / 1000, loss: m.meanIterationLoss, valAcc: m.valAccuracy, zeroParams: zero, subnormalParams: sub,
        };
        epochCpu0 = cpuNow;
        report.epochs.push(e);
        log(formatThreadEpoch(e));
      }
      const wallS = (performance.now() - t0) / 1000, cpuS = (cpuMs() - c0) / 1000;
      const imagesPerS = images / trainS;
      const identical = first === null || trainer.params.every((v, i) => Object.is(v, first![i]));
      if (first === null) first = trainer.params.slice();
      const usage = process.resourceUsage();
      report.runs.push({
        threads, preset, epochs: config.epochs, imagesPerS, wallS, cpuS, speedup: report.runs.length ? imagesPerS / report.runs[0].imagesPerS : 1,
        identical, rssMb: process.memoryUsage().rss / 2 ** 20, peakRssMb: usage.maxRSS / 1024,
      });
    } finally {
      await backend.dispose();
    }
  }
  return report;
}

function formatThreadEpoch(e: ThreadEpoch): string {
  return `thread_epoch threads=${e.threads} epoch=${e.epoch} images=${e.images} batch=${e.batch} train_s=${fmt(e.trainS, 2)} eval_s=${fmt(e.evalS, 2)} images_per_s=${fmt(e.imagesPerS, 0)} cpu_s=${fmt(e.cpuS, 2)} loss=${fmt(e.loss, 6)} val_acc=${fmt(e.valAcc, 4)} zero_params=${e.zeroParams} subnormal_params=${e.subnormalParams}`;
}

/** The line-oriented output of --threads (format 1). */
export function formatThreadBench(r: ThreadBenchReport): string[] {
  const lines = [
    'bench format=1',
    `machine cpu=${JSON.stringify(r.machine.cpu)} cores=${r.machine.cores} node=${r.machine.node} load1=${r.machine.load1}`,
    ...r.epochs.map(formatThreadEpoch),
  ];
  for (const t of r.runs) {
    lines.push(`thread_run threads=${t.threads} preset=${t.preset} epochs=${t.epochs} images_per_s=${fmt(t.imagesPerS, 0)} wall_s=${fmt(t.wallS, 2)} cpu_s=${fmt(t.cpuS, 2)} speedup=${fmt(t.speedup, 2)} identical=${t.identical ? 'yes' : 'no'} rss_mb=${fmt(t.rssMb, 0)} peak_rss_mb=${fmt(t.peakRssMb, 0)}`);
  }
  return lines;
}
