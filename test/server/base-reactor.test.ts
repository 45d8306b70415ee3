import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ErrorCode, SwooleError } from '../../reference/errors.ts';
import { SWOOLE_BASE, SWOOLE_SOCK_TCP, SWOOLE_SOCK_UNIX_STREAM } from '../../reference/constants.ts';
import { Server } from '../../reference/server/server.ts';

type Ev = [string, ...unknown[]];

/** A started single-process server that records its events; `next(name)` awaits the next such event. */
async function harness(t: Test, setup?: (s: Server) => void, settings: Record<string, unknown> = {}) {
  const s = new Server('127.0.0.1', 0, SWOOLE_BASE);
  const log: Ev[] = [];
  const waiters: Array<{ name: string; resolve: (e: Ev) => void }> = [];
  const record = (e: Ev) => {
    log.push(e);
    const i = waiters.findIndex((w) => w.name === e[0]);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(e);
    else pending.push(e);
  };
  const pending: Ev[] = [];
  for (const name of ['connect', 'close', 'workerStart', 'workerStop', 'shutdown', 'start']) {
    s.on(name, (_srv: Server, ...a: unknown[]) => record([name, ...a]));
  }
  s.on('receive', (_srv: Server, fd: number, rid: number, data: Buffer) => record(['receive', fd, rid, Buffer.from(data)]));
  s.set(settings);
  setup?.(s);
  const next = (name: string): Promise<Ev> => {
    const i = pending.findIndex((e) => e[0] === name);
    if (i >= 0) return Promise.resolve(pending.splice(i, 1)[0]!);
    return new Promise((resolve) => waiters.push({ name, resolve }));
  };
  const started = s.start();
  t.teardown(async () => {
    s.shutdown();
    await started;
  });
  await next('workerStart');
  return { s, log, next, started };
}

async function client(port: number): Promise<net.Socket> {
  const c = net.connect(port, '127.0.0.1');
  await once(c, 'connect');
  return c;
}

function readAll(c: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  return new Promise((resolve) => c.on('end', () => resolve(Buffer.concat(parts))));
}


t.test('clause:server.base.port-before-start — port 0 is assigned in the constructor', async (t) => {
  const { s } = await harness(t);
  t.ok(s.port > 0);
  const p = s.ports[0]!;
  t.equal(p.port, s.port);
});

t.test('clause:server.base.port-in-use — a taken port throws from the constructor; addListener gives false', async (t) => {
  // The port is held by another socket (a running Server would also refuse a second Server, S1).
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => taken.close(() => r())));
  const port = (taken.address() as net.AddressInfo).port;
  let err: unknown;
  try {
    new Server('127.0.0.1', port, SWOOLE_BASE);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof SwooleError);
  t.equal((err as SwooleError).code, ErrorCode.SERVER_INVALID_LISTEN_PORT);
  const b = new Server('127.0.0.1', 0, SWOOLE_BASE);
  t.equal(b.addListener('127.0.0.1', port, SWOOLE_SOCK_TCP), false);
  t.equal(b.getLastError(), ErrorCode.SERVER_INVALID_LISTEN_PORT);
  await t.rejects(b.start(), { code: ErrorCode.SERVER_INVALID_CALLBACK }, 'and no onReceive: start fails, fds released');
});

t.test('clause:server.base.require-receive — start() without onReceive fails clearly', async (t) => {
  const s = new Server('127.0.0.1', 0);
  await t.rejects(s.start(), { code: ErrorCode.SERVER_INVALID_CALLBACK });
  t.equal(await s.start(), false, 'a failed server cannot start again');
});

