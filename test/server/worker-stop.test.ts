/**
 * stop(workerId, waitEvent) (S29) and the async worker exit with onWorkerExit (S27): real
 * worker processes (fixtures/app.ts), every one reaped (mp-harness.ts); single-process in-process.
 */
import net from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { Server } from '../../reference/server/server.ts';
import { FrameClient, app, onEveryWorker, type Who } from './mp-harness.ts';

t.test('clause:server.multi.stop stop() in a worker: it stops after the callback, the manager respawns the same id (no onWorkerError)', async (t) => {
  for (const mode of ['base', 'process'] as const) {
    const { a, port } = await app(t, mode, 2);
    const c = await FrameClient.connect(t, port);
    const who = await c.json<Who>('who');
    const from = a.events.length;
    t.equal((await c.json('stop:-1,0')).ok, true, `${mode}: stop() returns true`);
    const stop = await a.wait((e) => e.ev === 'WorkerStop' && e.pid === who.pid, 20000, from);
    t.equal(stop.id, who.id, `${mode}: onWorkerStop in the stopped worker`);
    const again = await a.wait((e) => e.ev === 'WorkerStart' && e.id === who.id && e.pid !== who.pid, 20000, from);
    t.ok(again.pid > 0, `${mode}: replacement with the same id, new pid`);
    t.notOk(a.events.slice(from).some((e) => e.ev === 'WorkerError'), `${mode}: a stop is not an error`);
    if (mode === 'process') {
      // PROCESS: the connection survives its worker.
      t.equal(await c.request('echo:still'), 'still', 'process: the connection is kept');
    } else {
      t.equal(await c.ended, 'end', 'base: the stopped worker closed its connection');
    }
    await a.stop();
  }
});

t.test('clause:server.multi.stop stop(id) of another worker, from a worker; out-of-range ids give false with 505', async (t) => {
  const { a, port } = await app(t, 'process', 2, {}, { dispatch_mode: 1 });
  const c = await FrameClient.connect(t, port);
  const me = await c.json<Who>('who');
  const other = me.id === 0 ? 1 : 0;
  t.same(await c.json('stop:99,0'), { ok: false, err: 505 }, 'an id past the last worker');
  t.same(await c.json('stop:-2,0'), { ok: false, err: 505 }, 'a negative id other than -1');
  const from = a.events.length;
  const otherPid = a.events.filter((e) => e.ev === 'WorkerStart' && e.id === other).at(-1)!.pid;
  t.equal((await c.json(`stop:${other},0`)).ok, true, 'stop(other id) returns true');
  await a.wait((e) => e.ev === 'WorkerStop' && e.pid === otherPid, 20000, from);
  await a.wait((e) => e.ev === 'WorkerStart' && e.id === other && e.pid !== otherPid, 20000, from);
  t.pass('the other worker stopped and was replaced');
  await a.stop();
});

t.test('clause:server.multi.stop-in-manager stop() in the manager: no id gives false with 505 (a warning); stop(id) stops that worker', async (t) => {
  const { a } = await app(t, 'base', 2, { SRV_MANAGER_STOP: '1' });
  const before = a.events.filter((e) => e.ev === 'WorkerStart' && e.id === 1).at(-1)!.pid;
  const from = a.events.length;
  process.kill(a.managerPid, 'SIGHUP');
  const ret = await a.wait((e) => e.ev === 'ManagerStopRet', 20000, from);
  t.same({ noId: ret.noId, noIdErr: ret.noIdErr, bad: ret.bad, badErr: ret.badErr, one: ret.one }, { noId: false, noIdErr: 505, bad: false, badErr: 505, one: true });
  t.match(a.stderr, /kill worker in non worker process requires specifying an id/, 'the warning names the missing id');
  await a.wait((e) => e.ev === 'WorkerStart' && e.id === 1 && e.pid !== before, 20000, from);
  t.pass('worker 1 replaced');
  await a.stop();
});

