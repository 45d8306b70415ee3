/** The Pool's supervision with real processes: ids, respawn, shutdown, reload, detach, pdeathsig. */
import t from 'tap';
import { App, alive } from './harness.ts';

t.test('clause:pool.workers.ids clause:pool.lifecycle.shutdown-order start, ids 0..N-1, SIGTERM shutdown, start() returns null', async (t) => {
  const app = new App(t, { POOL_APP: 'basic', POOL_WORKERS: '3' });
  const workers = await app.started(3);
  const master = app.events.find((e) => e.ev === 'Start')!;
  t.ok(master, 'onStart ran');
  t.ok(app.events.indexOf(master) < app.events.indexOf(workers[0]!), 'onStart before any worker');
  t.same(workers.map((w) => w.id), [0, 1, 2]);
  t.equal(new Set(workers.map((w) => w.pid)).size, 3, 'distinct pids');
  for (const w of workers) t.equal(w.master, master.pid, 'master_pid visible in the worker');
  process.kill(master.pid, 'SIGTERM');
  const ret = await app.wait((e) => e.ev === 'Return');
  t.equal(ret.ret, null);
  const shutdownAt = app.events.findIndex((e) => e.ev === 'Shutdown');
  const stops = app.events.filter((e) => e.ev === 'WorkerStop');
  t.equal(stops.length, 3, 'onWorkerStop in every worker (they have onMessage: graceful SIGTERM)');
  t.ok(stops.every((s) => app.events.indexOf(s) > shutdownAt), 'onShutdown before the workers stop');
  t.same(await app.exited, { code: 0, signal: null });
  for (const w of workers) t.notOk(alive(w.pid), `worker ${w.id} reaped`);
});

t.test('clause:pool.workers.respawn-same-slot a killed worker is replaced in the same slot with a new pid', async (t) => {
  for (const standby of ['1', '0']) {
    const app = new App(t, { POOL_APP: 'basic', POOL_WORKERS: '2', POOL_STANDBY: standby });
    const [w0] = await app.started(2);
    const from = app.events.length;
    process.kill(w0!.pid, 'SIGKILL');
    const again = await app.wait((e) => e.ev === 'WorkerStart' && e.id === 0, 15000, from);
    t.not(again.pid, w0!.pid, `new pid (standby=${standby})`);
    t.notOk(app.events.slice(from).some((e) => e.ev === 'WorkerStop' && e.pid === w0!.pid), 'no onWorkerStop after a signal death');
    process.kill(app.proc.pid!, 'SIGTERM');
    t.equal((await app.wait((e) => e.ev === 'Return')).ret, null);
    await app.exited;
  }
});

t.test('clause:pool.signals.reload SIGUSR1 replaces every worker, same ids, new pids', async (t) => {
  const app = new App(t, { POOL_APP: 'basic', POOL_WORKERS: '2' });
  const before = await app.started(2);
  const from = app.events.length;
  process.kill(app.proc.pid!, 'SIGUSR1');
  const after = await app.started(2, from);
  t.same(after.map((w) => w.id), [0, 1]);
  for (let i = 0; i < 2; i++) t.not(after[i]!.pid, before[i]!.pid);
  const order = app.events.slice(from).filter((e) => e.ev === 'WorkerStop').map((e) => e.id);
  t.same(order, [0, 1], 'one at a time, in id order');
  process.kill(app.proc.pid!, 'SIGTERM');
  await app.exited;
});

t.test('clause:pool.lifecycle.max-wait-time workers ignoring SIGTERM are SIGKILLed after max_wait_time', async (t) => {
  const app = new App(t, { POOL_APP: 'basic', POOL_WORKERS: '2', POOL_MAX_WAIT: '0.3' });
  const workers = await app.started(2);
  // A stopped process cannot act on SIGTERM: it stands for a worker that ignores it.
  for (const w of workers) process.kill(w.pid, 'SIGSTOP');
  const t0 = Date.now();
  process.kill(app.proc.pid!, 'SIGTERM');
  t.equal((await app.wait((e) => e.ev === 'Return')).ret, null);
  t.ok(Date.now() - t0 >= 250, 'waited about max_wait_time before SIGKILL');
  await app.exited;
  for (const w of workers) t.notOk(alive(w.pid), 'stopped worker killed and reaped');
});