t.test('clause:server.base.lifecycle — start, workerStart, then shutdown: workerStop, shutdown, start() resolves true', async (t) => {
  const s = new Server('127.0.0.1', 0);
  const events: string[] = [];
  s.on('receive', () => {});
  let ready!: Promise<void>;
  const readyP = new Promise<void>((r) => {
    for (const e of ['start', 'workerStart', 'workerStop', 'shutdown']) s.on(e, () => { events.push(e); if (e === 'workerStart') r(); });
  });
  ready = readyP;
  const run = s.start();
  await ready;
  t.same(events, ['start', 'workerStart']);
  t.equal(s.set({ worker_num: 1 }), false, 'clause:server.options.set-after-start');
  t.equal(s.on('connect', () => {}), false, 'on() after start is refused');
  t.equal(s.shutdown(), true);
  t.equal(await run, true);
  t.same(events, ['start', 'workerStart', 'workerStop', 'shutdown']);
  t.equal(await s.start(), false, 'second start after shutdown');
  t.equal(s.shutdown(), false);
  t.equal(s.getLastError(), ErrorCode.WRONG_OPERATION);
});

t.test('clause:server.base.unknown-event — on() with an unknown name warns 8802 and returns false', async (t) => {
  const s = new Server('127.0.0.1', 0);
  const codes: string[] = [];
  const w = (e: Error & { code?: string }) => codes.push(String(e.code));
  process.on('warning', w);
  t.equal(s.on('nosuchevent', () => {}), false);
  t.equal(s.on('RECEIVE', () => {}), true, 'names are case-insensitive');
  await new Promise((r) => setImmediate(r));
  process.off('warning', w);
  t.same(codes, [String(ErrorCode.UNKNOWN_EVENT)]);
  t.ok(s.getCallback('Receive'));
  t.equal(s.getCallback('connect'), null);
});

t.test('clause:server.base.echo — connect, receive, send, peer close; stats counters', async (t) => {
  const { s, next } = await harness(t, (srv) => {
    srv.on('receive', (_x: Server, fd: number, _rid: number, data: Buffer) => {
      srv.send(fd, Buffer.concat([Buffer.from('re:'), data]));
    });
  });
  const c = await client(s.port);
  const [, fd, rid] = await next('connect');
  t.equal(fd, 1, 'clause:server.session.ids');
  t.equal(rid, 0);
  const got = once(c, 'data');
  c.write('hello');
  t.same(String((await got)[0]), 're:hello');
  const st = s.stats() as Record<string, number>;
  t.same([st.connection_num, st.accept_count, st.request_count, st.response_count, st.total_recv_bytes, st.total_send_bytes], [1, 1, 1, 1, 5, 8]);
  const info = s.getClientInfo(1) as Record<string, unknown>;
  t.equal(info.remote_ip, '127.0.0.1');
  t.equal(info.remote_port, c.localPort);
  t.equal(info.server_port, s.port);
  c.end();
  const [, cfd, crid] = await next('close');
  t.same([cfd, crid], [1, 0], 'peer close: real reactor id');
  t.equal(s.exist(1), false);
  const st2 = s.stats() as Record<string, number>;
  t.same([st2.connection_num, st2.close_count], [0, 1]);
});

t.test('clause:server.base.close — onClose(-1) before close() returns; then 1005 everywhere', async (t) => {
  let closeSeenInside = false;
  let sendInsideClose: boolean | undefined;
  let infoInsideClose: unknown;
  let existInsideClose: boolean | undefined;
  const { s, next } = await harness(t, (srv) => {
    srv.on('close', (_x: Server, fd: number, rid: number) => {
      closeSeenInside = rid === -1;
      existInsideClose = srv.exist(fd);
      infoInsideClose = srv.getClientInfo(fd);
      sendInsideClose = srv.send(fd, 'bye');
    });
  });
  const c = await client(s.port);
  const all = readAll(c);
  const [, fd] = await next('connect');
  t.equal(s.exist(fd as number), true);
  t.equal(s.close(fd as number), true);
  t.equal(closeSeenInside, true, 'onClose ran inside close() with reactor id -1');
  t.equal(existInsideClose, false);
  t.ok(infoInsideClose && typeof infoInsideClose === 'object', 'getClientInfo works inside onClose');
  t.equal(sendInsideClose, true, 'BASE: send inside onClose of a server close still delivers');
  t.same(String(await all), 'bye', 'client reads the bytes then EOF');
  t.equal(s.exist(fd as number), false);
  t.equal(s.getClientInfo(fd as number), false);
  t.equal(s.send(fd as number, 'x'), false);
  t.equal(s.getLastError(), ErrorCode.SESSION_NOT_EXIST);
  t.equal(s.close(fd as number), false);
  t.equal(s.getLastError(), ErrorCode.SESSION_NOT_EXIST);
});

