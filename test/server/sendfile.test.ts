/**
 * sendfile() and sendwait(): single-process in this process (raw clients), BASE and PROCESS
 * workers through fixtures/app.ts (every process reaped, mp-harness.ts).
 */
import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '../../reference/server/server.ts';
import { singleServer } from './single-server.ts';
import { CHUNK } from '../../reference/server/file-output.ts';
import { FrameClient, app, frame } from './mp-harness.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function scratch(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'sendfile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A single-process server whose onReceive runs `handler`; resolves once it serves. */
function single(t: Test, handler: (s: Server, fd: number, data: Buffer) => void, settings: Record<string, unknown> = {}): Promise<Server> {
  return singleServer(t, (s) => s.on('receive', (srv: Server, fd: number, _rid: number, data: Buffer) => handler(srv, fd, data)), settings);
}

async function connect(t: Test, port: number): Promise<net.Socket> {
  const c = net.connect(port, '127.0.0.1');
  t.teardown(() => void c.destroy());
  await once(c, 'connect');
  return c;
}

/** Reads until `n` bytes arrived; `onData` sees each chunk as it comes. */
function readN(c: net.Socket, n: number, onData?: () => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  return new Promise((resolve, reject) => {
    c.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      onData?.();
      if (got >= n) resolve(Buffer.concat(parts));
    });
    c.on('close', () => reject(new Error(`closed after ${got} of ${n} bytes`)));
  });
}

t.test('clause:server.base.sendfile single process: a 24 MiB file arrives intact, streamed (never more than a few chunks held), and later sends follow it', async (t) => {
  const dir = scratch(t);
  const body = randomBytes(24 * 1024 * 1024);
  const path = join(dir, 'big.bin');
  writeFileSync(path, body);
  let fdSeen = 0;
  let ret: unknown = null;
  const s = await single(t, (srv, fd) => {
    fdSeen = fd;
    srv.send(fd, 'head:');
    ret = srv.sendfile(fd, path);
    srv.send(fd, ':tail');
  });
  const c = await connect(t, s.port);
  let maxQueued = 0;
  const want = 5 + body.length + 5;
  const got = readN(c, want, () => {
    const info = s.getClientInfo(fdSeen);
    if (info) maxQueued = Math.max(maxQueued, Number(info.send_queued_bytes));
  });
  c.write('go');
  const all = await got;
  t.equal(ret, true, 'sendfile() returns true');
  t.equal(all.length, want, 'every byte, nothing more');
  t.equal(all.subarray(0, 5).toString(), 'head:', 'what was sent before comes first');
  t.equal(sha(all.subarray(5, 5 + body.length)), sha(body), 'the file arrives intact');
  t.equal(all.subarray(5 + body.length).toString(), ':tail', 'a send() after sendfile() follows the file');
  t.ok(maxQueued <= 4 * CHUNK, `the server held at most ${maxQueued} unsent bytes (chunked reads, not the whole file)`);
});

t.test('clause:server.base.sendfile-range offset and length pick a slice; length 0 means to the end', async (t) => {
  const dir = scratch(t);
  const path = join(dir, 'digits.txt');
  writeFileSync(path, '0123456789');
  const s = await single(t, (srv, fd) => {
    srv.sendfile(fd, path, 2, 4);
    srv.send(fd, '|');
    srv.sendfile(fd, path, 7, 0);
    srv.send(fd, '|');
  });
  const c = await connect(t, s.port);
  const got = readN(c, '2345|789|'.length);
  c.write('go');
  t.equal((await got).toString(), '2345|789|');
});

t.test('clause:server.base.sendfile close() right after sendfile(): the whole file goes out before the FIN; reset drops it', async (t) => {
  const dir = scratch(t);
  const body = randomBytes(4 * 1024 * 1024);
  const path = join(dir, 'four.bin');
  writeFileSync(path, body);
  const s = await single(t, (srv, fd, data) => {
    srv.sendfile(fd, path);
    srv.close(fd, data.toString() === 'reset');
  });
  const c = await connect(t, s.port);
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  const ended = once(c, 'end');
  c.write('close');
  await ended;
  t.equal(sha(Buffer.concat(parts)), sha(body), 'every byte of the file, then EOF');
  const r = await connect(t, s.port);
  let got = 0;
  r.on('data', (d: Buffer) => (got += d.length));
  r.on('error', () => {});
  const closed = once(r, 'close');
  r.write('reset');
  await closed;
  t.ok(got < body.length, `close(fd, true) dropped the queued file (${got} of ${body.length} bytes arrived)`);
});

