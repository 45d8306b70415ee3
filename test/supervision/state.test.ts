/** The supervisor state machine, alone: unit cases and a model-based fast-check run. */
import t from 'tap';
import fc from 'fast-check';
import { SupervisorState, type SupervisorCommand } from '../../reference/supervision/state.ts';
import { assertProperty } from '../framing/fc-config.ts';

/** A tiny world around the state machine: performs spawns at once, tracks live pids. */
class World {
  readonly s: SupervisorState;
  readonly alive = new Set<number>();
  nextPid = 100;
  now = 0;
  finished = false;
  readonly log: SupervisorCommand[] = [];
  readonly pendingKills: { pid: number; signal: string }[] = [];

  constructor(n: number, maxWaitMs = 1000) {
    this.s = new SupervisorState({ workerNum: n, maxWaitMs });
    this.run(this.s.apply({ t: 'start', now: 0 }));
  }

  run(cmds: SupervisorCommand[]): void {
    for (const c of cmds) {
      this.log.push(c);
      if (c.t === 'spawn') {
        const pid = this.nextPid++;
        this.alive.add(pid);
        this.run(this.s.apply({ t: 'spawned', slot: c.slot, pid }));
      } else if (c.t === 'kill') this.pendingKills.push({ pid: c.pid, signal: c.signal });
      else if (c.t === 'finished') this.finished = true;
    }
  }

  exit(pid: number): void {
    if (!this.alive.delete(pid)) return;
    this.now += 5;
    this.run(this.s.apply({ t: 'exited', pid, now: this.now }));
  }

  /** Every pending SIGTERM/SIGKILL takes effect. */
  deliverKills(): void {
    while (this.pendingKills.length) this.exit(this.pendingKills.shift()!.pid);
  }
}

t.test('clause:pool.workers.ids clause:pool.workers.respawn-same-slot start spawns every slot; an exit respawns the same slot', async (t) => {
  const w = new World(3);
  t.same(w.s.slots, [100, 101, 102]);
  w.exit(101);
  t.same(w.s.slots, [100, 103, 102]);
});

t.test('clause:pool.signals.reload reload: one at a time, in id order, replacement before the next SIGTERM', async (t) => {
  const w = new World(3);
  w.run(w.s.apply({ t: 'reload' }));
  t.same(w.pendingKills, [{ pid: 100, signal: 'SIGTERM' }]);
  t.same(w.s.apply({ t: 'reload' }), [], 'a reload during a reload is ignored');
  w.log.length = 0;
  w.deliverKills();
  const kinds = w.log.map((c) => (c.t === 'spawn' ? `spawn ${c.slot}` : c.t === 'kill' ? `kill ${c.pid}` : c.t));
  t.same(kinds, ['spawn 0', 'kill 101', 'spawn 1', 'kill 102', 'spawn 2']);
  t.notOk(w.s.reloading);
});

t.test('clause:pool.lifecycle.shutdown-order clause:pool.lifecycle.max-wait-time shutdown: SIGTERM to all at once, SIGKILL timer, finished when all reaped', async (t) => {
  const w = new World(2, 3000);
  const cmds = w.s.apply({ t: 'shutdown' });
  t.same(cmds, [{ t: 'kill', pid: 100, signal: 'SIGTERM' }, { t: 'kill', pid: 101, signal: 'SIGTERM' }, { t: 'arm', kind: 'shutdown-kill', ms: 3000 }]);
  t.same(w.s.apply({ t: 'timer', kind: 'shutdown-kill' }), [{ t: 'kill', pid: 100, signal: 'SIGKILL' }, { t: 'kill', pid: 101, signal: 'SIGKILL' }]);
  w.exit(100);
  t.notOk(w.finished);
  w.exit(101);
  t.ok(w.finished);
  t.same(new World(1, 0).s.apply({ t: 'shutdown' }), [{ t: 'kill', pid: 100, signal: 'SIGTERM' }], 'max_wait_time 0: no SIGKILL timer');
});

t.test('clause:pool.lifecycle.detach detach: a replacement for the slot, no respawn for the old pid', async (t) => {
  const w = new World(2);
  w.run(w.s.apply({ t: 'detach', pid: 100 }));
  t.same(w.s.slots, [102, 101]);
  w.log.length = 0;
  w.exit(100);
  t.same(w.log, []);
});

