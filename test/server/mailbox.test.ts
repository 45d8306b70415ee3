/**
 * The inboxes between a server's processes (reference/server/mailbox.ts), in one process over
 * real socketpairs: packing per turn, long messages in pieces, per-sender reassembly, orphan
 * pieces, backpressure with a bound, held delivery. clause:server-tasks.payload.large
 * clause:server-tasks.payload.structured clause:server-tasks.reliability.backpressure
 */
import t from 'tap';
import type { Test } from 'tap';
import fc from 'fast-check';
import { loadNative } from '../../reference/native/loader.ts';
import { decodeValue, encodeValue, HEADER, K_PIPE, K_TASK, Mailbox, type Message } from '../../reference/server/mailbox.ts';

const native = loadNative();
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A socketpair: [sending end, reading end], closed at teardown. */
function pair(t: Test, opts: { sndbuf?: number; rcvbuf?: number } = {}): [number, number] {
  const p = native.socketpair('dgram', opts);
  t.teardown(() => {
    for (const fd of p) {
      try {
        native.close(fd);
      } catch {
        /* already closed by a Mailbox */
      }
    }
  });
  return p;
}

function receiver(t: Test, fd: number, onMessage: (m: Message) => void): Mailbox {
  const box = new Mailbox(native, { outFds: [], inFd: native.dup(fd), self: 9, limitBytes: 1 << 20, onMessage });
  box.start();
  t.teardown(() => box.close());
  return box;
}

function sender(t: Test, fd: number, self: number, limitBytes = 64 << 20): Mailbox {
  const box = new Mailbox(native, { outFds: [fd], inFd: -1, self, limitBytes, onMessage: () => {} });
  t.teardown(() => box.close());
  return box;
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 10000 && !cond(); i++) await turn();
  if (!cond()) throw new Error(`never: ${what}`);
};

t.test('messages of one turn to one inbox leave as one datagram, in order', async (t) => {
  const [w, r] = pair(t);
  const tx = sender(t, w, 3);
  for (let i = 0; i < 500; i++) tx.send(0, K_TASK, 0, i, 77, encodeValue(`m${i}`));
  await turn();
  const raw = native.openDatagram(native.dup(r));
  t.teardown(() => raw.close());
  const d = raw.recvInto(65536)!;
  t.ok(d, 'one datagram');
  t.equal(raw.recvInto(65536), null, 'and only one');
  const ids: number[] = [];
  let off = 0;
  while (off < d.data.length) {
    ids.push(d.data.readUInt32LE(off + 8));
    const len = d.data.readUInt32LE(off + 12);
    t.equal(d.data.readInt32LE(off + 4), 3, 'src is the sender');
    off += HEADER + len;
  }
  t.same(ids, Array.from({ length: 500 }, (_, i) => i), 'all 500 records, in order');
});

t.test('a 3 MiB value travels in pieces and arrives whole; structured values round-trip', async (t) => {
  const [w, r] = pair(t, { sndbuf: 4 << 20, rcvbuf: 4 << 20 });
  const got: unknown[] = [];
  receiver(t, r, (m) => got.push(decodeValue(m.flags, m.payload)));
  const tx = sender(t, w, 1);
  const big = Buffer.alloc(3 * 1024 * 1024 + 5);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const values: unknown[] = ['short', big, { a: [1, 2n, new Date(0)], m: new Map([[1, 'x']]) }, 'ü'.repeat(30000)];
  for (const v of values) t.ok(tx.send(0, K_PIPE, 0, 0, 0, encodeValue(v)), 'accepted');
  await until(() => got.length === values.length, 'all values');
  t.same(got, values, 'every value equal after the trip (the long Buffer byte for byte)');
});

