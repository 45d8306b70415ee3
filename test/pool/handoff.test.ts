/**
 * The standby hand-off with real processes (reference/supervision/handoff.ts): a clean exit
 * gives the slot straight to the armed standby; a reload or a shutdown never does; two exits at
 * once share one standby between them. Also SIGTERM in a worker without onMessage, whose
 * handling the restart-path work must leave as node has it.
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { EventApp, alive, type AppEvent } from '../event-app.ts';

class HandoffApp extends EventApp {
  constructor(t: Test, app = 'unixsock') {
    super(t, fileURLToPath(new URL('./fixtures/handoff-app.ts', import.meta.url)), { ...process.env, SWOOLE_REF_POOL_TRACE_FD: '1', HANDOFF_APP: app });
  }

  /** A standby offered for hand-offs (the master's 'armed' trace) after event index `from`. */
  readyStandby(from = 0): Promise<AppEvent> {
    return this.wait((e) => e.ev === 'armed', undefined, from);
  }

  since(from: number, ev: string): AppEvent[] {
    return this.events.slice(from).filter((e) => e.ev === ev);
  }
}

t.test('clause:pool.workers.standby-handoff clause:pool.workers.respawn-same-slot a clean exit hands the slot to the standby, twice in a row', async (t) => {
  const app = new HandoffApp(t);
  const [w0, w1] = await app.started(2);
  let old = w1!;
  let from = 0;
  for (let round = 0; round < 2; round++) {
    const standby = await app.readyStandby(from);
    from = app.events.length;
    process.kill(old.pid, 'SIGUSR2');
    const next = await app.wait((e) => e.ev === 'WorkerStart' && e.id === 1, undefined, from);
    const handoff = await app.wait((e) => e.ev === 'handoff', undefined, from);
    t.same({ pid: handoff.pid, slot: handoff.slot }, { pid: standby.pid, slot: 1 }, `round ${round}: the standby took slot 1 by hand-off`);
    t.equal(next.pid, standby.pid, 'the replacement is that standby');
    t.same(app.since(from, 'assign'), [], 'the master assigned nothing');
    t.same(next.table, [w0!.pid, next.pid], 'the replacement sees the pid table with itself in its slot');
    const stop = app.events.findIndex((e, i) => i >= from && e.ev === 'WorkerStop' && e.pid === old.pid);
    t.ok(stop >= 0 && stop < app.events.indexOf(next), 'the old worker ran onWorkerStop before the replacement started');
    old = next;
  }
  process.kill(app.proc.pid!, 'SIGTERM');
  t.equal((await app.wait((e) => e.ev === 'Return')).ret, null);
  t.same(await app.exited, { code: 0, signal: null });
  for (const e of app.events.filter((e) => e.ev === 'WorkerStart' || e.ev === 'ready')) t.notOk(alive(e.pid), `pid ${e.pid} reaped`);
});

t.test('clause:pool.workers.standby-handoff clause:pool.signals.reload a reload gets no hand-off: the master assigns every replacement', async (t) => {
  const app = new HandoffApp(t);
  const before = await app.started(2);
  const standby = await app.readyStandby();
  const from = app.events.length;
  process.kill(app.proc.pid!, 'SIGUSR1');
  const after = await app.started(2, from);
  t.same(app.since(from, 'handoff'), [], 'no hand-off while reloading');
  t.same(app.since(from, 'WorkerStop').map((e) => e.id), [0, 1], 'one at a time, in id order (graceful stops: each could have handed off)');
  t.equal(after[0]!.pid, standby.pid, 'the standby was used, assigned by the master');
  t.ok(app.since(from, 'assign').some((e) => e.pid === standby.pid && e.slot === 0));
  for (let i = 0; i < 2; i++) t.not(after[i]!.pid, before[i]!.pid);
  process.kill(app.proc.pid!, 'SIGTERM');
  t.same(await app.exited, { code: 0, signal: null });
});

