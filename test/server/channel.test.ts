/** The PROCESS channel's record packing, alone (a fake datagram socket records what is sent). */
import t from 'tap';
import type { DatagramSocket } from '../../reference/native/api.ts';
import { DATAGRAM_MAX, R_DATA, R_INFO, R_SEND, RecordReader, RecordWriter, datagramSeq, splitRecords, type ChannelRecord } from '../../reference/server/channel.ts';

function fakeSocket(capacity = Infinity) {
  const sent: Buffer[] = [];
  let writable: (() => void) | null = null;
  let room = capacity;
  const sendBatch = (list: readonly Buffer[]): number => {
    let n = 0;
    while (n < list.length && room > 0) {
      sent.push(Buffer.from(list[n]!));
      n++;
      room--;
    }
    return n;
  };
  const sock = {
    sendBatch,
    send: (d: Buffer) => sendBatch([d]) === 1,
    onWritable(cb: () => void) {
      writable = cb;
    },
  } as unknown as DatagramSocket;
  return { sock, sent, open: (more: number) => ((room += more), writable?.()) };
}

const turn = () => new Promise((r) => setImmediate(r));

t.test('clause:server.process.worker-death-keeps-connections records of one turn leave together; long payloads are cut under the datagram cap and joined again', async (t) => {
  const { sock, sent } = fakeSocket();
  const w = new RecordWriter(sock);
  const big = Buffer.alloc(200_000, 7);
  w.push(R_INFO, 0, 1, Buffer.from('{}'));
  for (let i = 0; i < 100; i++) w.push(R_DATA, 0, 1, Buffer.from(`frame ${i}`));
  w.push(R_SEND, 0, 2, big);
  t.equal(sent.length, 0, 'nothing leaves before the end of the turn');
  await turn();
  t.ok(sent.length >= 4 && sent.every((d) => d.length <= DATAGRAM_MAX), `${sent.length} datagrams, each ≤ 64 KiB`);
  const got: ChannelRecord[] = [];
  const orphans: string[] = [];
  const r = new RecordReader((x) => got.push(x), (d) => orphans.push(d));
  for (const d of sent) r.datagram(d);
  t.equal(got.length, 102);
  t.same(got.slice(1, 101).map((x) => x.payload.toString()), Array.from({ length: 100 }, (_, i) => `frame ${i}`), 'in order');
  t.ok(got[101]!.payload.equals(big), 'the long payload is whole');
  t.same(orphans, []);
  // A replacement that starts after the head of a long record was read drops the rest.
  const late: ChannelRecord[] = [];
  const r2 = new RecordReader((x) => late.push(x), (d) => orphans.push(d));
  const firstBig = sent.findIndex((d) => d.length > 60_000);
  for (const d of sent.slice(firstBig + 1)) r2.datagram(d);
  t.same(late, [], 'no truncated record is ever delivered');
  t.ok(orphans.length >= 1, 'the orphan pieces are reported (warning 9102)');
});

t.test('clause:server.process.worker-death-keeps-connections a full socket keeps datagrams queued, in order, until writable', async (t) => {
  const { sock, sent, open } = fakeSocket(1);
  const w = new RecordWriter(sock);
  for (let i = 0; i < 3; i++) {
    w.push(R_DATA, 0, 1, Buffer.alloc(40_000, i));
    await turn();
  }
  t.equal(sent.length, 1, 'one accepted, the rest wait');
  t.ok(w.backlog >= 2);
  open(10);
  t.equal(sent.length, 3);
  t.same(sent.map((d) => d[10]), [0, 1, 2], 'order kept');
  t.equal(w.backlog, 0);
});

t.test('clause:server.process.worker-death-keeps-connections a sequenced writer numbers its datagrams, keeps copies until released, and gives back what it has not sent', async (t) => {
  const { sock, sent, open } = fakeSocket(1);
  const w = new RecordWriter(sock, true);
  w.push(R_DATA, 0, 1, Buffer.from('a'));
  await turn();
  w.push(R_DATA, 0, 1, Buffer.from('b'));
  await turn();
  w.push(R_DATA, 0, 2, Buffer.from('c'));
  t.equal(sent.length, 1);
  t.equal(datagramSeq(sent[0]!), 1, 'the first datagram is number 1');
  t.same(splitRecords(sent[0]!).map((r) => r.payload.toString()), ['a'], 'R_SEQ is not a record of its own');
  t.ok(w.retained(1), 'a sent datagram is retained');
  const seqs: number[] = [];
  const reader = new RecordReader(() => {}, () => {});
  reader.onSeq = (s) => seqs.push(s);
  reader.datagram(sent[0]!);
  t.same(seqs, [1], 'the reader sees the sequence number');
  const back = w.takePending();
  t.same(back.map((r) => [r.session, r.payload.toString()]), [[1, 'b'], [2, 'c']], 'unsent records come back in order');
  w.release(2);
  t.notOk(w.retained(1), 'released');
  w.pushRaw([{ type: R_DATA, flags: 0, session: 9, payload: Buffer.from('again') }]);
  open(5);
  await turn();
  const last = sent[sent.length - 1]!;
  t.ok(datagramSeq(last) > 1, 're-sent records get a new datagram number');
  t.same(splitRecords(last).map((r) => r.payload.toString()), ['again']);
});

t.test('clause:server.dgram.process-dispatch a sequenced writer (master → worker) keeps every datagram within the 64 KiB a worker reads, R_SEQ included', async (t) => {
  const { sock, sent } = fakeSocket();
  const w = new RecordWriter(sock, true);
  // Just above one piece: a 65,507-byte UDP datagram in an R_PACKET record is this size.
  const sizes = [DATAGRAM_MAX - 20, DATAGRAM_MAX - 10, DATAGRAM_MAX - 6, DATAGRAM_MAX + 1, 200_000];
  for (const [i, n] of sizes.entries()) w.push(R_DATA, 0, i + 1, Buffer.alloc(n, i));
  await turn();
  t.ok(sent.every((d) => d.length <= DATAGRAM_MAX), `every datagram ≤ ${DATAGRAM_MAX} bytes (largest ${Math.max(...sent.map((d) => d.length))})`);
  t.ok(sent.every((d) => datagramSeq(d) > 0), 'each starts with its sequence record');
  const got: ChannelRecord[] = [];
  const r = new RecordReader((x) => got.push(x), () => {});
  for (const d of sent) r.datagram(d);
  t.same(got.map((x) => x.payload.length), sizes, 'every payload whole');
});