/**
 * One slot whose worker exits `n` times, `everyMs` apart (announcing each exit first when
 * `announced`); returns the respawn delay the supervisor chose each time (-1: no respawn) and the supervisor.
 */
function crashLoop(n: number, everyMs: number, announced: boolean): { delays: number[]; s: SupervisorState } {
  const s = new SupervisorState({ workerNum: 1, maxWaitMs: 0 });
  s.apply({ t: 'start', now: 0 });
  let pid = 1;
  s.apply({ t: 'spawned', slot: 0, pid });
  const delays: number[] = [];
  for (let i = 0; i < n; i++) {
    const now = i * everyMs;
    const [c] = s.apply({ t: announced ? 'exiting' : 'exited', pid, now });
    if (announced) s.apply({ t: 'exited', pid, now });
    delays.push(c && c.t === 'spawn' ? c.delayMs : -1);
    s.apply({ t: 'spawned', slot: 0, pid: ++pid });
  }
  return { delays, s };
}

t.test('clause:pool.workers.crash-backoff a crash loop backs off, bounded', async (t) => {
  const { delays } = crashLoop(20, 1, false);
  t.same(delays.slice(0, 8), [0, 0, 0, 0, 0, 0, 0, 0], 'the first exits respawn at once, like Swoole');
  t.ok(delays.slice(8).every((d) => d > 0 && d <= 1000), 'then a bounded backoff');
});

t.test('clause:pool.workers.respawn-same-slot an announced exit refills the slot at once; the old pid is still reaped, never respawned twice', async (t) => {
  const w = new World(2);
  w.log.length = 0;
  w.run(w.s.apply({ t: 'exiting', pid: 101, now: 1 }));
  t.same(w.s.slots, [100, 102], 'the replacement is in the slot before the old process is gone');
  t.ok(w.s.livePids().includes(101), 'the old pid is still waited for');
  t.same(w.s.apply({ t: 'exiting', pid: 101, now: 2 }), [], 'a second announcement does nothing');
  w.log.length = 0;
  w.exit(101);
  t.same(w.log, [], 'its real exit spawns nothing');
  t.notOk(w.s.livePids().includes(101));
  // Shutdown waits for an announced pid too.
  w.run(w.s.apply({ t: 'exiting', pid: 100, now: 3 }));
  w.run(w.s.apply({ t: 'shutdown' }));
  for (const p of [102, 103]) w.exit(p);
  t.notOk(w.finished, 'not finished while the announced pid is alive');
  w.exit(100);
  t.ok(w.finished);
});

t.test('clause:pool.signals.reload an announced exit refills the slot at once; the reload moves on at the reap', async (t) => {
  const w = new World(2);
  w.run(w.s.apply({ t: 'reload' }));
  w.pendingKills.length = 0;
  w.run(w.s.apply({ t: 'exiting', pid: 100, now: 1 }));
  t.same(w.s.slots, [102, 101], 'replacement spawned on the announcement');
  t.same(w.pendingKills, [], 'the next worker is not signalled while the old process still exists');
  w.run(w.s.apply({ t: 'exited', pid: 100, now: 2 }));
  t.same(w.pendingKills, [{ pid: 101, signal: 'SIGTERM' }], 'signalled once the old one is reaped');
  t.same(w.s.slots, [102, 101], 'no second respawn for the reaped pid');
});

t.test('clause:pool.workers.crash-backoff a crash loop paced by slow boots (an exit every 400 ms) backs off too', async (t) => {
  const { delays } = crashLoop(12, 400, false);
  t.same(delays.slice(0, 8), [0, 0, 0, 0, 0, 0, 0, 0]);
  t.ok(delays.slice(8).every((d) => d > 0 && d <= 1000), `then delays: ${delays.slice(8).join(', ')}`);
});

t.test('clause:pool.workers.crash-backoff a crash loop of announced exits backs off too', async (t) => {
  const { delays, s } = crashLoop(20, 1, true);
  t.same(delays.slice(0, 8), [0, 0, 0, 0, 0, 0, 0, 0]);
  t.ok(delays.slice(8).every((d) => d > 0 && d <= 1000));
  t.equal(s.livePids().length, 1, 'only the current worker is still tracked');
});

