import t from 'tap';
import type { Test } from 'tap';
import { once } from 'node:events';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as os } from 'node:os';
import { EventApp } from '../event-app.ts';
import { reaped } from './mp-harness.ts';
import { UdpClient, UnixDgramClient } from './dgram-client.ts';
import { datagramDispatchKey } from '../../reference/server/packet.ts';
import { ErrorCode } from '../../reference/errors.ts';
import { loadNative } from '../../reference/native/loader.ts';

const fixture = fileURLToPath(new URL('./fixtures/dgram-app.ts', import.meta.url));
const UDP_KEYS = ['server_socket', 'dispatch_time', 'server_port', 'address', 'port'];
const UNIX_KEYS = ['server_socket', 'dispatch_time', 'server_port', 'address'];

function privateDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'swc-dgram-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function dgramApp(t: Test, mode: 'base' | 'process', workers: number, settings: Record<string, unknown> = {}, extra: Record<string, string> = {}) {
  const dir = privateDir(t);
  const unixPath = join(dir, 'srv.sock');
  // Where the user process sends its one datagram.
  const sink = dgram.createSocket('udp4');
  t.teardown(() => sink.close());
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  const fromUser = once(sink, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
  const env = { ...process.env, SRV_MODE: mode, SRV_WORKERS: String(workers), SRV_UNIX_DGRAM: unixPath, SRV_USER_PORT: String(sink.address().port), SRV_SETTINGS: JSON.stringify(settings), ...extra };
  const a: EventApp = new EventApp(t, fixture, env, { waitMs: 20000, teardown: () => reaped(a.events.map((e) => e.pid)) });
  await a.started(workers + 1); // the event workers and the task worker
  const port = (await a.wait((e) => e.ev === 'ManagerStart')).port as number;
  return { a, dir, unixPath, port, fromUser };
}

async function stop(t: Test, a: EventApp, unixPath: string): Promise<void> {
  process.kill(a.proc.pid!, 'SIGTERM');
  const ret = await a.wait((e) => e.ev === 'Return');
  t.equal(ret.ret, true, 'start() resolved true after shutdown');
  await a.exited;
  t.notOk(existsSync(unixPath), 'clause:server.dgram.unix-port — the socket file is removed at shutdown');
}

type Who = { id: number; pid: number; keys: string[]; info: Record<string, unknown> };
type Verdict = { ok: boolean; err: number };

/** The checks both modes share: task worker and user process sendto, bad input, sizes, stats. */
async function common(t: Test, mode: 'base' | 'process', app: Awaited<ReturnType<typeof dgramApp>>, u: UdpClient, x: UnixDgramClient, workers: number): Promise<void> {
  const { port, dir, fromUser } = app;
  // clause:server.dgram.sendto-anywhere: a task worker and a user process reply on the inherited socket.
  const fromTask = await u.request('task');
  t.same(JSON.parse(fromTask.data.toString()), { from: 'task', id: workers, task: true }, 'clause:server.dgram.sendto-anywhere — a task worker sendto()s to the peer');
  t.equal(fromTask.port, port, 'from the server port');
  const fromTaskUnix = await x.request('task');
  t.same([JSON.parse(fromTaskUnix.data.toString()).from, fromTaskUnix.address], ['task', x.serverPath], 'the task worker answers a unix peer from the server path');
  const [userData, userFrom] = await fromUser;
  t.same([String(userData), userFrom.port], ['from-user', port], 'a user process sendto()s from the server port');

  // h9: the largest datagrams arrive whole (PROCESS: across the channel's 64 KiB records).
  const maxUdp = Buffer.concat([Buffer.from('len:'), Buffer.alloc(65507 - 8, 0x78), Buffer.from([1, 2, 3, 4])]);
  const gotUdp = await u.json<{ len: number; tail: string }>(maxUdp);
  t.same([gotUdp.len, gotUdp.tail], [65507, '01020304'], `clause:server.udp.packet — ${mode}: a 65,507-byte datagram, whole`);
  const bigUnix = Buffer.concat([Buffer.from('len:'), Buffer.alloc(150000 - 8, 0x78), Buffer.from([5, 6, 7, 8])]);
  const gotUnix = await x.json<{ len: number; tail: string }>(bigUnix);
  t.same([gotUnix.len, gotUnix.tail], [150000, '05060708'], 'a 150,000-byte unix datagram, whole');

  // clause:server.dgram.send-errors
  const bad = await u.json<Record<string, Verdict>>('bad');
  t.same(bad, {
    notIp: { ok: false, err: ErrorCode.INVALID_PARAMS },
    port0: { ok: false, err: ErrorCode.INVALID_PARAMS },
    noUdp6: { ok: false, err: ErrorCode.WRONG_OPERATION },
    session: { ok: false, err: ErrorCode.SESSION_NOT_EXIST },
    badSocket: { ok: false, err: ErrorCode.INVALID_PARAMS },
    empty: { ok: false, err: ErrorCode.NO_PAYLOAD },
  }, `clause:server.dgram.send-errors — ${mode}: bad address, port, family, session, server_socket, payload`);
  t.same(await u.json<Verdict>('big:65508'), { ok: false, err: os.errno.EMSGSIZE }, 'a UDP reply above 65,507 bytes: false, EMSGSIZE');
  t.equal((await u.request('big:65507')).data.length, 65507, '65,507 bytes go out whole');
  t.same(await x.json<Verdict>(`path:${join(dir, 'none.sock')}`), { ok: false, err: os.errno.ENOENT }, 'a unix peer path that does not exist: ENOENT');
  const stale = join(dir, 'stale.sock');
  loadNative().close(loadNative().bindUnixDgram(stale)); // a file nobody reads any more
  t.same(await x.json<Verdict>(`path:${stale}`), { ok: false, err: os.errno.ECONNREFUSED }, 'a peer that went away: ECONNREFUSED');
  t.equal((await x.request('big:100000')).data.length, 100000, 'unix dgram carries more than a UDP datagram');
  t.same(await x.json<Verdict>('big:400000'), { ok: false, err: os.errno.EMSGSIZE }, 'above the socket buffer: EMSGSIZE');
  t.same(await x.json<Verdict>('path:relative.sock'), { ok: false, err: ErrorCode.SESSION_INVALID_ID }, 'send() to a string that is not an absolute path');
  t.ok((await u.json<Who>('who')).pid > 0, 'the server still serves after every refusal');

  // clause:server.dgram.stats
  const before = await u.json<Record<string, number>>('stats');
  for (let i = 0; i < 3; i++) await u.json('who');
  const after = await u.json<Record<string, number>>('stats');
  t.equal(after.request_count! - before.request_count!, 4, 'clause:server.dgram.stats — request_count counts every onPacket, in every worker');
  t.equal(after.dispatch_count! - before.dispatch_count!, mode === 'process' ? 4 : 0, 'dispatch_count moves only when the PROCESS master dispatches');
  t.same([after.connection_num, after.accept_count, after.total_recv_bytes], [0, 0, 0], 'no connections, no stream bytes');
}

