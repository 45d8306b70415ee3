/**
 * The Server with worker processes: topology, worker death, reload, shutdown, max_request.
 * Real processes (fixtures/app.ts re-run as workers), every one reaped (mp-harness.ts).
 */

import t from 'tap';
import { App, FrameClient, alive, app, onEveryWorker, type Who } from './mp-harness.ts';

t.test('clause:server.multi.base-topology BASE worker_num 2: a manager, onStart once in worker 0, master_pid is worker 0 (S4); SIGTERM ends all', async (t) => {
  const { a, started, port } = await app(t, 'base', 2);
  const manager = a.events.find((e) => e.ev === 'ManagerStart')!;
  t.equal(manager.pid, a.managerPid, 'onManagerStart in the process that called start()');
  t.same(started.map((w) => w.id), [0, 1]);
  const w0 = started[0]!;
  await a.wait((e) => e.ev === 'Start');
  const starts = a.events.filter((e) => e.ev === 'Start');
  t.equal(starts.length, 1, 'onStart once');
  t.equal(starts[0]!.pid, w0.pid, 'onStart runs in worker 0');
  t.equal(starts[0]!.master, w0.pid, 'getMasterPid() is worker 0');
  for (const w of started) t.equal(w.manager, a.managerPid, 'getManagerPid() in every worker');
  const c = await FrameClient.connect(t, port);
  t.equal(await c.request('echo:hello'), 'hello', 'clause:server.multi.echo echo through a worker');
  const pids = await c.json<Record<string, number>>('pids');
  t.equal(pids.master, w0.pid);
  t.equal(pids.w0, w0.pid, 'getWorkerPid(0)');
  t.equal(pids.w1, started[1]!.pid, 'getWorkerPid(1)');
  t.equal(pids.status, 1, 'the worker running a callback is BUSY');
  const ret = await a.stop();
  t.equal(ret.ret, true, 'start() resolves true in the manager');
  t.equal(ret.pid, a.managerPid);
  const order = a.events.map((e) => e.ev).filter((e) => ['BeforeShutdown', 'WorkerStop', 'ManagerStop', 'Shutdown', 'Return'].includes(e));
  t.same(order, ['BeforeShutdown', 'WorkerStop', 'WorkerStop', 'ManagerStop', 'Shutdown', 'Return'], 'clause:server.multi.shutdown-order');
  t.same(await a.exited, { code: 0, signal: null });
  for (const w of started) t.notOk(alive(w.pid), `worker ${w.id} reaped`);
});

t.test('clause:server.multi.base-owns BASE: each worker owns the connections it accepted; getClientList/exist see its own only (h6)', async (t) => {
  const { a, port } = await app(t, 'base', 2);
  const owners = await onEveryWorker(t, port, 2);
  const x = owners.get(0)!;
  const y = owners.get(1)!;
  t.same(await x.c.json('list'), [x.who.fd], 'worker 0 lists its own connection only');
  t.same(await x.c.json(`exist:${y.who.fd}`), { exist: false }, "another worker's session does not exist here");
  t.not(x.who.fd, y.who.fd, 'session ids are global across workers (S6)');
  await a.stop();
});

t.test('clause:server.multi.base-worker-death a BASE worker SIGKILLed: its connections get EOF, no onClose; onWorkerError(id, pid, 0, 9); same id, new pid', async (t) => {
  const { a, port } = await app(t, 'base', 2);
  const owners = await onEveryWorker(t, port, 2);
  const victim = owners.get(1)!;
  const other = owners.get(0)!;
  const from = a.events.length;
  process.kill(victim.who.pid, 'SIGKILL');
  t.equal(await victim.c.ended, 'end', 'the client sees EOF');
  const err = await a.wait((e) => e.ev === 'WorkerError', 20000, from);
  t.same({ id: err.id, wpid: err.wpid, code: err.code, signal: err.signal, pid: err.pid }, { id: 1, wpid: victim.who.pid, code: 0, signal: 9, pid: a.managerPid }, 'clause:server.multi.worker-error in the manager');
  const again = await a.wait((e) => e.ev === 'WorkerStart' && e.id === 1, 20000, from);
  t.not(again.pid, victim.who.pid, 'replacement: same id, new pid');
  t.notOk(a.events.slice(from).some((e) => e.ev === 'Close'), 'no onClose anywhere for the dropped connection');
  t.equal(await other.c.request('echo:still'), 'still', "the other worker's connection continues");
  await a.stop();
});

t.test('clause:server.multi.worker-error an uncaught error ends the worker with 255 and onWorkerError(id, pid, 255, 0)', async (t) => {
  const { a, port } = await app(t, 'process', 1, {}, { standby: false });
  const c = await FrameClient.connect(t, port);
  const who = await c.json<Who>('who');
  const from = a.events.length;
  c.send('throw');
  const err = await a.wait((e) => e.ev === 'WorkerError', 20000, from);
  t.same([err.id, err.wpid, err.code, err.signal], [0, who.pid, 255, 0]);
  t.notOk(a.events.slice(from).some((e) => e.ev === 'WorkerStop' && e.pid === who.pid), 'no onWorkerStop after a fatal error');
  t.equal(await c.request('echo:after'), 'after', 'PROCESS: the connection survives the crash');
  await a.stop();
});