t.test('clause:pool.lifecycle.detach detach() hands the slot to a replacement; the old process finishes without respawn', async (t) => {
  const dir = t.testdir({});
  const app = new App(t, { POOL_APP: 'detach', POOL_WORKERS: '2', POOL_MARK: `${dir}/detached` });
  const detach = await app.wait((e) => e.ev === 'Detach');
  t.equal(detach.ret, true);
  const after = await app.wait((e) => e.ev === 'AfterDetach');
  const stop = await app.wait((e) => e.ev === 'WorkerStop' && e.pid === detach.pid);
  t.ok(app.events.indexOf(after) < app.events.indexOf(stop), 'the current callback finishes before onWorkerStop');
  const replacement = await app.wait((e) => e.ev === 'WorkerStart' && e.id === 0 && e.pid !== detach.pid);
  t.ok(replacement);
  process.kill(app.proc.pid!, 'SIGTERM');
  await app.wait((e) => e.ev === 'Return');
  t.equal(app.events.filter((e) => e.ev === 'WorkerStart' && e.id === 0).length, 2, 'exactly one replacement for slot 0');
  await app.exited;
});

t.test('clause:pool.lifecycle.pdeathsig SIGKILL of the master leaves no worker behind', async (t) => {
  const app = new App(t, { POOL_APP: 'basic', POOL_WORKERS: '2' });
  const workers = await app.started(2);
  process.kill(app.proc.pid!, 'SIGKILL');
  await app.exited;
  for (const w of workers) {
    for (let i = 0; i < 200 && alive(w.pid); i++) await new Promise((r) => setTimeout(r, 10));
    t.notOk(alive(w.pid), `worker ${w.id} died with the master`);
  }
});

t.test('clause:pool.lifecycle.shutdown-from-worker shutdown() from a worker ends the pool', async (t) => {
  const app = new App(t, { POOL_APP: 'self-shutdown', POOL_WORKERS: '2' });
  const said = await app.wait((e) => e.ev === 'ShutdownRet');
  t.equal(said.ret, true);
  t.equal((await app.wait((e) => e.ev === 'Return')).ret, null);
  t.same(await app.exited, { code: 0, signal: null });
});

t.test('clause:pool.setup.broken-worker a worker script that never calls start() fails clearly, not a hang', async (t) => {
  const app = new App(t, { POOL_APP: 'broken-worker', POOL_WORKERS: '1' });
  const threw = await app.wait((e) => e.ev === 'Threw');
  t.equal(threw.code, 8809);
  await app.exited;
});

t.test('clause:pool.lifecycle.worker-exit a coroutine worker stopping with a callback pending runs onWorkerExit at the stop and again when it settles, then onWorkerStop', async (t) => {
  const dir = t.testdir({});
  const app = new App(t, { POOL_APP: 'worker-exit', POOL_WORKERS: '1', POOL_MARK: `${dir}/sent` });
  const stopped = await app.wait((e) => e.ev === 'Stopped');
  const stop = await app.wait((e) => e.ev === 'WorkerStop' && e.pid === stopped.pid);
  const exits = app.events.filter((e) => e.ev === 'WorkerExit' && e.pid === stopped.pid);
  t.ok(exits.length >= 2, `onWorkerExit ran ${exits.length} times (at the stop, and after the pending callback settled)`);
  t.ok(exits.every((e) => app.events.indexOf(e) < app.events.indexOf(stop)), 'every onWorkerExit came before onWorkerStop');
  await app.wait((e) => e.ev === 'WorkerStart' && e.pid !== stopped.pid);
  app.proc.kill('SIGTERM');
  await app.exited;
});