t.test('clause:server.dgram.base-workers — multi-worker BASE: every worker reads the shared datagram sockets and replies from the server port / path', async (t) => {
  const app = await dgramApp(t, 'base', 2);
  const { a, dir, unixPath, port } = app;
  t.equal(statSync(unixPath).mode & 0o777, 0o600, 'clause:server.dgram.unix-port — the socket file is 0600');
  const u = await UdpClient.open(t, port);
  const w = await u.request('who');
  const who = JSON.parse(w.data.toString()) as Who;
  t.same(who.keys, UDP_KEYS, 'clause:server.dgram.client-info — UDP keys in a BASE worker');
  t.same([who.info.address, who.info.port, who.info.server_port], ['127.0.0.1', u.port, port]);
  t.equal(w.port, port, 'the reply came from the server port');

  // One worker is busy: the other one must read everything that comes next on the same socket.
  const holder = await UdpClient.open(t, port);
  const marker = join(dir, 'release');
  holder.send(`hold:${marker}`);
  const held = await a.wait((e) => e.ev === 'Holding');
  const served = new Set<number>();
  for (let i = 0; i < 4; i++) served.add((await u.json<Who>('who')).id);
  t.same([...served], [1 - held.id!], 'while one worker is busy, the other serves every datagram');
  writeFileSync(marker, '');
  t.same(JSON.parse((await holder.next()).data.toString()), { held: held.id }, 'the busy worker answers once released');

  const x = new UnixDgramClient(t, join(dir, 'c.sock'), unixPath);
  const ux = await x.request('who');
  const uwho = JSON.parse(ux.data.toString()) as Who;
  t.same(uwho.keys, UNIX_KEYS, 'clause:server.dgram.client-info — unix dgram: no port key');
  t.same([uwho.info.address, uwho.info.server_port, ux.address], [x.path, 0, unixPath], 'address is the client path; the reply comes from the server path');

  await common(t, 'base', app, u, x, 2);
  await stop(t, a, unixPath);
});

t.test('clause:server.dgram.process-dispatch — PROCESS: the master reads, dispatch_mode 2 keys on the peer address, the worker replies on the inherited socket', async (t) => {
  const app = await dgramApp(t, 'process', 2);
  const { a, dir, unixPath, port } = app;
  const u = await UdpClient.open(t, port);
  const v = await UdpClient.open(t, port);
  const expected = datagramDispatchKey('udp', '127.0.0.1') % 2;
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) ids.push((await u.json<Who>('who')).id, (await v.json<Who>('who')).id);
  t.same(ids, ids.map(() => expected), 'one peer address: one worker, whatever the peer port');
  const w = await u.request('who');
  const who = JSON.parse(w.data.toString()) as Who;
  t.same(who.keys, UDP_KEYS, 'clause:server.dgram.client-info — UDP keys in a PROCESS worker');
  t.same([who.info.address, who.info.port, who.info.server_port, typeof who.info.dispatch_time], ['127.0.0.1', u.port, port, 'number']);
  t.equal(w.port, port, 'the worker replied from the server port (its inherited socket)');
  t.not(who.pid, a.proc.pid, 'onPacket ran in a worker, not in the master');

  const x = new UnixDgramClient(t, join(dir, 'c.sock'), unixPath);
  const ux = await x.request('who');
  const uwho = JSON.parse(ux.data.toString()) as Who;
  t.same(uwho.keys, UNIX_KEYS, 'unix dgram keys in a PROCESS worker');
  t.same([uwho.info.address, ux.address], [x.path, unixPath]);
  t.equal(uwho.id, datagramDispatchKey('unix', x.path) % 2, 'a unix peer is keyed by its path');

  await common(t, 'process', app, u, x, 2);
  await stop(t, a, unixPath);
});

