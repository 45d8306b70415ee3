import t from 'tap';
import type { Test } from 'tap';
import { native } from '../native/_helpers.ts';
import type { DatagramSocket } from '../../reference/native/api.ts';
import { DatagramQueue } from '../../reference/ipc/datagram-queue.ts';

/** A datagram pair with small buffers, so a few KiB fill the sender. */
function pair(t: Test): [DatagramSocket, DatagramSocket] {
  const [a, b] = native.socketpair('dgram', { sndbuf: 4096, rcvbuf: 4096 });
  const sa = native.openDatagram(a);
  const sb = native.openDatagram(b);
  t.teardown(() => {
    sa.close();
    sb.close();
  });
  return [sa, sb];
}

const numbered = (i: number, size = 1000): Buffer => Buffer.alloc(size, i % 251);

/** Everything waiting on `s` right now, in order (non-blocking reads). */
function readAll(s: DatagramSocket): Buffer[] {
  const out: Buffer[] = [];
  for (let d = s.recvInto(65536); d; d = s.recvInto(65536)) out.push(Buffer.from(d.data));
  return out;
}

t.test('a datagram goes at once when nothing waits; a full socket queues the rest, and writability sends them in order', async (t) => {
  const [tx, rx] = pair(t);
  const sent: Buffer[] = [];
  const q = new DatagramQueue(tx, { onRefused: () => t.fail('nothing is refused'), onSent: (d) => sent.push(d) });
  t.equal(q.send(numbered(0)), true, 'the first one leaves at once');
  let i = 1;
  while (q.send(numbered(i))) i++; // until the kernel is full
  const firstQueued = i;
  for (let k = 0; k < 40; k++) q.send(numbered(++i));
  t.equal(q.length, 41, 'the full socket left 41 waiting');
  t.equal(q.bytes, 41 * 1000);
  const got: Buffer[] = [];
  while (got.length < i + 1) {
    got.push(...readAll(rx));
    if (got.length < i + 1) await new Promise((r) => setImmediate(r)); // the queue refills on writability
  }
  t.same(got.map((d) => d[0]), Array.from({ length: i + 1 }, (_, k) => k % 251), 'every datagram, in order');
  t.equal(q.length, 0);
  t.equal(q.bytes, 0);
  t.equal(sent.length, 41, 'onSent for each one that had waited');
  t.equal(sent[0]![0], firstQueued % 251);
  await q.drained();
});

t.test('add() waits for flush(); take() gives back what waits, in order', async (t) => {
  const [tx, rx] = pair(t);
  const q = new DatagramQueue(tx, { onRefused: () => t.fail('nothing is refused') });
  q.add(numbered(1, 10));
  q.add(numbered(2, 10));
  t.same(readAll(rx), [], 'nothing sent by add()');
  q.flush();
  t.same(readAll(rx).map((d) => d[0]), [1, 2], 'flush() sent both, in order');
  q.add(numbered(3, 10));
  q.add(numbered(4, 10));
  t.same(q.take().map((d) => d[0]), [3, 4]);
  t.equal(q.length, 0);
  q.flush();
  t.same(readAll(rx), [], 'taken ones are not sent');
});

t.test('a datagram the kernel refuses for good is reported and dropped; the rest still go', async (t) => {
  const [tx, rx] = pair(t);
  const refused: [number, string][] = [];
  const q = new DatagramQueue(tx, { onRefused: (d, err) => refused.push([d.length, (err as NodeJS.ErrnoException).code ?? '']) });
  // Bigger than the socket's send buffer can ever hold: EMSGSIZE.
  t.equal(q.send(Buffer.alloc(256 * 1024)), true, 'refused at once: not queued');
  t.equal(q.send(numbered(7, 10)), true);
  q.add(Buffer.alloc(256 * 1024));
  q.add(numbered(8, 10));
  q.flush();
  t.same(refused, [[256 * 1024, 'EMSGSIZE'], [256 * 1024, 'EMSGSIZE']]);
  t.same(readAll(rx).map((d) => d[0]), [7, 8], 'the others arrive');
  t.equal(q.length, 0);
});

t.test('keep: what waits is the copy the sender made (it reuses its buffer)', async (t) => {
  const [tx, rx] = pair(t);
  const q = new DatagramQueue(tx, { onRefused: () => t.fail('nothing is refused') });
  const scratch = Buffer.alloc(1000);
  let i = 0;
  for (;;) {
    scratch.fill(i % 251);
    if (!q.send(scratch, (d) => Buffer.from(d))) break;
    i++;
  }
  scratch.fill(250); // the sender reuses its buffer at once
  const got: Buffer[] = [];
  while (got.length < i + 1) {
    got.push(...readAll(rx));
    if (got.length < i + 1) await new Promise((r) => setImmediate(r));
  }
  t.equal(got[i]![0], i % 251, 'the queued datagram kept its own bytes');
});

t.test('close() drops what waits and sends nothing more', async (t) => {
  const [tx, rx] = pair(t);
  const q = new DatagramQueue(tx, { onRefused: () => t.fail('nothing is refused') });
  let i = 0;
  while (q.send(numbered(i))) i++;
  q.send(numbered(++i));
  q.close();
  t.equal(q.length, 0);
  t.equal(q.send(numbered(99)), true, 'a closed queue takes nothing');
  const n = readAll(rx).length;
  await new Promise((r) => setImmediate(r));
  t.equal(readAll(rx).length, 0, `only the ${n} sent before close() arrived`);
  await q.drained();
});
