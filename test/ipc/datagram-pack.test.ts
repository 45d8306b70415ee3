/** The record packing under UNIXSOCK datagrams, alone: round trips, a cut lone record, foreign bytes. */
import t from 'tap';
import fc from 'fast-check';
import { PACK_LIMIT, RECORD_HEAD, singleRecord, splitRecords, writeRecord } from '../../reference/ipc/datagram-pack.ts';
import { assertProperty } from '../framing/fc-config.ts';

function pack(messages: Buffer[]): Buffer {
  const out = Buffer.alloc(messages.reduce((n, m) => n + RECORD_HEAD + m.length, 0));
  let at = 0;
  for (const m of messages) at = writeRecord(out, at, m);
  t.equal(at, out.length);
  return out;
}

function split(d: Buffer, truncated = false): { records: Buffer[]; error: string | null } {
  const records: Buffer[] = [];
  const error = splitRecords(d, truncated, (r) => records.push(Buffer.from(r)));
  return { records, error };
}

t.test('clause:framing.unixsock.datagram any packed list splits back into the same messages, in order, none merged', async (t) => {
  assertProperty(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }), (arrays) => {
      const messages = arrays.map((a) => Buffer.from(a));
      const { records, error } = split(pack(messages));
      t.equal(error, null);
      t.same(records, messages);
      return true;
    }),
  );
});

t.test('clause:framing.unixsock.empty an empty message is a record of its own', async (t) => {
  const { records, error } = split(pack([Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(0)]));
  t.equal(error, null);
  t.same(records.map((r) => r.length), [0, 1, 0]);
});

t.test('clause:framing.unixsock.truncate a lone record the kernel cut is delivered as far as it goes', async (t) => {
  const big = singleRecord(Buffer.alloc(PACK_LIMIT * 2, 0x61));
  const cut = big.subarray(0, PACK_LIMIT);
  const { records, error } = split(cut, true);
  t.equal(error, null);
  t.equal(records.length, 1);
  t.equal(records[0]!.length, PACK_LIMIT - RECORD_HEAD);
});

t.test('bytes that are not records are reported, after the records before them', async (t) => {
  const good = pack([Buffer.from('ok')]);
  const overrun = Buffer.concat([good, Buffer.from([9, 0, 0, 0, 1])]);
  const a = split(overrun);
  t.same(a.records, [Buffer.from('ok')]);
  t.match(a.error, /overruns/);
  const stray = split(Buffer.concat([good, Buffer.from([1, 2])]));
  t.same(stray.records, [Buffer.from('ok')]);
  t.match(stray.error, /stray/);
  t.same(split(Buffer.alloc(0)), { records: [], error: null });
});