t.test('clause:server.multi.reload reload: every worker restarts with a new pid; PROCESS keeps the connection, BASE closes it with onClose(-1) (h2)', async (t) => {
  for (const mode of ['process', 'base'] as const) {
    const { a, started, port } = await app(t, mode, 2);
    const c = await FrameClient.connect(t, port);
    const before = await c.json<Who>('who');
    const from = a.events.length;
    if (mode === 'process') process.kill(a.managerPid, 'SIGUSR1');
    else c.send('reload'); // reload() from a worker signals the manager
    const after = await a.started(2, from);
    for (let i = 0; i < 2; i++) t.not(after[i]!.pid, started[i]!.pid, `${mode}: worker ${i} has a new pid`);
    t.notOk(a.events.slice(from).some((e) => e.ev === 'WorkerError'), `${mode}: a reload is not an error`);
    if (mode === 'process') {
      const again = await c.json<Who>('who');
      t.equal(again.fd, before.fd, 'PROCESS: same connection');
      t.not(again.pid, before.pid, 'served by the new worker');
    } else {
      t.equal((await a.wait((e) => e.ev === 'ReloadRet', 20000, from)).ret, true);
      t.equal(await c.ended, 'end', 'BASE: the connection is closed');
      const close = await a.wait((e) => e.ev === 'Close' && e.fd === before.fd, 20000, from);
      t.equal(close.rid, -1, 'onClose(reactor_id -1) before the old worker stops');
      t.equal(close.pid, before.pid);
    }
    await a.stop();
  }
});

t.test('clause:server.multi.reload reload_async=false: one worker at a time, in id order (S26)', async (t) => {
  const { a, started } = await app(t, 'base', 2, {}, { reload_async: false });
  const from = a.events.length;
  process.kill(a.managerPid, 'SIGUSR1');
  const stop1 = await a.wait((e) => e.ev === 'WorkerStop' && e.id === 1, 20000, from);
  const stop0 = a.events.slice(from).findIndex((e) => e.ev === 'WorkerStop' && e.id === 0);
  t.ok(stop0 >= 0 && stop0 < a.events.slice(from).indexOf(stop1), 'worker 0 stopped first');
  // SIGTERM reaches worker 1 only once the old worker 0 has been reaped.
  t.notOk(alive(started[0]!.pid), 'the old worker 0 was gone before worker 1 stopped');
  const after = await a.started(2, from);
  for (let i = 0; i < 2; i++) t.not(after[i]!.pid, started[i]!.pid, `worker ${i} has a new pid`);
  await a.stop();
});

t.test('clause:server.multi.shutdown-from-worker shutdown() in a worker ends the whole server (S28)', async (t) => {
  for (const mode of ['base', 'process'] as const) {
    const { a, started, port } = await app(t, mode, 2);
    const c = await FrameClient.connect(t, port);
    c.send('shutdown');
    t.equal((await a.wait((e) => e.ev === 'ShutdownRet')).ret, true, `${mode}: shutdown() returns true in the worker`);
    t.equal((await a.wait((e) => e.ev === 'Return')).ret, true);
    t.same(await a.exited, { code: 0, signal: null });
    for (const w of started) t.notOk(alive(w.pid));
  }
});

t.test('clause:server.multi.max-request max_request recycles the worker: PROCESS invisibly, BASE closes its connections (S24, h3)', async (t) => {
  const p = await app(t, 'process', 1, {}, { max_request: 2 });
  const c = await FrameClient.connect(t, p.port);
  const pids: number[] = [];
  for (let k = 0; k < 6; k++) pids.push((await c.json<Who>('who')).pid);
  t.equal(new Set(pids).size, 3, 'three worker processes for six requests');
  t.same([pids[0] === pids[1], pids[1] !== pids[2], pids[2] === pids[3], pids[3] !== pids[4], pids[4] === pids[5]], [true, true, true, true, true], 'exactly 2 requests each');
  t.notOk(p.a.events.some((e) => e.ev === 'WorkerError'));
  await p.a.stop();
  const b = await app(t, 'base', 1, {}, { max_request: 2 });
  const d = await FrameClient.connect(t, b.port);
  const w1 = await d.json<Who>('who');
  await d.request('echo:x');
  t.equal(await d.ended, 'end', 'BASE: the recycled worker closes its connection');
  const close = await b.a.wait((e) => e.ev === 'Close' && e.pid === w1.pid);
  t.equal(close.rid, -1);
  const e = await FrameClient.connect(t, b.port);
  t.not((await e.json<Who>('who')).pid, w1.pid, 'a new connection reaches the new worker');
  await b.a.stop();
});

t.test('clause:server.multi.worker-setup a worker whose script never reaches start() makes start() throw 8809 in the manager', async (t) => {
  const a = new App(t, { SRV_MODE: 'base', SRV_WORKERS: '2', SRV_BROKEN: '1' });
  const threw = await a.wait((e) => e.ev === 'Threw');
  t.equal(threw.code, 8809);
  t.same(await a.exited, { code: 0, signal: null });
});

t.test('clause:server.multi.base-sigterm-worker SIGTERM to a BASE worker (master_pid) restarts that worker only; the new worker 0 is the new master_pid', async (t) => {
  const { a, started, port } = await app(t, 'base', 2);
  const from = a.events.length;
  process.kill(started[0]!.pid, 'SIGTERM');
  const again = await a.wait((e) => e.ev === 'WorkerStart' && e.id === 0, 20000, from);
  t.not(again.pid, started[0]!.pid);
  t.equal(again.master, again.pid, 'master_pid follows worker 0');
  t.ok(a.events.slice(from).some((e) => e.ev === 'WorkerStop' && e.pid === started[0]!.pid), 'the old worker 0 stopped gracefully');
  t.notOk(a.events.slice(from).some((e) => e.ev === 'WorkerError' || e.ev === 'Start' || (e.ev === 'WorkerStop' && e.id === 1)), 'no error, no second onStart, worker 1 untouched');
  t.ok(alive(started[1]!.pid));
  const c = await FrameClient.connect(t, port);
  t.equal(await c.request('echo:ok'), 'ok', 'the server still serves');
  await a.stop();
});