t.test('clause:pool.workers.standby-handoff handoffAllowed: only while running without a reload, and only while the slot would respawn at once', async (t) => {
  const s = new SupervisorState({ workerNum: 2, maxWaitMs: 0 });
  t.notOk(s.handoffAllowed(0, 0), 'not before start');
  s.apply({ t: 'start', now: 0 });
  t.notOk(s.handoffAllowed(0, 0), 'not for an empty slot');
  s.apply({ t: 'spawned', slot: 0, pid: 10 });
  s.apply({ t: 'spawned', slot: 1, pid: 11 });
  t.ok(s.handoffAllowed(0, 0));
  s.apply({ t: 'reload' });
  t.notOk(s.handoffAllowed(0, 0), 'not during a reload');
  t.notOk(s.handoffAllowed(1, 0), 'not for a slot the reload has not reached yet');
  const w = new World(1);
  w.run(w.s.apply({ t: 'shutdown' }));
  t.notOk(w.s.handoffAllowed(0, 0), 'not during shutdown');
  // A crash loop: before each exit, allowed exactly when that exit's respawn has no delay.
  const c = new SupervisorState({ workerNum: 1, maxWaitMs: 0 });
  c.apply({ t: 'start', now: 0 });
  let pid = 1;
  c.apply({ t: 'spawned', slot: 0, pid });
  const seen: [boolean, number][] = [];
  for (let i = 0; i < 12; i++) {
    const allowed = c.handoffAllowed(0, i);
    const [cmd] = c.apply({ t: 'exiting', pid, now: i });
    seen.push([allowed, cmd && cmd.t === 'spawn' ? cmd.delayMs : -1]);
    c.apply({ t: 'exited', pid, now: i });
    c.apply({ t: 'spawned', slot: 0, pid: ++pid });
  }
  t.ok(seen.every(([a, d]) => a === (d === 0)), `allowed ⇔ no delay: ${JSON.stringify(seen)}`);
  t.same(seen.map(([a]) => a).slice(7, 9), [true, false], 'the 9th rapid exit is not handed off');
  t.ok(c.handoffAllowed(0, 20_000), 'allowed again once the exits age out of the window');
});

t.test('model: any sequence of crashes, reloads, detaches and shutdown keeps the invariants', async (t) => {
  type Op = { t: 'crash'; slot: number } | { t: 'announce'; slot: number } | { t: 'reap' } | { t: 'reload' } | { t: 'detach'; slot: number } | { t: 'deliver' } | { t: 'shutdown' };
  const op = fc.oneof(
    fc.record({ t: fc.constant('crash' as const), slot: fc.nat({ max: 3 }) }),
    fc.record({ t: fc.constant('announce' as const), slot: fc.nat({ max: 3 }) }),
    fc.constant({ t: 'reap' } as const),
    fc.constant({ t: 'reload' } as const),
    fc.record({ t: fc.constant('detach' as const), slot: fc.nat({ max: 3 }) }),
    fc.constant({ t: 'deliver' } as const),
    fc.constant({ t: 'shutdown' } as const),
  );
  assertProperty(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 30 }), (n, ops: Op[]) => {
      const w = new World(n);
      const detached = new Set<number>();
      const dying = new Set<number>();
      for (const o of ops) {
        if (o.t === 'crash') {
          const pid = w.s.slots[o.slot % n];
          if (pid) w.exit(pid);
        } else if (o.t === 'announce') {
          // The worker says it is exiting; its process lingers until a 'reap'.
          const pid = w.s.slots[o.slot % n];
          if (pid) {
            dying.add(pid);
            w.now += 5;
            const allowed = w.s.handoffAllowed(o.slot % n, w.now);
            const cmds = w.s.apply({ t: 'exiting', pid, now: w.now });
            // clause:pool.workers.standby-handoff a hand-off is allowed only where the supervisor respawns at once anyway.
            if (allowed) t.ok(cmds.some((c) => c.t === 'spawn' && c.slot === o.slot % n && c.delayMs === 0), 'allowed hand-off: immediate respawn');
            w.run(cmds);
          }
        } else if (o.t === 'reap') {
          for (const p of dying) w.exit(p);
          dying.clear();
        } else if (o.t === 'detach') {
          const pid = w.s.slots[o.slot % n];
          if (pid) {
            detached.add(pid);
            w.run(w.s.apply({ t: 'detach', pid }));
          }
        } else if (o.t === 'reload') w.run(w.s.apply({ t: 'reload' }));
        else if (o.t === 'deliver') w.deliverKills();
        else w.run(w.s.apply({ t: 'shutdown' }));
        if (w.s.phase === 'running') {
          // N live workers with distinct ids; every pid the supervisor tracks is alive.
          t.equal(w.s.slots.filter((p) => p !== null).length, n);
          t.equal(new Set(w.s.slots).size, n);
          for (const p of w.s.livePids()) t.ok(w.alive.has(p));
          for (const p of w.alive) t.ok(w.s.livePids().includes(p), `no forgotten pid ${p}`);
          for (const p of dying) if (w.alive.has(p)) t.notOk(w.s.slots.includes(p), `announced pid ${p} holds no slot`);
        }
      }
      // Shutdown always terminates once the kills land, with every child reaped.
      w.run(w.s.apply({ t: 'shutdown' }));
      w.deliverKills();
      for (const p of [...w.alive]) w.exit(p);
      t.ok(w.finished);
      t.equal(w.alive.size, 0);
      return true;
    }),
  );
});

