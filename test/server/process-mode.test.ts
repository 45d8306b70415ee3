/**
 * PROCESS mode and load: dispatch, crash recovery, send errors, stats across processes, 1,000 connections, slowloris, partial frames, unix listeners.
 * Real processes (fixtures/app.ts re-run as workers), every one reaped (mp-harness.ts).
 */

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameClient, app, frame, onEveryWorker, type Stats, type Who } from './mp-harness.ts';

t.test('clause:server.process.worker-death-keeps-connections PROCESS: SIGKILL during a request: no connection lost, queued frames go to the replacement in order', async (t) => {
  const { a, port } = await app(t, 'process', 1);
  const c = await FrameClient.connect(t, port);
  const bystander = await FrameClient.connect(t, port);
  const first = await c.json<Who>('who');
  t.equal(await bystander.request('echo:b1'), 'b1');
  const from = a.events.length;
  c.send('block');
  await a.wait((e) => e.ev === 'Blocked', 20000, from);
  // Sent while the worker is stuck: the master queues them on the worker's channel.
  for (const n of ['one', 'two', 'three']) c.send(`echo:${n}`);
  bystander.send('echo:b2');
  process.kill(first.pid, 'SIGKILL');
  t.same([await c.next(), await c.next(), await c.next()], ['one', 'two', 'three'], 'delivered to the replacement, in order');
  t.equal(await bystander.next(), 'b2', 'the other connection too');
  const again = await c.json<Who>('who');
  t.equal(again.id, 0, 'same worker id');
  t.not(again.pid, first.pid, 'new pid');
  t.equal(again.fd, first.fd, 'same session');
  t.notOk(c.replies.includes('unblocked'), 'the request in progress is lost');
  const later = a.events.slice(from);
  t.notOk(later.some((e) => e.ev === 'Close' || e.ev === 'Connect'), 'no onClose / onConnect for the kept connections');
  const err = later.find((e) => e.ev === 'WorkerError')!;
  t.same([err.id, err.wpid, err.signal], [0, first.pid, 9]);
  // Frames that reached the worker in the same datagram as the one it dies on (one client
  // write, one master turn) are taken back from its progress and re-sent too.
  const from2 = a.events.length;
  c.sock.write(Buffer.concat([frame('block'), frame('echo:four'), frame('echo:five')]));
  await a.wait((e) => e.ev === 'Blocked', 20000, from2);
  process.kill(again.pid, 'SIGKILL');
  t.same([await c.next(), await c.next()], ['four', 'five'], 'the rest of the datagram in hand reaches the replacement');
  t.not((await c.json<Who>('who')).pid, again.pid);
  await a.stop();
  t.equal(await c.ended, 'end', 'closed only at shutdown');
});

t.test('clause:server.multi.max-request PROCESS max_request is exact even for pipelined frames: the rest goes to the replacement', async (t) => {
  const { a, port } = await app(t, 'process', 1, {}, { max_request: 2 });
  const c = await FrameClient.connect(t, port);
  c.sock.write(Buffer.concat(Array.from({ length: 6 }, () => frame('who'))));
  const pids: number[] = [];
  for (let k = 0; k < 6; k++) pids.push((JSON.parse(await c.next()) as Who).pid);
  t.same([pids[0] === pids[1], pids[1] !== pids[2], pids[2] === pids[3], pids[3] !== pids[4], pids[4] === pids[5]], [true, true, true, true, true], `2 requests per process: ${pids.join(',')}`);
  await a.stop();
});

t.test('clause:server.process.dispatch-fdmod PROCESS dispatch_mode 2: every frame of a connection goes to socket_fd % worker_num', async (t) => {
  const { a, port } = await app(t, 'process', 2);
  const seen = new Set<number>();
  for (let i = 0; i < 6; i++) {
    const c = await FrameClient.connect(t, port);
    const info = await c.json<Record<string, number>>('info');
    const ids = new Set<number>();
    for (let k = 0; k < 5; k++) ids.add((await c.json<Who>('who')).id);
    t.same([...ids], [info.socket_fd! % 2], `connection ${i}: socket fd ${info.socket_fd} sticks to one worker`);
    seen.add([...ids][0]!);
  }
  t.equal(a.events.filter((e) => e.ev === 'Connect').length, 6, 'hash mode keeps onConnect');
  await a.stop();
});