t.test('clause:server.base.send-errors — invalid id, empty data, unknown session', async (t) => {
  const { s, next } = await harness(t);
  t.equal(s.send(0, 'x'), false);
  t.equal(s.getLastError(), ErrorCode.SESSION_INVALID_ID);
  t.equal(s.send(-1, 'x'), false);
  t.equal(s.getLastError(), ErrorCode.SESSION_INVALID_ID);
  t.equal(s.send(9999, 'x'), false);
  t.equal(s.getLastError(), ErrorCode.SESSION_NOT_EXIST);
  const c = await client(s.port);
  t.teardown(() => c.destroy());
  const [, fd] = await next('connect');
  t.equal(s.send(fd as number, ''), false);
  t.equal(s.getLastError(), ErrorCode.NO_PAYLOAD);
  for (const f of ['pause', 'resume', 'confirm', 'protect'] as const) {
    t.equal(s[f](9999), false, f);
    t.equal(s.getLastError(), ErrorCode.SESSION_NOT_EXIST);
  }
});

t.test('clause:server.base.close-reset — close(fd, true) drops the unsent queue', async (t) => {
  const { s, next } = await harness(t);
  const c = net.connect({ port: s.port, host: '127.0.0.1' });
  c.pause(); // the client does not read, so output queues up
  await once(c, 'connect');
  const [, fd] = await next('connect');
  const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
  t.equal(s.send(fd as number, big), true);
  t.equal(s.close(fd as number, true), true);
  const all = readAll(c);
  c.resume();
  const got = await all;
  t.ok(got.length < big.length, `client read ${got.length} < ${big.length} bytes, then EOF`);
});

t.test('clause:server.base.close-flush — close(fd) flushes pending output first', async (t) => {
  const { s, next } = await harness(t);
  const c = net.connect({ port: s.port, host: '127.0.0.1' });
  c.pause();
  await once(c, 'connect');
  const [, fd] = await next('connect');
  const big = Buffer.alloc(4 * 1024 * 1024, 0x62);
  t.equal(s.send(fd as number, big), true);
  t.equal(s.close(fd as number), true);
  const all = readAll(c);
  c.resume();
  t.equal((await all).length, big.length);
});

t.test('clause:server.base.delay-receive — unconfirmed connections are not read until confirm()', async (t) => {
  const { s, next, log } = await harness(t, undefined, { enable_delay_receive: true });
  const a = await client(s.port);
  t.teardown(() => a.destroy());
  const [, fdA] = await next('connect');
  await new Promise<void>((r) => a.write('held', () => r()));
  // Handshake instead of a sleep: B is confirmed and echoes; by the time B's bytes are read,
  // A's earlier bytes sit in the kernel and would have been read were A not held.
  const b = await client(s.port);
  t.teardown(() => b.destroy());
  const [, fdB] = await next('connect');
  t.equal(s.confirm(fdB as number), true);
  b.write('ping');
  const [, rfd] = await next('receive');
  t.equal(rfd, fdB);
  t.notOk(log.some((e) => e[0] === 'receive' && e[1] === fdA), 'nothing from A yet');
  t.same(s.getClientList(), [fdA, fdB], 'unconfirmed A is listed');
  t.equal(s.confirm(fdA as number), true);
  const [, fd2, , data] = await next('receive');
  t.same([fd2, String(data)], [fdA, 'held']);
  t.equal(s.confirm(fdA as number), true, 'confirm again is true');
});

