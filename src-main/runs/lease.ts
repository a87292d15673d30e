// One writer per run (../../docs/architecture.md, "Where a run executes"): the supervisor claims a
// queued run under an owner id with a lease, renews the lease with the heartbeat, and every
// write of the run's data checks it in the same transaction (the store's RunWriter). A process
// that lost the lease stops its worker and writes nothing more, not even a status.
//
// Owner ids name the host and the process ("host/pid/nonce"), so a process on the same host can
// tell at once that an owner is gone (its pid no longer exists) instead of waiting for the lease
// to expire.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { errorText } from '../../src-shared/errors';
import { StoreError, type RunWriter } from '../store/index';

/** A fresh owner id for this process: host, pid and a random nonce (one per supervisor). */
export function newOwnerId(host = hostname(), pid = process.pid): string {
  return `${host}/${pid}/${randomBytes(6).toString('hex')}`;
}

/** The host and pid an owner id names, or null for an id this module did not make. */
export function ownerProcess(owner: string): { host: string; pid: number } | null {
  const m = /^(.*)\/(\d{1,10})\/[0-9a-f]+$/.exec(owner);
  return m ? { host: m[1], pid: Number(m[2]) } : null;
}

/** Whether a process with this pid exists on this machine (signal 0 probes without sending). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether an owner is certainly gone: it ran on this host and its process no longer exists.
 * Owners on other hosts, or of an unknown form, are never "certainly gone": their lease decides.
 */
export function isOwnerGone(owner: string, here = hostname(), exists: (pid: number) => boolean = processExists): boolean {
  const p = ownerProcess(owner);
  if (!p || p.host !== here) return false;
  return !exists(p.pid);
}

export interface LeaseTiming {
  /** How long a claim or a renewal holds (the stale-after time). */
  leaseMs: number;
  /** How often it is renewed (the heartbeat), at most half of leaseMs. */
  renewMs: number;
}

export function checkLeaseTiming(t: LeaseTiming): void {
  if (!(t.renewMs > 0 && t.renewMs * 2 <= t.leaseMs)) {
    throw new Error(`heartbeatMs (${t.renewMs}) must be positive and at most half of staleAfterMs (${t.leaseMs}), or live runs would look abandoned.`);
  }
}

/**
 * Keeps a claimed run's lease alive while it trains: renews it every renewMs. When the store
 * says the lease is lost, calls onLost once and stops; any other renewal failure (a busy or
 * full database) is reported through onError and retried at the next tick, since the lease
 * itself may still hold.
 */
export class LeaseKeeper {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lost = false;

  constructor(
    private readonly writer: RunWriter,
    private readonly timing: LeaseTiming,
    private readonly onLost: (reason: string) => void,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    if (this.timer || this.lost) return;
    this.timer = setInterval(() => this.renew(), this.timing.renewMs);
  }

  /** Renews now; false once the lease is lost. */
  renew(): boolean {
    if (this.lost) return false;
    try {
      this.writer.renew(this.timing.leaseMs);
      return true;
    } catch (e) {
      if (e instanceof StoreError && e.code === 'lease') {
        this.lost = true;
        this.stop();
        this.onLost(e.message);
        return false;
      }
      this.onError(errorText(e));
      return true;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