t.test('clause:server.process.dispatch-round PROCESS dispatch_mode 1: frames alternate; onConnect/onClose are removed (S12)', async (t) => {
  const { a, port } = await app(t, 'process', 2, {}, { dispatch_mode: 1 });
  const c = await FrameClient.connect(t, port);
  const ids: number[] = [];
  for (let k = 0; k < 4; k++) ids.push((await c.json<Who>('who')).id);
  t.same(ids, [ids[0], 1 - ids[0]!, ids[0], 1 - ids[0]!], 'round robin');
  c.sock.end();
  await c.ended;
  const d = await FrameClient.connect(t, port);
  await d.request('echo:x');
  t.notOk(a.events.some((e) => e.ev === 'Connect' || e.ev === 'Close'), 'clause:server-dispatch.mode.unsafe-events no onConnect / onClose');
  t.match(a.stderr, /cannot set 'onConnect' event when using dispatch_mode=1/);
  await a.stop();
});

t.test('clause:server.process.dispatch-func PROCESS dispatch_func picks the worker; -1 discards the frame (S11)', async (t) => {
  // The fixture's SRV_DISPATCH=to1 routes "who" to worker 1 and discards "DROP".
  const { a, port } = await app(t, 'process', 2, { SRV_DISPATCH: 'to1' });
  const c = await FrameClient.connect(t, port);
  for (let k = 0; k < 3; k++) t.equal((await c.json<Who>('who')).id, 1);
  c.send('DROP');
  t.equal(await c.request('echo:next'), 'next', 'the discarded frame got no reply; the next one did');
  t.match(a.stderr, /invalid target worker-id/);
  await a.stop();
});

t.test('clause:server.process.send-errors PROCESS send(): unknown session 1005, a session the worker saw close 1004, also inside onClose (S36, h5)', async (t) => {
  const { a, port } = await app(t, 'process', 1);
  const c = await FrameClient.connect(t, port);
  t.same(await c.json('send:999,x'), { ok: false, err: 1005 });
  const d = await FrameClient.connect(t, port);
  const dWho = await d.json<Who>('who');
  t.equal((await c.json(`send:${dWho.fd},hi`)).ok, true, 'a worker may send to any live session');
  t.equal(await d.next(), 'hi');
  d.sock.end();
  const closed = await a.wait((e) => e.ev === 'Close' && e.fd === dWho.fd);
  t.same([closed.sendInClose, closed.err], [false, 1004], 'send inside onClose fails with 1004');
  t.ok((closed.rid as number) >= 0, 'peer close: a real reactor id, not -1');
  t.same(await c.json(`send:${dWho.fd},x`), { ok: false, err: 1004 });
  t.same(await c.json(`close:${dWho.fd}`), { ok: false });
  t.same(await c.json(`exist:${dWho.fd}`), { exist: false });
  await a.stop();
});