t.test('clause:server.base.pause — pause stops reading, resume delivers what waited', async (t) => {
  const { s, next } = await harness(t);
  const a = await client(s.port);
  t.teardown(() => a.destroy());
  const [, fd] = await next('connect');
  t.equal(s.pause(fd as number), true);
  t.equal(s.pause(fd as number), true, 'pause twice');
  await new Promise<void>((r) => a.write('one\n', () => r()));
  t.equal(s.resume(fd as number), true);
  const [, , , data] = await next('receive');
  t.match(String(data), /^one\n/);
});

t.test('clause:server.session.client-list and clause:server.session.bind on a live server', async (t) => {
  const { s, next } = await harness(t);
  const cs = [await client(s.port), await client(s.port), await client(s.port)];
  t.teardown(() => cs.forEach((c) => c.destroy()));
  for (let i = 0; i < 3; i++) await next('connect');
  t.same(s.getClientList(), [1, 2, 3]);
  t.same(s.getClientList(1, 1), [2]);
  t.equal(s.getClientList(0, 101), false);
  t.equal(s.bind(2, 839922), true);
  t.equal(s.bind(2, 5), false);
  t.equal((s.getClientInfo(2) as Record<string, unknown>).uid, 839922);
  t.equal(s.bind(2, 2 ** 32 + 7), false);
  t.equal(s.getLastError(), ErrorCode.INVALID_PARAMS);
});

t.test('clause:server.base.heartbeat — idle connections closed (FIN, onClose rid 0); protect exempts', async (t) => {
  const { s, next } = await harness(t, undefined, { heartbeat_check_interval: 1, heartbeat_idle_time: 1 });
  const quiet = await client(s.port);
  const kept = await client(s.port);
  t.teardown(() => { quiet.destroy(); kept.destroy(); });
  const [, fd1] = await next('connect');
  const [, fd2] = await next('connect');
  t.equal(s.protect(fd2 as number), true);
  t.same(s.heartbeat(false), [], 'nobody idle yet');
  const eof = once(quiet, 'end');
  const [, cfd, rid] = await next('close');
  await eof;
  t.same([cfd, rid], [fd1, 0]);
  t.equal(s.exist(fd2 as number), true, 'protected connection stays');
});

t.test('clause:server.base.heartbeat-off — heartbeat() is false without heartbeat settings', async (t) => {
  const { s } = await harness(t);
  t.equal(s.heartbeat(), false);
});

t.test('clause:server.base.listeners — addListener port 0, per-port onReceive, unix stream socket removed at shutdown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'srv-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 's.sock');
  const s = new Server('127.0.0.1', 0);
  const seen: string[] = [];
  s.on('receive', (_x: Server, fd: number, _r: number, d: Buffer) => { seen.push(`main:${d}`); s.send(fd, 'm'); });
  const p2 = s.addListener('127.0.0.1', 0, SWOOLE_SOCK_TCP);
  const pu = s.addListener(path, 0, SWOOLE_SOCK_UNIX_STREAM);
  if (p2 === false || pu === false) throw new Error('addListener failed');
  t.ok(p2.port > 0 && p2.port !== s.port, 'real port before start');
  p2.on('receive', (_x: Server, fd: number, _r: number, d: Buffer) => { seen.push(`p2:${d}`); s.send(fd, '2'); });
  t.equal(s.ports.length, 3);
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  const ask = async (c: net.Socket, msg: string) => { await once(c, 'connect'); const r = once(c, 'data'); c.write(msg); await r; c.destroy(); };
  await ask(net.connect(s.port, '127.0.0.1'), 'a');
  await ask(net.connect(p2.port, '127.0.0.1'), 'b');
  await ask(net.connect(path), 'c');
  t.same(seen, ['main:a', 'p2:b', 'main:c']);
  t.ok(existsSync(path));
  s.shutdown();
  t.equal(await run, true);
  t.notOk(existsSync(path), 'socket file removed');
});