t.test('clause:pool.workers.standby-handoff clause:pool.lifecycle.shutdown-order a shutdown gets no hand-off: no worker starts once it began', async (t) => {
  const app = new HandoffApp(t);
  await app.started(2);
  const standby = await app.readyStandby();
  const from = app.events.length;
  process.kill(app.proc.pid!, 'SIGTERM');
  t.equal((await app.wait((e) => e.ev === 'Return')).ret, null);
  t.same(await app.exited, { code: 0, signal: null });
  t.equal(app.since(from, 'WorkerStop').length, 2, 'both workers stopped gracefully (each could have handed off)');
  t.same(app.since(from, 'handoff'), [], 'no hand-off');
  t.same(app.since(from, 'WorkerStart'), [], 'no worker started during the shutdown');
  t.notOk(alive(standby.pid), 'the standby was reaped');
});

t.test('clause:pool.workers.standby-handoff two clean exits at once: one standby, at most one hand-off, both slots refilled once', async (t) => {
  const app = new HandoffApp(t);
  const before = await app.started(2);
  await app.readyStandby();
  const from = app.events.length;
  for (const w of before) process.kill(w.pid, 'SIGUSR2');
  const after = await app.started(2, from);
  const handoffs = app.since(from, 'handoff');
  t.ok(handoffs.length <= 1, `at most one hand-off (${handoffs.length})`);
  t.equal(new Set(after.map((w) => w.pid)).size, 2, 'two distinct replacements');
  for (const w of after) t.notOk(before.some((b) => b.pid === w.pid), 'new pids');
  // Each slot started exactly once; a second start for a slot would mean one standby served both.
  t.same(app.since(from, 'WorkerStart').map((e) => e.id).sort(), [0, 1]);
  // Let the pool settle on a fresh standby, so a late double start would show up before shutdown.
  const settled = await app.readyStandby(from);
  t.notOk(after.some((w) => w.pid === settled.pid), 'the new standby is not one of the replacements');
  t.same(app.since(from, 'WorkerStart').map((e) => e.id).sort(), [0, 1], 'still one start per slot');
  process.kill(app.proc.pid!, 'SIGTERM');
  t.same(await app.exited, { code: 0, signal: null });
});

// The SIGTERM listener is installed while still a standby (off the restart path): it must keep node's own behaviour.
t.test('clause:pool.signals.worker-sigterm a worker without onMessage dies of SIGTERM at once, without onWorkerStop', async (t) => {
  const app = new HandoffApp(t, 'none');
  const [w] = await app.started(1);
  const from = app.events.length;
  process.kill(w!.pid, 'SIGTERM');
  const next = await app.wait((e) => e.ev === 'WorkerStart' && e.id === 0, undefined, from);
  t.not(next.pid, w!.pid, 'respawned');
  t.notOk(alive(w!.pid), 'the old worker is gone');
  t.same(app.events.filter((e) => e.ev === 'WorkerStop'), [], 'no onWorkerStop');
  process.kill(app.proc.pid!, 'SIGTERM');
  t.same(await app.exited, { code: 0, signal: null });
});

t.test('clause:pool.signals.worker-sigterm a script that listens for SIGTERM keeps its workers and standby alive: only its listener runs', async (t) => {
  const app = new HandoffApp(t, 'none-listen');
  const [w] = await app.started(1);
  const standby = await app.readyStandby();
  for (const pid of [w!.pid, standby.pid]) {
    const from = app.events.length;
    process.kill(pid, 'SIGTERM');
    await app.wait((e) => e.ev === 'AfterSigterm' && e.pid === pid, undefined, from);
    t.ok(alive(pid), `pid ${pid} survived SIGTERM (${pid === w!.pid ? 'worker' : 'standby'})`);
  }
  t.same(app.events.filter((e) => e.ev === 'WorkerStop'), [], 'no onWorkerStop');
  // Shutdown: the worker ignores its SIGTERM, so max_wait_time (0.3 s) ends it with SIGKILL.
  process.kill(app.proc.pid!, 'SIGTERM');
  t.same(await app.exited, { code: 0, signal: null });
  t.notOk(alive(w!.pid), 'reaped');
});