t.test('clause:server.multi.stats stats() counts across workers exactly; worker_* counts are the caller\'s (S33, h14)', async (t) => {
  const { a, port } = await app(t, 'base', 2);
  const owners = await onEveryWorker(t, port, 2);
  const x = owners.get(0)!;
  const y = owners.get(1)!;
  const s0 = await x.c.json<Stats>('stats');
  for (let k = 0; k < 3; k++) await x.c.request('echo:abc');
  for (let k = 0; k < 5; k++) await y.c.request('echo:abc');
  const st = await x.c.json<Stats>('stats');
  const accepts = st.accept_count!;
  t.equal(st.connection_num, accepts - st.close_count!, 'connection_num = accepted - closed');
  t.equal(st.request_count! - s0.request_count!, 3 + 5 + 1, 'request_count over both workers (each stats call counts itself)');
  t.equal(st.worker_request_count! - s0.worker_request_count!, 3 + 1, "worker_request_count is the caller's");
  t.equal(st.response_count! - s0.response_count!, 1 + 3 + 5, 'response_count: every reply sent since, by either worker');
  t.equal(st.total_recv_bytes! - s0.total_recv_bytes!, 8 * (4 + 8) + (4 + 5), 'received bytes: whole frames');
  t.equal(st.worker_num, 2);
  t.equal(st.idle_worker_num, 1, 'the caller is busy, the other idle');
  t.equal(st.dispatch_count, st.request_count, 'BASE counts dispatch_count too (h14)');
  t.equal(st.worker_dispatch_count, 0, 'worker_dispatch_count only moves in PROCESS mode');
  await a.stop();
  const p = await app(t, 'process', 2);
  const c = await FrameClient.connect(t, p.port);
  for (let k = 0; k < 4; k++) await c.request('echo:abcd');
  const ps = await c.json<Stats>('stats');
  t.same([ps.accept_count, ps.connection_num, ps.request_count, ps.dispatch_count, ps.response_count, ps.session_round], [1, 1, 5, 5, 4, 1], 'PROCESS: master and worker counts together');
  t.equal(ps.total_recv_bytes, 4 * (4 + 9) + (4 + 5), 'whole frames, as the decoder delivered them');
  t.equal(ps.worker_dispatch_count, ps.worker_request_count);
  await p.a.stop();
});

t.test('clause:server.multi.many-connections 1,000 concurrent connections, each answered', async (t) => {
  for (const mode of ['process', 'base'] as const) {
    const { a, port } = await app(t, mode, 2, { SRV_LOG: 'none' });
    const clients = await Promise.all(Array.from({ length: 1000 }, () => FrameClient.connect(t, port)));
    const replies = await Promise.all(clients.map((c, i) => c.request(`echo:${i}`)));
    t.same(replies, clients.map((_, i) => String(i)), `${mode}: every connection got its own reply`);
    const st = await clients[0]!.json<Stats>('stats');
    t.equal(st.connection_num, 1000, `${mode}: connection_num`);
    for (const c of clients) c.sock.destroy();
    await a.stop();
  }
});