t.test('clause:server.base.max-idle-time — closes when neither received nor sent for max_idle_time; sending keeps it open', async (t) => {
  let busyFd = 0;
  let timer: NodeJS.Timeout | undefined;
  const { s, next } = await harness(t, undefined, { max_idle_time: 0.3 });
  t.teardown(() => clearInterval(timer));
  const quiet = await client(s.port);
  const busy = await client(s.port);
  busy.on('data', () => {});
  t.teardown(() => { quiet.destroy(); busy.destroy(); });
  const [, fdQuiet] = await next('connect');
  [, busyFd] = (await next('connect')) as [string, number];
  timer = setInterval(() => s.send(busyFd, 'tick'), 50);
  const eof = once(quiet, 'end');
  const [, cfd] = await next('close');
  await eof;
  t.equal(cfd, fdQuiet);
  t.equal(s.exist(busyFd), true, 'the connection the server keeps writing to stays open');
});

t.test('clause:server.base.output-overflow — send() fails with 1009 once the unsent queue reaches socket_buffer_size', async (t) => {
  const { s, next } = await harness(t, undefined, { socket_buffer_size: '1M' });
  const c = net.connect({ port: s.port, host: '127.0.0.1' });
  c.pause(); // never reads, so the queue grows
  t.teardown(() => c.destroy());
  await once(c, 'connect');
  const [, fd] = await next('connect');
  const chunk = Buffer.alloc(256 * 1024, 0x63);
  let sent = 0;
  let ok = true;
  for (let i = 0; i < 200 && ok; i++) {
    ok = s.send(fd as number, chunk);
    if (ok) sent++;
  }
  t.equal(ok, false, 'a send was refused');
  t.equal(s.getLastError(), ErrorCode.OUTPUT_BUFFER_OVERFLOW);
  const info = s.getClientInfo(fd as number) as Record<string, number>;
  t.ok((info.send_queued_bytes ?? 0) >= 1024 * 1024, `send_queued_bytes ${info.send_queued_bytes} reflects the queue`);
  t.equal((s.stats() as Record<string, number>).response_count, sent, 'refused sends are not counted');
});

t.test('clause:server.base.before-start — calls before start() fail; single-process ids and pids', async (t) => {
  const s = new Server('127.0.0.1', 0);
  s.on('receive', () => {});
  t.equal(s.send(1, 'x'), false);
  t.equal(s.close(1), false);
  t.equal(s.stats(), false);
  t.equal(s.getClientList(), false);
  t.equal(s.bind(1, 1), false);
  t.equal(s.heartbeat(), false);
  t.equal(s.exist(1), false);
  t.equal(s.shutdown(), false);
  t.equal(s.getWorkerId(), false);
  t.equal(s.getWorkerPid(), false);
  t.equal(s.getMasterPid(), 0);
  t.equal(s.getManagerPid(), 0);
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  t.equal(s.getWorkerId(), 0);
  t.equal(s.getWorkerPid(), process.pid);
  t.equal(s.getMasterPid(), process.pid);
  t.equal(s.getManagerPid(), 0);
  t.equal(s.reload(), false, 'single-process mode cannot reload');
  t.equal(s.getLastError(), ErrorCode.OPERATION_NOT_SUPPORT);
  s.shutdown();
  t.equal(await run, true);
});

t.test('clause:server.base.sigterm — SIGTERM runs workerStop, shutdown, and start() resolves true', async (t) => {
  const s = new Server('127.0.0.1', 0);
  const events: string[] = [];
  s.on('receive', () => {});
  const ready = new Promise<void>((r) => {
    for (const e of ['workerStart', 'workerStop', 'shutdown']) s.on(e, () => { events.push(e); if (e === 'workerStart') r(); });
  });
  const run = s.start();
  await ready;
  const before = process.listenerCount('SIGTERM');
  process.kill(process.pid, 'SIGTERM');
  t.equal(await run, true);
  t.same(events, ['workerStart', 'workerStop', 'shutdown']);
  t.equal(process.listenerCount('SIGTERM'), before - 1, 'the handler is removed after shutdown');
});

