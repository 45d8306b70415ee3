/**
 * The UNIXSOCK channel in one process: a sender writing far more than the socket holds (so
 * packs queue and drain on writability) and a receiver that must see every message once, in
 * order, with its bytes; raw and with the message bus.
 */
import t from 'tap';
import { loadNative } from '../../reference/native/loader.ts';
import { DatagramReceiver, DatagramSender } from '../../reference/ipc/datagram-channel.ts';

const native = loadNative();
const sizeOf = (i: number): number => (i % 500 === 250 ? 80_000 : (i * 37) % 2000);
const body = (i: number): Buffer => {
  const b = Buffer.alloc(sizeOf(i), i & 0xff);
  if (b.length >= 4) b.writeUInt32BE(i, 0);
  return b;
};

for (const bus of [false, true]) {
  t.test(`clause:framing.unixsock.datagram ${bus ? 'clause:framing.bus.no-limit ' : ''}a burst beyond the socket buffer queues, drains, and arrives whole and in order (bus ${bus})`, async (t) => {
    const COUNT = 3000;
    const MAX = 100_000;
    // A small buffer (the kernel doubles it) so the burst must queue.
    const [a, b] = native.socketpair('dgram', { sndbuf: 128 * 1024, rcvbuf: 128 * 1024, force: true });
    const tx = new DatagramSender(native, [a], bus, 0);
    let next = 0;
    let bad: string | null = null;
    const done = new Promise<void>((resolve) => {
      const rx = new DatagramReceiver(
        native,
        b,
        { bus, maxPackageSize: MAX },
        (data) => {
          if (!bad && !data.equals(body(next))) bad = `message ${next}: ${data.length} bytes, want ${sizeOf(next)}`;
          if (++next === COUNT) {
            rx.close();
            resolve();
          }
        },
        (detail) => (bad ??= `receiver error: ${detail}`),
      );
    });
    // Bursts with loop turns between them: the receiver drains part of the queue, and the next
    // burst's packs retry it synchronously while a writable callback is still armed.
    let queuedSeen = 0;
    for (let i = 0; i < COUNT; i++) {
      tx.send(0, body(i));
      if (i % 100 === 99) {
        queuedSeen = Math.max(queuedSeen, tx.queued);
        await new Promise((r) => setImmediate(r));
      }
    }
    t.ok(queuedSeen > 0, 'the bursts outran the socket: packs were queued');
    await done;
    t.equal(bad, null);
    t.equal(next, COUNT);
    await tx.drain();
    t.equal(tx.queued, 0);
    tx.close();
  });
}

t.test('clause:framing.unixsock.truncate without the bus each packed message is cut at max_package_size on its own', async (t) => {
  const [a, b] = native.socketpair('dgram');
  const tx = new DatagramSender(native, [a], false, 0);
  const got: number[] = [];
  const done = new Promise<void>((resolve) => {
    const rx = new DatagramReceiver(native, b, { bus: false, maxPackageSize: 10 }, (d) => {
      got.push(d.length);
      if (got.length === 4) {
        rx.close();
        resolve();
      }
    }, () => {});
  });
  for (const n of [3, 25, 0, 10]) tx.send(0, Buffer.alloc(n, 1));
  await done;
  t.same(got, [3, 10, 0, 10], 'one record each, in order, each cut alone');
  tx.close();
});

/** A socket that is full until told otherwise, recording what the kernel would have taken. */
class FakeSocket {
  readonly fd = 99;
  full = true;
  readonly sent: Buffer[] = [];
  writable: (() => void) | null = null;
  send(d: Buffer): boolean {
    if (this.full) return false;
    this.sent.push(Buffer.from(d));
    return true;
  }
  sendBatch(list: readonly Buffer[], start = 0): number {
    let n = 0;
    for (let i = start; i < list.length && this.send(list[i]!); i++) n++;
    return n;
  }
  onWritable(cb: () => void): void {
    this.writable = cb;
  }
  fire(): void {
    const cb = this.writable;
    this.writable = null; // like the addon: a writable callback fires once
    cb?.();
  }
  ref(): void {}
  close(): void {}
}

t.test('the send queue survives a spurious writable and a writable after it drained synchronously', async (t) => {
  const sock = new FakeSocket();
  const fake = { openDatagram: () => sock, getSocketBuffers: () => ({ sndbuf: 1 << 20, rcvbuf: 1 << 20 }) } as unknown as typeof native;
  const tx = new DatagramSender(fake, [3], false, 0);
  const big = (i: number): Buffer => Buffer.alloc(70_000, i); // bigger than a pack: goes alone
  tx.send(0, big(1));
  tx.send(0, big(2));
  t.equal(tx.queued, 2, 'a full socket queues');
  t.ok(sock.writable, 'and waits for writability');
  sock.fire(); // spurious: still full
  t.equal(tx.queued, 2);
  t.ok(sock.writable, 'a spurious writable re-arms the wait');
  sock.full = false;
  tx.send(0, Buffer.from('small')); // opens a pack
  tx.send(0, big(3)); // seals the pack, which retries the queue synchronously
  t.equal(tx.queued, 0, 'the queue drained without a loop turn');
  t.doesNotThrow(() => sock.fire(), 'a writable callback left armed finds nothing to do');
  t.same(sock.sent.map((d) => d.length), [70_004, 70_004, 9, 70_004], 'everything went out, in order');
  tx.close();
});
