import { describe, expect, it } from 'vitest';
import { openSandbox } from '../../src/main/engine/sandbox';
import { prepareStatements } from '../../src/main/engine/store';
import { LeaseLostError, RunnerLease } from '../../src/main/engine/runtime/lease';
import { T0 } from './engineHarness';

/** The lease module on its own, over a real SQLite sandbox: take, fence, renew, release, epochs. */
describe('runner lease', () => {
  const setup = () => {
    const sqlite = openSandbox();
    const statements = prepareStatements(sqlite);
    const lease = (runnerId: string, pid = 100, alive: (pid: number) => boolean = () => true) =>
      new RunnerLease(statements, { runnerId, leaseMs: 30_000, host: 'here', pid, isProcessAlive: alive });
    const row = () => JSON.parse(String(sqlite.prepare(`SELECT value FROM engine_state WHERE key = 'runner_lease'`).pluck().get())) as Record<string, unknown>;
    return { sqlite, lease, row };
  };

  it('is taken when free, kept by its holder, waited for by others until it lapses, then taken with a new epoch', () => {
    const { lease, row } = setup();
    const a = lease('a');
    const b = lease('b', 200);
    expect(a.take(T0)).toBeNull();
    expect(row()).toMatchObject({ runnerId: 'a', until: T0 + 30_000, epoch: 1 });
    expect(b.take(T0 + 1_000)).toMatchObject({ runnerId: 'a', epoch: 1 });
    expect(a.take(T0 + 2_000)).toBeNull();
    expect(row()).toMatchObject({ epoch: 1 });
    expect(b.take(T0 + 31_999)).toMatchObject({ runnerId: 'a' }); // renewed at T0 + 2 s
    expect(b.take(T0 + 32_001)).toBeNull();
    expect(row()).toMatchObject({ runnerId: 'b', epoch: 2 });
  });

  it('fences: the old holder finds its epoch gone and stops; the holder renews a third of the way through', () => {
    const { lease, row } = setup();
    const a = lease('a');
    const b = lease('b', 200);
    a.take(T0);
    a.fence(T0 + 5_000);
    expect(row()).toMatchObject({ until: T0 + 30_000 });
    a.fence(T0 + 10_000);
    expect(row()).toMatchObject({ until: T0 + 40_000 });
    b.take(T0 + 40_001);
    expect(() => a.fence(T0 + 40_002)).toThrow(LeaseLostError);
    expect(a.isHeld).toBe(false);
    expect(row()).toMatchObject({ runnerId: 'b' });
    // The same runner id coming back (a restarted thread) takes it back under a new epoch, fencing its old self.
    const again = lease('b', 200);
    expect(again.take(T0 + 40_003)).toBeNull();
    expect(row()).toMatchObject({ runnerId: 'b', epoch: 3 });
    expect(() => b.fence(T0 + 40_004)).toThrow(LeaseLostError);
  });

  it('takes over at once from a dead process of this host, never from a live one or another host', () => {
    const { lease, row, sqlite } = setup();
    const dead = lease('dead', 300);
    dead.take(T0);
    expect(lease('next', 400, (pid) => pid !== 300).take(T0 + 1)).toBeNull();
    expect(row()).toMatchObject({ runnerId: 'next', epoch: 2 });
    sqlite.prepare(`UPDATE engine_state SET value = json_set(value, '$.host', 'elsewhere', '$.pid', 300) WHERE key = 'runner_lease'`).run();
    expect(lease('third', 500, (pid) => pid !== 300).take(T0 + 2)).toMatchObject({ runnerId: 'next' });
  });

  it('is given back only by its holder', () => {
    const { lease, sqlite } = setup();
    const a = lease('a');
    const b = lease('b', 200);
    a.take(T0);
    b.release();
    expect(sqlite.prepare(`SELECT count(*) FROM engine_state WHERE key = 'runner_lease'`).pluck().get()).toBe(1);
    a.release();
    expect(sqlite.prepare(`SELECT count(*) FROM engine_state WHERE key = 'runner_lease'`).pluck().get()).toBe(0);
  });
});
