/**
 * onBufferFull / onBufferEmpty on live servers: single-process in this process, BASE workers
 * through fixtures/app.ts. The client stops reading (so the kernel buffers fill and the
 * server's queue grows), then reads everything (so it drains).
 */
import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { Server } from '../../reference/server/server.ts';
import { singleServer } from './single-server.ts';
import { FrameClient, app, onEveryWorker } from './mp-harness.ts';

const PIECE = Buffer.alloc(256 * 1024, 0x61);

/** A promise and its resolver (the callbacks under test resolve what the test awaits). */
function signal<T = void>(): { p: Promise<T>; fire: (v: T) => void } {
  let fire!: (v: T) => void;
  const p = new Promise<T>((r) => (fire = r));
  return { p, fire };
}

/** Resolves with the byte count once the stream ends with `marker`. */
function readUntil(c: net.Socket, marker: string): Promise<number> {
  let got = 0;
  let tail = '';
  return new Promise((resolve) => {
    c.on('data', (d: Buffer) => {
      got += d.length;
      tail = (tail + d.toString('latin1')).slice(-marker.length);
      if (tail === marker) resolve(got);
    });
  });
}

const single = (t: Test, setup: (s: Server) => void, settings: Record<string, unknown>): Promise<Server> => singleServer(t, setup, settings);

t.test('clause:server.base.buffer-events single process: bufferFull inside the send() that crosses the high mark, bufferEmpty once drained to the low mark', async (t) => {
  const events: Array<[string, number, number]> = [];
  let sentBeforeFull = 0;
  let sent = 0;
  let fullAt = -1;
  const fullSeen = signal();
  const s = await single(t, (srv) => {
    srv.on('receive', (sv: Server, fd: number) => {
      // Send until bufferFull has run (it runs inside send()); bounded so a missing event fails.
      for (let i = 0; i < 400 && fullAt < 0; i++) {
        if (!sv.send(fd, PIECE)) break;
        sent += PIECE.length;
      }
      sentBeforeFull = sent;
    });
    srv.on('bufferFull', (sv: Server, fd: number) => {
      fullAt = sent + PIECE.length;
      events.push(['full', fd, Number((sv.getClientInfo(fd) as { send_queued_bytes: number }).send_queued_bytes)]);
      fullSeen.fire();
    });
    srv.on('bufferEmpty', (sv: Server, fd: number) => {
      events.push(['empty', fd, Number((sv.getClientInfo(fd) as { send_queued_bytes: number }).send_queued_bytes)]);
      sv.send(fd, 'END');
    });
  }, { buffer_high_watermark: 2 * 1024 * 1024, buffer_low_watermark: 0 });
  const c = net.connect(s.port, '127.0.0.1');
  t.teardown(() => void c.destroy());
  await once(c, 'connect');
  c.pause();
  c.write('go');
  // Read nothing until the server reports the full buffer, then everything.
  await fullSeen.p;
  t.equal(events[0]![0], 'full', 'bufferFull first');
  t.ok(events[0]![2] >= 2 * 1024 * 1024, `queued ${events[0]![2]} bytes: at least the high mark`);
  t.ok(sentBeforeFull > 0 && fullAt === sentBeforeFull, 'it ran inside the send() that crossed the mark, and the loop stopped there');
  const all = readUntil(c, 'END');
  c.resume();
  const got = await all;
  t.equal(got, sentBeforeFull + 3, 'every byte, then the reply sent from onBufferEmpty');
  t.same(events.map((e) => e[0]), ['full', 'empty'], 'once each');
  t.equal(events[1]![2], 0, 'bufferEmpty when the queue is down to buffer_low_watermark (0)');
});

t.test('clause:server.base.buffer-events with only onBufferEmpty, a send refused for overflow (1009) arms it', async (t) => {
  const refused = signal<number>();
  let empty = 0;
  const s = await single(t, (srv) => {
    srv.on('receive', (sv: Server, fd: number) => {
      for (let i = 0; i < 400; i++) {
        if (!sv.send(fd, PIECE)) {
          refused.fire(sv.getLastError());
          break;
        }
      }
    });
    srv.on('bufferEmpty', (sv: Server, fd: number) => {
      empty++;
      sv.send(fd, 'END');
    });
  }, { socket_buffer_size: 1024 * 1024 });
  const c = net.connect(s.port, '127.0.0.1');
  t.teardown(() => void c.destroy());
  await once(c, 'connect');
  c.pause();
  c.write('go');
  t.equal(await refused.p, 1009, 'send() refused: output buffer overflow');
  const all = readUntil(c, 'END');
  c.resume();
  await all;
  t.equal(empty, 1, 'bufferEmpty once, after the overflow drained');
});