t.test('clause:server.base.mode — the constructor accepts BASE and PROCESS only', async (t) => {
  for (const mode of [0, 3, 99]) {
    t.throws(() => new Server('127.0.0.1', 0, mode), { code: ErrorCode.INVALID_PARAMS }, `mode ${mode}`);
  }
  // PROCESS and multi-worker modes run worker processes (test/server/multi-process.test.ts);
  // task workers need onTask (S8); task_ipc_mode 2/4 are refused. (UDP with worker processes
  // works: test/server/dgram-workers.test.ts.)
  const tasks = new Server('127.0.0.1', 0);
  tasks.on('receive', () => {});
  tasks.set({ task_worker_num: 1 });
  await t.rejects(tasks.start(), { code: ErrorCode.SERVER_INVALID_CALLBACK, message: "require 'onTask' callback" }, 'task workers without onTask: refused');
  t.equal(tasks.ports[0]!.fd, -1, 'and the port is released');
  const queue = new Server('127.0.0.1', 0);
  queue.on('receive', () => {});
  queue.on('task', () => {});
  queue.set({ task_worker_num: 1, task_ipc_mode: 2 });
  await t.rejects(queue.start(), { code: ErrorCode.OPERATION_NOT_SUPPORT }, 'task_ipc_mode 2: refused');
});

t.test('clause:server.base.port-api — Port.set takes port options only, keeps its own setting; on()/set() refused after start', async (t) => {
  const s = new Server('127.0.0.1', 0);
  s.on('receive', () => {});
  const p = s.addListener('127.0.0.1', 0);
  if (p === false) throw new Error('addListener failed');
  t.equal(p.setting, null, 'no own setting until set()');
  const codes: string[] = [];
  const w = (e: Error & { code?: string }) => codes.push(String(e.code));
  process.on('warning', w);
  t.equal(p.set({ heartbeat_idle_time: 5, worker_num: 3 }), true);
  await new Promise((r) => setImmediate(r));
  process.off('warning', w);
  t.same(codes, [String(ErrorCode.INVALID_OPTION)], 'worker_num is not a port option');
  t.equal(p.setting?.heartbeat_idle_time, 5);
  t.throws(() => p.set({ package_eof: '' }), { code: ErrorCode.INVALID_EOF });
  t.equal(p.on('nosuch', () => {}), false);
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  t.equal(p.set({ heartbeat_idle_time: 1 }), false);
  t.equal(p.on('receive', () => {}), false);
  t.equal(s.addListener('127.0.0.1', 0), false, 'addListener after start');
  s.shutdown();
  t.equal(await run, true);
});

t.test('clause:server.base.max-connection — beyond max_connection a new connection is closed with warning 9002 and no onConnect', async (t) => {
  const { s, next, log } = await harness(t, undefined, { max_connection: 1 });
  const a = await client(s.port);
  t.teardown(() => a.destroy());
  await next('connect');
  // Listening from here: a warning an earlier test emitted (delivered on a later tick) is not ours.
  const codes: string[] = [];
  const w = (e: Error & { code?: string }) => codes.push(String(e.code));
  process.on('warning', w);
  t.teardown(() => process.off('warning', w));
  const b = net.connect(s.port, '127.0.0.1');
  b.on('error', () => {});
  await new Promise((r) => b.on('close', r));
  await new Promise((r) => setImmediate(r));
  t.equal(log.filter((e) => e[0] === 'connect').length, 1, 'no onConnect for the refused one');
  t.same(codes, [String(ErrorCode.SERVER_TOO_MANY_SOCKET)]);
  t.same((s.stats() as Record<string, number>).accept_count, 1);
});