t.test('clause:server.multi.slowloris a client sending 1 byte every 5 ms does not hold up other connections', async (t) => {
  for (const mode of ['process', 'base'] as const) {
    // BASE with one worker is the single-process server: same reactor for both clients.
    const { a, port } = await app(t, mode, 1);
    const slow = await FrameClient.connect(t, port);
    const fast = await FrameClient.connect(t, port);
    const bytes = frame(`echo:${'s'.repeat(60)}`);
    let sent = 0;
    let fastDone = -1;
    const dripping = (async () => {
      while (sent < bytes.length) {
        slow.sock.write(bytes.subarray(sent, sent + 1));
        sent++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const got: string[] = [];
    for (let k = 0; k < 30; k++) got.push(await fast.request(`echo:${k}`));
    fastDone = sent;
    t.same(got, Array.from({ length: 30 }, (_, k) => String(k)));
    t.ok(fastDone < bytes.length, `${mode}: 30 round trips done while the slow frame was at byte ${fastDone} of ${bytes.length}`);
    await dripping;
    t.equal(await slow.next(), 's'.repeat(60), `${mode}: the slow frame is delivered whole in the end`);
    await a.stop();
  }
});

t.test('clause:server.multi.partial-frame-no-state a client leaving mid-frame leaves no session and no onReceive', async (t) => {
  for (const mode of ['process', 'base'] as const) {
    const { a, port } = await app(t, mode, 1);
    const quitter = await FrameClient.connect(t, port);
    const qWho = await quitter.json<Who>('who');
    const from = a.events.length;
    quitter.sock.write(frame('echo:never-finished').subarray(0, 9));
    quitter.sock.end();
    await quitter.ended;
    await a.wait((e) => e.ev === 'Close' && e.fd === qWho.fd, 20000, from);
    const c = await FrameClient.connect(t, port);
    const me = await c.json<Who>('who');
    t.same(await c.json('list'), [me.fd], `${mode}: only the live session is listed`);
    const st = await c.json<Stats>('stats');
    t.same([st.connection_num, st.close_count, st.request_count], [1, 1, 4], `${mode}: counters: the partial frame was never a request`);
    t.same(await c.json(`exist:${qWho.fd}`), { exist: false });
    await a.stop();
  }
});

t.test('clause:server.multi.unix-listener a unix stream listener works with worker processes; its file is 0600 and removed at shutdown', async (t) => {
  for (const mode of ['base', 'process'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'srv-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 's.sock');
    const { a } = await app(t, mode, 2, { SRV_UNIX: path });
    t.equal(statSync(path).mode & 0o777, 0o600, `${mode}: socket file mode`);
    const sock = net.connect(path);
    t.teardown(() => void sock.destroy());
    await once(sock, 'connect');
    const c = new FrameClient(sock);
    t.equal(await c.request('echo:over-unix'), 'over-unix');
    await a.stop();
    t.notOk(existsSync(path), `${mode}: socket file removed`);
  }
});

t.test('clause:server.process.delay-receive PROCESS enable_delay_receive: the master holds a connection unread until a worker confirms it (S38, h8)', async (t) => {
  const { a, port } = await app(t, 'process', 2, {}, { enable_delay_receive: true });
  const held = await FrameClient.connect(t, port); // session 1: not confirmed by onConnect
  await a.wait((e) => e.ev === 'Connect' && e.fd === 1);
  held.send('echo:held');
  const other = await FrameClient.connect(t, port); // session 2: confirmed in onConnect
  for (let k = 0; k < 3; k++) t.equal(await other.request(`echo:${k}`), String(k));
  t.same(held.replies, [], 'nothing read from the unconfirmed connection');
  t.same(await other.json('confirm:1'), { ok: true }, 'confirm from any worker');
  t.equal(await held.next(), 'held', 'its data is delivered once confirmed');
  await a.stop();
});

t.test('clause:server.process.max-queued-bytes max_queued_bytes: the master stops reading a connection whose frames wait for a busy worker, and resumes when it catches up (S45)', async (t) => {
  const limit = 64 * 1024;
  const { a, port } = await app(t, 'process', 2, {}, { max_queued_bytes: limit });
  const owners = await onEveryWorker(t, port, 2);
  const [slow, other] = [owners.get(0)!, owners.get(1)!];
  const stats = async (): Promise<number> => (await other.c.json<Stats>('stats')).dispatch_count!;
  const before = await stats();
  // Worker 0 is busy for a while; its connection then sends 200 frames of 4 KiB (800 KiB).
  slow.c.send('hold:1500');
  const body = 'x'.repeat(4096);
  const n = 200;
  for (let i = 0; i < n; i++) slow.c.send(`echo:${i}:${body}`);
  await new Promise<void>((r) => slow.c.sock.write(Buffer.alloc(0), () => r()));
  // Many round trips through the master: without the limit it would have read and dispatched
  // all 800 KiB by the last of them.
  let seen = 0;
  for (let q = 0; q < 40; q++) seen = (await stats()) - before - (q + 1);
  const bound = Math.ceil(limit / 4096) + 1 + 32; // the limit, the hold frame, up to two 64 KiB reads already under way
  t.ok(seen < n && seen <= bound, `the master dispatched ${seen} of the ${n} frames while the worker was busy (bound ${bound})`);
  t.equal(await slow.c.next(), 'held', 'the worker finished its hold');
  for (let i = 0; i < n; i++) {
    const r = await slow.c.next();
    if (r !== `${i}:${body}`) {
      t.fail(`frame ${i} came back wrong (${r.slice(0, 20)}…)`);
      break;
    }
  }
  t.pass('then every frame was read, dispatched and echoed in order');
  await a.stop();
});

t.test('clause:server.process.worker-death-keeps-connections PROCESS: frames longer than one channel datagram reach the worker whole (pieces sized for the R_SEQ header too)', async (t) => {
  const { a, port } = await app(t, 'process', 1, {}, { package_max_length: 4 * 1024 * 1024 });
  const c = await FrameClient.connect(t, port);
  for (const n of [65516, 65530, 65536, 200_000]) {
    const body = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    t.equal(await c.request(`echo:${body}`), body, `a ${n}-byte echo body comes back unchanged`);
  }
  await a.stop();
});
