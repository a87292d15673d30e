// What the benchmarks share: the machine record, CPU time of this process, number formatting.

import { cpus, loadavg } from 'node:os';

/** The machine a benchmark ran on (the `machine` record). */
export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  load1: number;
}

/** Milliseconds of CPU time this process has used (all its threads; the work here is on one). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function machineInfo(): Machine {
  return { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, node: process.version, load1: Number(loadavg()[0].toFixed(2)) };
}

/** A number with a fixed count of decimals, as the records print it. */
export const fmt = (v: number, digits: number): string => v.toFixed(digits);

/** One timed training epoch, as both the step bench (`epoch`) and the thread bench (`thread_epoch`) record it. */
export interface EpochRecord {
  images: number;
  batch: number;
  trainS: number;
  evalS: number;
  imagesPerS: number;
  /** CPU time of the process (all threads) during the epoch, evaluation included. */
  cpuS: number;
  loss: number;
  valAcc: number;
}