t.test('clause:server.multi.buffer-events BASE workers: bufferFull and bufferEmpty run in the worker that owns the connection', async (t) => {
  const { a, port } = await app(t, 'base', 2, { SRV_BUFFER: '1' }, { buffer_high_watermark: 1024 * 1024 });
  const owners = await onEveryWorker(t, port, 2);
  const { c, who } = owners.get(1)!;
  const from = a.events.length;
  c.sock.pause();
  c.send('flood:256');
  const full = await a.wait((e) => e.ev === 'BufferFull', 20000, from);
  t.same({ pid: full.pid, fd: full.fd }, { pid: who.pid, fd: who.fd }, 'bufferFull in the owning worker, for that connection');
  t.ok(Number(full.queued) >= 1024 * 1024, 'at the high mark');
  c.sock.resume();
  const empty = await a.wait((e) => e.ev === 'BufferEmpty', 20000, from);
  t.same({ pid: empty.pid, fd: empty.fd, queued: empty.queued }, { pid: who.pid, fd: who.fd, queued: 0 }, 'bufferEmpty once drained');
  const flood = await a.wait((e) => e.ev === 'Flood', 20000, from);
  for (let i = 0; i < Number(flood.sent); i++) await c.next();
  t.equal(await c.request('echo:after'), 'after', 'the connection still serves');
  await a.stop();
});

t.test('clause:server.process.buffer-events PROCESS: the master watches its queue and bufferFull / bufferEmpty run in the connection\'s worker', async (t) => {
  const { a, port } = await app(t, 'process', 2, { SRV_BUFFER: '1' }, { buffer_high_watermark: 1024 * 1024 });
  const c = await FrameClient.connect(t, port);
  const who = await c.json<{ pid: number; fd: number }>('who');
  const from = a.events.length;
  // 16 MiB: more than the loopback kernel buffers absorb, so the master's own queue grows.
  c.sock.pause();
  c.send('flood:256');
  const flood = await a.wait((e) => e.ev === 'Flood', 20000, from);
  t.equal(flood.sent, 256, 'a PROCESS worker queues every send (the master holds the bytes)');
  const full = await a.wait((e) => e.ev === 'BufferFull', 20000, from);
  t.same({ pid: full.pid, fd: full.fd }, { pid: who.pid, fd: who.fd }, 'bufferFull in the worker that serves the connection');
  c.sock.resume();
  const empty = await a.wait((e) => e.ev === 'BufferEmpty', 20000, from);
  t.same({ pid: empty.pid, fd: empty.fd }, { pid: who.pid, fd: who.fd }, 'bufferEmpty there too, once drained');
  for (let i = 0; i < 256; i++) await c.next();
  // The worker logs the last bufferEmpty before it handles a later request of this connection, so
  // once a request that logs (flood:0 sends nothing) is in the log, every buffer event is too.
  const mark = a.events.length;
  c.send('flood:0');
  await a.wait((e) => e.ev === 'Flood', 20000, mark);
  // The worker's sends reach the master in batches: under load its queue can drain to the low
  // mark between two batches and fill again, so the rule is alternation, not a count.
  const seq = a.events.slice(from).filter((e) => e.ev === 'BufferFull' || e.ev === 'BufferEmpty').map((e) => e.ev);
  t.ok(seq.length >= 2 && seq.length % 2 === 0 && seq.every((ev, i) => ev === (i % 2 === 0 ? 'BufferFull' : 'BufferEmpty')), `full/empty alternate, starting with full (${seq.join(',')})`);
  t.equal(await c.request('echo:after'), 'after');
  await a.stop();
});

t.test('clause:server.process.buffer-events PROCESS with dispatch_mode 1: bufferFull / bufferEmpty are removed at start (9015): none runs even when the queue crosses the mark', async (t) => {
  const { a, port } = await app(t, 'process', 2, { SRV_BUFFER: '1', SRV_NO_CONNECT: '1' }, { buffer_high_watermark: 1024 * 1024, dispatch_mode: 1 });
  t.match(a.stderr, /cannot set 'onBufferFull' event when using dispatch_mode=1/, 'the removal is reported');
  const c = await FrameClient.connect(t, port);
  const from = a.events.length;
  c.sock.pause();
  c.send('flood:256');
  await a.wait((e) => e.ev === 'Flood', 20000, from);
  c.sock.resume();
  for (let i = 0; i < 256; i++) await c.next();
  t.equal(await c.request('echo:after'), 'after', 'everything delivered');
  t.notOk(a.events.slice(from).some((e) => e.ev === 'BufferFull' || e.ev === 'BufferEmpty'), 'no buffer events ran');
  await a.stop();
});
