/**
 * The reactor's side of framing, with a small stand-in decoder (newline frames, at most 8 bytes)
 * so these cases do not depend on reference/framing: frames → one onReceive each, however the
 * bytes were chunked; a decoder error closes at once with no onReceive and onClose still fires;
 * a partial frame at the peer's end is dropped.
 */
import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { ErrorCode, framingError } from '../../reference/errors.ts';
import type { FramingError } from '../../reference/errors.ts';
import type { FrameSink, StreamDecoder } from '../../reference/framing/decoder.ts';
import { SWOOLE_BASE, SWOOLE_SOCK_TCP } from '../../reference/constants.ts';
import { Server } from '../../reference/server/server.ts';

class LineDecoder implements StreamDecoder {
  #buf = Buffer.alloc(0);
  #dead: FramingError | null = null;
  get bufferedBytes(): number {
    return this.#buf.length;
  }
  push(chunk: Buffer, sink: FrameSink): FramingError | null {
    if (this.#dead) return this.#dead;
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const i = this.#buf.indexOf(0x0a);
      if (i < 0) break;
      if (i + 1 > 8) return (this.#dead = framingError(ErrorCode.PACKAGE_LENGTH_TOO_LARGE, 'line too long'));
      sink(this.#buf.subarray(0, i + 1));
      this.#buf = this.#buf.subarray(i + 1);
    }
    if (this.#buf.length > 8) return (this.#dead = framingError(ErrorCode.PACKAGE_LENGTH_TOO_LARGE, 'line too long'));
    return null;
  }
  end(): FramingError | null {
    return this.#buf.length ? framingError(ErrorCode.INCOMPLETE_FRAME, 'partial') : null;
  }
}

async function framedServer(t: Test) {
  const s = new Server('127.0.0.1', 0, SWOOLE_BASE, SWOOLE_SOCK_TCP, { decoderFactory: () => new LineDecoder() });
  s.set({ open_eof_split: true, package_eof: '\n' });
  const got: string[] = [];
  const closes: Array<[number, number]> = [];
  let onClose: (() => void) | undefined;
  let onRecv: (() => void) | undefined;
  s.on('receive', (_x: Server, _fd: number, _r: number, d: Buffer) => { got.push(String(d)); onRecv?.(); });
  s.on('close', (_x: Server, fd: number, r: number) => { closes.push([fd, r]); onClose?.(); });
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  t.teardown(async () => { s.shutdown(); await run; });
  return {
    s, got, closes,
    closed: () => new Promise<void>((r) => (onClose = r)),
    received: (n: number) => new Promise<void>((r) => { onRecv = () => { if (got.length >= n) r(); }; if (got.length >= n) r(); }),
  };
}

t.test('clause:server.framing.frames — one onReceive per frame, however the bytes were chunked', async (t) => {
  const f = await framedServer(t);
  const c = net.connect(f.s.port, '127.0.0.1');
  t.teardown(() => c.destroy());
  await once(c, 'connect');
  const done = f.received(3);
  c.write('ab\ncd');
  await new Promise((r) => setImmediate(r));
  c.write('e\nf');
  c.write('g\n');
  await done;
  t.same(f.got, ['ab\n', 'cde\n', 'fg\n']);
  t.equal((f.s.stats() as Record<string, number>).request_count, 3);
});

t.test('clause:server.framing.error-closes — a decoder error closes at once: no onReceive, onClose fires, error recorded', async (t) => {
  const f = await framedServer(t);
  const warnings: string[] = [];
  const w = (e: Error & { code?: string }) => warnings.push(String(e.code));
  process.on('warning', w);
  t.teardown(() => process.off('warning', w));
  const c = net.connect(f.s.port, '127.0.0.1');
  c.on('error', () => {});
  await once(c, 'connect');
  const closed = f.closed();
  const gone = new Promise((r) => c.on('close', r)); // events.once would reject on the RST
  c.write('ok\nthis-line-is-too-long\n');
  await closed;
  await gone;
  t.same(f.got, ['ok\n'], 'the bad frame reached no onReceive');
  t.same(f.closes, [[1, 0]]);
  t.equal(f.s.getLastError(), ErrorCode.PACKAGE_LENGTH_TOO_LARGE);
  t.equal(f.s.exist(1), false);
  await new Promise((r) => setImmediate(r));
  t.ok(warnings.includes(String(ErrorCode.PACKAGE_LENGTH_TOO_LARGE)));
});

t.test('clause:server.framing.partial-dropped — a partial frame at the peer close is dropped; onClose fires', async (t) => {
  const f = await framedServer(t);
  const c = net.connect(f.s.port, '127.0.0.1');
  await once(c, 'connect');
  const closed = f.closed();
  c.end('whole\npart');
  await closed;
  t.same(f.got, ['whole\n']);
  t.same(f.closes, [[1, 0]]);
});