t.test('clause:server.dgram.process-dispatch — PROCESS dispatch_mode 1 spreads datagrams round-robin; dispatch_func sees type 1', async (t) => {
  const app = await dgramApp(t, 'process', 2, { dispatch_mode: 1 }, { SRV_DISPATCH_FUNC: '1' });
  const { a, unixPath, port } = app;
  const u = await UdpClient.open(t, port);
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) ids.push((await u.json<Who>('who')).id);
  t.same(ids, ids.map((_, i) => (ids[0]! + i) % 2), 'workers alternate (dispatch_func fell back to dispatch_mode 1)');
  for (let i = 0; i < 3; i++) t.equal((await u.json<Who>('who:to1')).id, 1, 'dispatch_func chose worker 1');
  u.send('DROP');
  t.equal(String((await u.request('echo')).data), '?echo', 'the discarded datagram got no onPacket: the next reply is the next request\'s');
  const seen = a.events.filter((e) => e.ev === 'Dispatch');
  t.same(new Set(seen.map((e) => e.type)), new Set([1]), 'dispatch_func gets type 1 (dgram) for every datagram');
  t.same(new Set(seen.map((e) => e.fd)), new Set([datagramDispatchKey('udp', '127.0.0.1')]), 'and the peer key as fd');
  t.ok(seen.some((e) => e.data === 'DROP'), 'with the data');
  await stop(t, a, unixPath);
});

t.test('clause:server.dgram.stats — an onPacket is a request for max_request (S24); a datagram queued meanwhile is read by the replacement', async (t) => {
  const app = await dgramApp(t, 'base', 1, { max_request: 2, max_request_grace: 0 });
  const { a, unixPath, port } = app;
  const u = await UdpClient.open(t, port);
  const first = await u.json<Who>('who');
  const second = await u.json<Who>('who');
  t.equal(second.pid, first.pid, 'the first two datagrams: one worker process');
  const third = await u.json<Who>('who');
  t.not(third.pid, first.pid, 'after max_request the replacement (same id, new pid) read the next datagram');
  t.equal(third.id, 0);
  await stop(t, a, unixPath);
});

t.test('clause:server.dgram.process-backlog — PROCESS: datagrams for a worker that takes nothing are dropped past pipe_buffer_size (warning 9006); the rest is served', async (t) => {
  const app = await dgramApp(t, 'process', 1, { pipe_buffer_size: 1 << 20 });
  const { a, dir, unixPath, port } = app;
  const u = await UdpClient.open(t, port);
  const marker = join(dir, 'release');
  u.send(`hold:${marker}`);
  await a.wait((e) => e.ev === 'Holding');
  // 24 MB for a held worker: more than its channel's kernel buffers plus 1 MiB in the master.
  const x = new UnixDgramClient(t, join(dir, 'c.sock'), unixPath, 4 << 20);
  const body = Buffer.concat([Buffer.from('sink:'), Buffer.alloc(60_000 - 5, 0x79)]);
  const N = 400;
  for (let i = 0; i < N; i++) {
    // The server's queue is short (net.unix.max_dgram_qlen); EAGAIN until the master reads more.
    while (x.trySend(body) === -os.errno.EAGAIN) await new Promise((r) => setImmediate(r));
  }
  const until = Date.now() + 20000;
  while (!/is not taking datagrams/.test(a.stderr) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  t.match(a.stderr, /\[9006\] SwooleWarning: worker 0 is not taking datagrams/, 'the master warned (9006) instead of growing');
  writeFileSync(marker, '');
  t.same(JSON.parse((await u.next()).data.toString()), { held: 0 }, 'the worker, released, answers');
  // In order on the one worker's channel: `sunk` comes after every datagram that was kept. It
  // is itself dropped while the backlog is still above the bound, so it is asked again until
  // one is answered.
  const reply = u.next();
  let answered = false;
  void reply.then(() => (answered = true));
  for (let i = 0; i < 200 && !answered; i++) {
    u.send('sunk');
    await Promise.race([reply, new Promise((r) => setTimeout(r, 100))]);
  }
  const { sunk } = JSON.parse((await reply).data.toString()) as { sunk: number };
  t.ok(sunk > 0 && sunk < N, `some datagrams were served (${sunk} of ${N}), the rest dropped`);
  t.ok((await u.json<Who>('who')).pid > 0, 'the server keeps serving');
  await stop(t, a, unixPath);
});