t.test('clause:server.base.sendfile-errors sendfile() refusals carry their codes (502 missing, 9013 not regular, 502 offset at the end, 505 range past the end, 1006/1005 bad sessions)', async (t) => {
  const dir = scratch(t);
  const path = join(dir, 'ten.txt');
  writeFileSync(path, '0123456789');
  const results: Record<string, [boolean, number]> = {};
  const s = await single(t, (srv, fd) => {
    const check = (name: string, ok: boolean) => (results[name] = [ok, ok ? 0 : srv.getLastError()]);
    check('missing', srv.sendfile(fd, join(dir, 'nope')));
    check('directory', srv.sendfile(fd, dir));
    check('device', srv.sendfile(fd, '/dev/null'));
    check('offsetAtEnd', srv.sendfile(fd, path, 10));
    check('pastEnd', srv.sendfile(fd, path, 5, 6));
    check('negative', srv.sendfile(fd, path, -1));
    check('fd0', srv.sendfile(0, path));
    check('unknown', srv.sendfile(999999, path));
    check('ok', srv.sendfile(fd, path, 9, 1));
  });
  const c = await connect(t, s.port);
  const got = readN(c, 1);
  c.write('go');
  t.equal((await got).toString(), '9', 'only the valid call sent anything');
  t.same(results, {
    missing: [false, 502], directory: [false, 9013], device: [false, 9013], offsetAtEnd: [false, 502],
    pastEnd: [false, 505], negative: [false, 505], fd0: [false, 1006], unknown: [false, 1005], ok: [true, 0],
  });
});

t.test('clause:server.base.sendwait sendwait() resolves true once the data reached the kernel, past socket_buffer_size; false for a closed session', async (t) => {
  const big = randomBytes(16 * 1024 * 1024);
  let waited: Promise<boolean> | null = null;
  let sendAfter: [boolean, number] | null = null;
  const s = await single(t, (srv, fd, data) => {
    if (data.toString() === 'go') {
      waited = srv.sendwait(fd, big);
      const ok = srv.send(fd, 'x');
      sendAfter = [ok, srv.getLastError()];
    }
  }, { socket_buffer_size: 1024 * 1024 });
  const c = await connect(t, s.port);
  const got = readN(c, big.length);
  c.write('go');
  const all = await got;
  t.equal(await waited, true, 'sendwait() resolved true');
  t.same(sendAfter, [false, 1009], 'a plain send() behind it is refused for overflow (1009); sendwait is not');
  t.equal(sha(all), sha(big), 'the bytes arrive intact');
});

t.test('clause:server.base.sendwait sendwait() for a session that is gone resolves false', async (t) => {
  let late: Promise<boolean> | null = null;
  const s2 = await single(t, (srv, fd) => {
    srv.close(fd);
    late = srv.sendwait(fd, 'x');
  });
  const c2 = await connect(t, s2.port);
  const closed = once(c2, 'close');
  c2.write('go');
  await closed;
  t.equal(await late, false);
  t.equal(s2.getLastError(), 1005, 'after close() the session no longer exists (1005)');
});

t.test('clause:server.multi.sendfile BASE and PROCESS workers: the file arrives intact and in order; PROCESS refuses sendwait (507)', async (t) => {
  const dir = scratch(t);
  // Every line is different, so a lost, repeated or reordered chunk shows.
  const body = Buffer.from(Array.from({ length: 400000 }, (_, i) => `${i}\n`).join(''));
  const path = join(dir, 'framed.bin');
  writeFileSync(path, Buffer.concat([frame('first'), frame(body)]));
  for (const mode of ['base', 'process'] as const) {
    const { a, port } = await app(t, mode, 2);
    const c = await FrameClient.connect(t, port);
    c.send(`sendfile:${path},0,0`);
    t.equal(await c.next(), 'first', `${mode}: the file's first frame`);
    t.ok((await c.next()) === body.toString(), `${mode}: the file's big frame (${body.length} bytes), intact`);
    t.equal(await c.next(), 'after', `${mode}: the send() after sendfile() comes after the file`);
    t.same(await c.json(`sendfile:${join(dir, 'nope')},0,0`), { ok: false, err: 502 }, `${mode}: a missing file (502)`);
    t.same(await c.json(`sendfile:${dir},0,0`), { ok: false, err: 9013 }, `${mode}: a directory (9013)`);
    if (mode === 'base') {
      c.send('sendwait');
      t.equal(await c.next(), 'waited', 'base: sendwait() delivers');
      t.equal((JSON.parse(await c.next()) as { ok: boolean }).ok, true, 'base: sendwait() resolved true');
    } else t.same(await c.json('sendwait'), { ok: false, err: 507 }, 'process: sendwait() is refused (507)');
    await a.stop();
  }
});
