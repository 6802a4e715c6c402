import type { Statements } from '../store';

/**
 * The runner lease: one row in engine_state naming the runtime allowed to tick this database,
 * until when, and under which epoch. Every write transaction of a tick checks, inside the
 * transaction, that the row still names this runner and epoch (the fence): a runner frozen for
 * longer than the lease (a closed laptop lid, SIGSTOP) that wakes up after a successor took
 * over finds its epoch gone and stops before writing anything, instead of running beside it.
 */

/** How long a runner's lease lasts without renewal: a runner that died is taken over after this. */
export const RUNNER_LEASE_MS = 30_000;
const LEASE_KEY = 'runner_lease';

export interface LeaseHolder {
  runnerId: string;
  until: number;
  /** Grows by one each time the lease changes hands (or a runner comes back under the same id). */
  epoch: number;
  /** Where the holder runs: a holder on this host whose process is gone is provably dead. */
  host: string | null;
  pid: number | null;
}

/** This runtime no longer holds the lease: its transaction was rolled back and its tick stops. */
export class LeaseLostError extends Error {
  readonly code = 'LEASE_LOST';
  constructor(
    readonly runnerId: string,
    readonly holder: LeaseHolder | null,
  ) {
    super(
      holder
        ? `runner ${runnerId} lost the database lease to ${holder.runnerId} (epoch ${holder.epoch}); it stopped without writing`
        : `runner ${runnerId} lost the database lease (released elsewhere); it stopped without writing`,
    );
    this.name = 'LeaseLostError';
  }
}

export interface LeaseIdentity {
  runnerId: string;
  host: string;
  pid: number;
  /** Whether a process of this host is still running (process.kill(pid, 0) in production). */
  isProcessAlive: (pid: number) => boolean;
}

export class RunnerLease {
  /** The epoch this runtime holds, or null when it holds none. */
  private epoch: number | null = null;
  private renewAt = 0;

  constructor(
    private readonly statements: Statements,
    private readonly identity: LeaseIdentity,
  ) {}

  get runnerId(): string {
    return this.identity.runnerId;
  }

  get isHeld(): boolean {
    return this.epoch !== null;
  }

  /** Who holds the lease now, if anyone. */
  holder(): LeaseHolder | null {
    const raw = this.statements.getState.get(LEASE_KEY) as string | undefined;
    return raw === undefined ? null : parseLease(raw);
  }

  /**
   * Inside a write transaction: take the lease when it is free, lapsed, ours, or held by a
   * process of this host that is gone (a crashed runner need not be waited out). Returns the
   * holder that keeps it, or null when it is now ours.
   */
  take(now: number): LeaseHolder | null {
    const lease = this.holder();
    if (lease && lease.runnerId !== this.identity.runnerId && lease.until > now && !this.isProvablyDead(lease)) {
      this.epoch = null;
      return lease;
    }
    const keepsEpoch = lease !== null && lease.runnerId === this.identity.runnerId && lease.epoch === this.epoch;
    this.write(keepsEpoch ? (this.epoch as number) : (lease?.epoch ?? 0) + 1, now);
    return null;
  }

  /**
   * Inside each write transaction of a tick: throws LeaseLostError unless the lease still names
   * this runner and epoch, and renews it when a third of it has passed (a long tick keeps it).
   */
  fence(now: number): void {
    const lease = this.holder();
    if (this.epoch === null || !lease || lease.runnerId !== this.identity.runnerId || lease.epoch !== this.epoch) {
      this.epoch = null;
      throw new LeaseLostError(this.identity.runnerId, lease);
    }
    if (now >= this.renewAt) this.write(this.epoch, now);
  }

  /** A read, no write: throws LeaseLostError unless the lease still names this runner and epoch. */
  confirm(): void {
    const lease = this.holder();
    if (this.epoch === null || !lease || lease.runnerId !== this.identity.runnerId || lease.epoch !== this.epoch) {
      this.epoch = null;
      throw new LeaseLostError(this.identity.runnerId, lease);
    }
  }

  /** Give the lease back (a stopping scheduler), so another runner need not wait for it to lapse. */
  release(): void {
    const lease = this.holder();
    if (lease && lease.runnerId === this.identity.runnerId && lease.epoch === this.epoch) this.statements.deleteState.run(LEASE_KEY);
    this.epoch = null;
  }

  private write(epoch: number, now: number): void {
    const lease: LeaseHolder = { runnerId: this.identity.runnerId, until: now + RUNNER_LEASE_MS, epoch, host: this.identity.host, pid: this.identity.pid };
    this.statements.setState.run(LEASE_KEY, JSON.stringify(lease));
    this.epoch = epoch;
    this.renewAt = now + RUNNER_LEASE_MS / 3;
  }

  private isProvablyDead(lease: LeaseHolder): boolean {
    if (lease.host !== this.identity.host || lease.pid === null) return false;
    // Our own process is alive by definition (another thread of it may hold the lease).
    if (lease.pid === this.identity.pid) return false;
    return !this.identity.isProcessAlive(lease.pid);
  }
}

function parseLease(raw: string): LeaseHolder | null {
  try {
    const value = JSON.parse(raw) as Partial<Record<keyof LeaseHolder, unknown>>;
    if (typeof value.runnerId !== 'string' || typeof value.until !== 'number') return null;
    return {
      runnerId: value.runnerId,
      until: value.until,
      // Leases written before epochs existed count as epoch 0.
      epoch: typeof value.epoch === 'number' ? value.epoch : 0,
      host: typeof value.host === 'string' ? value.host : null,
      pid: typeof value.pid === 'number' ? value.pid : null,
    };
  } catch {
    return null;
  }
}

/** process.kill(pid, 0) sends nothing: it only asks whether the process exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