t.test('pieces from two senders interleaved are reassembled per sender; orphans are dropped', async (t) => {
  const [w, r] = pair(t, { sndbuf: 4 << 20, rcvbuf: 4 << 20 });
  const got: { src: number; len: number; ok: boolean }[] = [];
  receiver(t, r, (m) => got.push({ src: m.src, len: m.payload.length, ok: m.payload.every((b) => b === (m.src & 0xff)) }));
  // Hand-made pieces: header (kind, flags FIRST 0x08 / LAST 0x10, src, id, total) + body.
  const piece = (src: number, flags: number, total: number, len: number): Buffer => {
    const d = Buffer.alloc(HEADER + len, src & 0xff);
    d[0] = K_PIPE;
    d[1] = flags | 1; // enc 1: bytes
    d.writeUInt16LE(0, 2);
    d.writeInt32LE(src, 4);
    d.writeUInt32LE(0, 8);
    d.writeUInt32LE(total, 12);
    d.writeUInt32LE(0, 16);
    return d;
  };
  const raw = native.openDatagram(native.dup(w));
  t.teardown(() => raw.close());
  raw.send(piece(7, 0x00, 100, 10)); // orphan middle piece: no start seen
  raw.send(piece(5, 0x08, 30, 10));
  raw.send(piece(6, 0x08, 20, 10));
  raw.send(piece(5, 0x00, 30, 10));
  raw.send(piece(6, 0x10, 20, 10));
  raw.send(piece(5, 0x10, 30, 10));
  raw.send(piece(8, 0x08, 50, 10)); // a start whose sender died...
  raw.send(piece(8, 0x08, 20, 10)); // ...replaced by its next message
  raw.send(piece(8, 0x10, 20, 10));
  await until(() => got.length === 3, 'three messages');
  t.same(got, [
    { src: 6, len: 20, ok: true },
    { src: 5, len: 30, ok: true },
    { src: 8, len: 20, ok: true },
  ], 'whole messages only, each from its own pieces');
});

t.test('a full inbox queues locally up to limitBytes, then send() refuses; nothing accepted is lost', async (t) => {
  const [w, r] = pair(t, { sndbuf: 64 << 10, rcvbuf: 64 << 10 });
  const tx = sender(t, w, 2, 256 << 10);
  const body = 'q'.repeat(1000);
  let accepted = 0;
  let refused = 0;
  // Nobody reads yet: the kernel takes some, the local queue the next 256 KiB, then refusals.
  for (let i = 0; i < 2000; i++) {
    if (tx.send(0, K_TASK, 0, i, 0, encodeValue(body))) accepted++;
    else refused++;
    if (i % 50 === 49) await turn(); // let turns flush so the kernel fills up
  }
  t.ok(refused > 0, `refused once the bound was reached (${refused})`);
  t.ok(tx.queuedBytes <= (256 << 10) + 65536, `the local queue stayed bounded (${tx.queuedBytes} bytes)`);
  const ids: number[] = [];
  receiver(t, r, (m) => ids.push(m.id));
  await tx.drained();
  await until(() => ids.length === accepted, 'every accepted message');
  t.equal(ids.length, accepted, `all ${accepted} accepted messages arrived`);
  t.same(ids, [...ids].sort((a, b) => a - b), 'in order');
});

t.test('pause() inside a delivery holds the rest of the datagram; resume() delivers it in order', async (t) => {
  const [w, r] = pair(t);
  const ids: number[] = [];
  const box = receiver(t, r, (m) => {
    ids.push(m.id);
    if (m.id === 2) box.pause();
  });
  const tx = sender(t, w, 4);
  for (let i = 0; i < 6; i++) tx.send(0, K_TASK, 0, i, 0, encodeValue('x'));
  await until(() => ids.length === 3, 'the first three');
  await turn();
  t.same(ids, [0, 1, 2], 'delivery stopped after the pausing message');
  t.ok(box.held > 0, 'the rest is held');
  box.resume();
  await until(() => ids.length === 6, 'all six');
  t.same(ids, [0, 1, 2, 3, 4, 5], 'the held records first, in order');
});

t.test('property: encodeValue/decodeValue keep strings as strings, Buffers as Buffers, the rest by structured clone', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.uint8Array().map((u) => Buffer.from(u)), fc.jsonValue(), fc.bigInt(), fc.date({ noInvalidDate: true })), (v) => {
      const e = encodeValue(v);
      const bytes = e.bytes ?? Buffer.from(e.str!, 'utf8');
      const back = decodeValue(e.enc, bytes);
      if (typeof v === 'string') return back === v;
      if (Buffer.isBuffer(v)) return Buffer.isBuffer(back) && back.equals(v);
      t.same(back, v);
      return true;
    }),
  );
  t.end();
});
