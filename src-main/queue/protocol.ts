// What travels through the queue between a coordinator (the app, `npm run serve` or
// `npm run train`, which owns the SQLite store) and the training agents.
//
//   job 'train' in BullMQ queue QUEUE   the run's payload (JobPayload): config, dataset identity,
//                                       the checkpoint to continue from
//   stream  lenet:job:<id>:events       the worker protocol's messages (../runs/protocol.ts),
//                                       appended by the agent in order, read by the coordinator
//                                       (from the start again after a coordinator restart)
//   key     lenet:job:<id>:stop         set by the coordinator: the agent stops with a checkpoint
//   key     lenet:job:<id>:checkpoint   the latest checkpoint the job's agent uploaded: an agent
//                                       that takes over the job after another died continues there
//   key     lenet:run:<scope>:<run>:job the run's job id (a restarted coordinator reattaches);
//                                       scope names the coordinator's database, since run ids
//                                       are only unique within one database
//   hash    lenet:dataset:<sha256>      an imported dataset's four IDX files, content-addressed
//
// Binary values (checkpoints, predictions) are encoded with src-shared/wire's JSON codec.

import { validateRunConfig, type RunConfig } from '../../src-shared/config';
import { BACKEND_CHOICES, type BackendChoice } from '../../src-shared/engine/select';
import { base64ToBytes, bytesToBase64 } from '../../src-shared/wire';
import { DATASET_ID_PATTERN } from '../../src-shared/limits';

export const QUEUE = 'lenet-runs';
export const JOB_NAME = 'train';

export const keys = {
  events: (jobId: string) => `lenet:job:${jobId}:events`,
  stop: (jobId: string) => `lenet:job:${jobId}:stop`,
  checkpoint: (jobId: string) => `lenet:job:${jobId}:checkpoint`,
  job: (scope: string, runId: number) => `lenet:run:${scope}:${runId}:job`,
  dataset: (hash: string) => `lenet:dataset:${hash}`,
};

export interface JobPayload {
  v: 1;
  runId: number;
  config: RunConfig;
  dataset: { id: string; hash: string; kind: 'mnist' | 'blob'; name: string };
  /** The checkpoint to continue from (base64 of its bytes), null for a fresh start. */
  checkpoint: string | null;
  progressIntervalMs: number;
  backend: BackendChoice;
}

export function encodeCheckpoint(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : bytesToBase64(bytes);
}

/** Validates a job's data as an agent receives it (it comes from the network): the payload, or a reason. */
export function parseJobPayload(data: unknown): { ok: true; payload: JobPayload; checkpoint: Uint8Array | null } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason: `Refused a job whose payload is not a valid run: ${reason}` });
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('not an object.');
  const d = data as Record<string, unknown>;
  if (d.v !== 1) return bad(`unknown payload version ${JSON.stringify(d.v)}.`);
  if (typeof d.runId !== 'number' || !Number.isInteger(d.runId) || d.runId < 1) return bad('runId must be a positive whole number.');
  const v = validateRunConfig(d.config);
  if (!v.ok) return bad(v.errors.map((e) => e.message).join(' '));
  const ds = d.dataset as Record<string, unknown> | null;
  if (typeof ds !== 'object' || ds === null) return bad('dataset is missing.');
  if (typeof ds.id !== 'string' || !DATASET_ID_PATTERN.test(ds.id)) return bad('dataset.id is not a dataset id.');
  if (typeof ds.hash !== 'string' || !/^[0-9a-f]{64}$/.test(ds.hash)) return bad('dataset.hash is not a SHA-256.');
  if (ds.kind !== 'mnist' && ds.kind !== 'blob') return bad('dataset.kind must be mnist or blob.');
  if (typeof ds.name !== 'string' || ds.name.length === 0 || ds.name.length > 200) return bad('dataset.name is missing.');
  if (v.value.dataset !== ds.id) return bad('the config names another dataset than the job.');
  let checkpoint: Uint8Array | null = null;
  if (d.checkpoint !== null) {
    if (typeof d.checkpoint !== 'string') return bad('checkpoint must be base64 text or null.');
    try {
      checkpoint = base64ToBytes(d.checkpoint);
    } catch {
      return bad('checkpoint is not base64.');
    }
  }
  if (typeof d.progressIntervalMs !== 'number' || !(d.progressIntervalMs >= 1 && d.progressIntervalMs <= 60_000)) return bad('progressIntervalMs must be 1..60000.');
  if (typeof d.backend !== 'string' || !(BACKEND_CHOICES as readonly string[]).includes(d.backend)) return bad(`backend must be one of ${BACKEND_CHOICES.join(', ')}.`);
  const payload: JobPayload = {
    v: 1,
    runId: d.runId,
    config: v.value,
    dataset: { id: ds.id, hash: ds.hash, kind: ds.kind, name: ds.name },
    checkpoint: d.checkpoint as string | null,
    progressIntervalMs: d.progressIntervalMs,
    backend: d.backend as BackendChoice,
  };
  return { ok: true, payload, checkpoint };
}