t.test('clause:server-tasks.process.shutdown clause:server-tasks.reload.task-only late slots (user processes): SIGTERM once the others are gone; reload of chosen slots only', async (t) => {
  const s = new SupervisorState({ workerNum: 4, maxWaitMs: 1000, lateSlotsFrom: 3, parallelReload: true });
  const pids = [11, 12, 13, 14];
  s.apply({ t: 'start', now: 0 });
  pids.forEach((pid, slot) => s.apply({ t: 'spawned', slot, pid }));
  const kills = (cmds: SupervisorCommand[]): string[] => cmds.filter((c) => c.t === 'kill').map((c) => `${(c as { pid: number }).pid}:${(c as { signal: string }).signal}`);
  // Reload of slots 1 and 2 only (the task workers): slot 3 (a user process) is left alone.
  t.same(kills(s.apply({ t: 'reload', slots: [1, 2], parallel: false })), ['12:SIGTERM'], 'reload of chosen slots, one at a time (parallel: false overrides)');
  t.same(kills(s.apply({ t: 'exited', pid: 12, now: 1 })), ['13:SIGTERM'], 'the next one once the first is reaped; slot 3 never');
  s.apply({ t: 'spawned', slot: 1, pid: 22 });
  s.apply({ t: 'exited', pid: 13, now: 1 });
  s.apply({ t: 'spawned', slot: 2, pid: 23 });
  t.equal(s.reloading, false, 'the reload is over');
  const down = s.apply({ t: 'shutdown' });
  t.same(kills(down), ['11:SIGTERM', '22:SIGTERM', '23:SIGTERM'], 'shutdown: the late slot is not signalled yet');
  t.same(kills(s.apply({ t: 'timer', kind: 'shutdown-kill' })), ['11:SIGKILL', '22:SIGKILL', '23:SIGKILL'], 'the SIGKILL timer spares the late slot that got no SIGTERM');
  s.apply({ t: 'exited', pid: 11, now: 2 });
  s.apply({ t: 'exited', pid: 22, now: 2 });
  const last = s.apply({ t: 'exited', pid: 23, now: 2 });
  t.same(kills(last), ['14:SIGTERM'], 'once the others are gone the late slot gets SIGTERM');
  t.ok(last.some((c) => c.t === 'arm' && c.kind === 'shutdown-kill'), 'with its own max_wait_time');
  t.same(kills(s.apply({ t: 'timer', kind: 'shutdown-kill' })), ['14:SIGKILL'], 'and SIGKILL after it');
  t.ok(s.apply({ t: 'exited', pid: 14, now: 3 }).some((c) => c.t === 'finished'), 'finished when it is reaped');
});