t.test('clause:server.multi.worker-exit a stopping worker with pending work runs onWorkerExit (status EXIT) until the work is done, then onWorkerStop', async (t) => {
  const { a, port } = await app(t, 'base', 2, { SRV_WORKER_EXIT: '1' });
  const owners = await onEveryWorker(t, port, 2);
  const { c, who } = owners.get(1)!;
  t.equal(await c.request('timer:300'), 'armed');
  const from = a.events.length;
  t.equal((await c.json('stop:-1,1')).ok, true, 'stop(-1, waitEvent=true)');
  const exit = await a.wait((e) => e.ev === 'WorkerExit' && e.pid === who.pid, 20000, from);
  t.same({ id: exit.id, status: exit.status }, { id: 1, status: 3 }, 'onWorkerExit in the stopping worker, getWorkerStatus() is EXIT (3)');
  t.equal(await c.next(), 'timer', 'the pending timer still ran and its reply reached the still-open connection (BASE)');
  const timer = await a.wait((e) => e.ev === 'Timer' && e.pid === who.pid, 20000, from);
  t.equal(timer.sent, true);
  await a.wait((e) => e.ev === 'WorkerStop' && e.pid === who.pid, 20000, from);
  const mine = a.events.slice(from).filter((e) => e.pid === who.pid).map((e) => e.ev);
  t.same([mine.indexOf('WorkerExit') < mine.indexOf('Timer'), mine.indexOf('Timer') < mine.indexOf('Close'), mine.indexOf('Close') < mine.indexOf('WorkerStop')], [true, true, true], 'order: onWorkerExit, the pending timer, onClose(-1), onWorkerStop');
  t.equal(a.events.slice(from).find((e) => e.ev === 'Close' && e.pid === who.pid)?.rid, -1, 'BASE closes its connections with reactor_id -1 after the wait');
  t.equal(await c.ended, 'end');
  t.notOk(a.stderr.includes('9101'), 'no exit timeout');

  // stop(-1, false): at once; the pending work is dropped, no onWorkerExit.
  const { c: c0, who: w0 } = owners.get(0)!;
  t.equal(await c0.request('timer:5000'), 'armed');
  const from2 = a.events.length;
  t.equal((await c0.json('stop:-1,0')).ok, true);
  await a.wait((e) => e.ev === 'WorkerStop' && e.pid === w0.pid, 20000, from2);
  const after = a.events.slice(from2).filter((e) => e.pid === w0.pid).map((e) => e.ev);
  t.notOk(after.includes('WorkerExit') || after.includes('Timer'), 'stop() without waitEvent does not wait: no onWorkerExit, the timer never runs');
  await a.stop();
});

t.test('clause:server.multi.worker-exit-timeout pending work past max_wait_time: warning 9101, then onWorkerStop', async (t) => {
  const { a, port } = await app(t, 'process', 1, { SRV_WORKER_EXIT: '1' }, { max_wait_time: 1 });
  const c = await FrameClient.connect(t, port);
  const who = await c.json<Who>('who');
  t.equal(await c.request('timer:60000'), 'armed');
  const from = a.events.length;
  t.equal((await c.json('stop:-1,1')).ok, true);
  await a.wait((e) => e.ev === 'WorkerExit' && e.pid === who.pid, 20000, from);
  await a.wait((e) => e.ev === 'WorkerStart' && e.pid !== who.pid, 20000, from);
  t.match(a.stderr, /9101.*worker exit timeout, forced termination/, 'the exit timeout is reported');
  t.equal(await c.request('echo:kept'), 'kept', 'PROCESS: the connection is served by the replacement');
  await a.stop();
});

t.test('clause:server.base.stop-single single-process stop(): bad ids give false with 505; stop() ends the server like shutdown()', async (t) => {
  const s = new Server('127.0.0.1', 0);
  const events: string[] = [];
  s.on('receive', (srv: Server, fd: number) => {
    events.push(`bad:${String(srv.stop(3))}:${srv.getLastError()}`);
    events.push(`stop:${String(srv.stop())}`);
    srv.send(fd, 'bye');
  });
  s.on('close', (_srv: Server, _fd: number, rid: number) => events.push(`close:${rid}`));
  s.on('workerStop', () => events.push('workerStop'));
  s.on('shutdown', () => events.push('shutdown'));
  t.equal(s.stop(), false, 'before start: false');
  t.equal(s.getLastError(), 509);
  const running = s.start();
  const sock = net.connect(s.port, '127.0.0.1');
  t.teardown(() => void sock.destroy());
  await once(sock, 'connect');
  const closed = once(sock, 'close');
  sock.write('x');
  let got = '';
  sock.on('data', (d) => (got += String(d)));
  t.equal(await running, true, 'start() resolves true');
  await closed;
  t.equal(got, 'bye', 'the reply made before the stop is delivered');
  t.same(events, ['bad:false:505', 'stop:true', 'close:-1', 'workerStop', 'shutdown']);
});
