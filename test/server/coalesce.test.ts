import t from 'tap';
import fc from 'fast-check';
import { coalesce } from '../../reference/server/coalesce.ts';

const total = (parts: Buffer[]): number => parts.reduce((n, p) => n + p.length, 0);

t.test('adjacent views of one chunk, in order, become one view of it (no copy)', async (t) => {
  const chunk = Buffer.from('aaaabbbbcccc');
  const parts = [chunk.subarray(0, 4), chunk.subarray(4, 8), chunk.subarray(8, 12)];
  const out = coalesce(parts, 12);
  t.equal(out.toString(), 'aaaabbbbcccc');
  t.equal(out.buffer, chunk.buffer, 'same memory');
  t.equal(out.byteOffset, chunk.byteOffset);
  chunk[0] = 0x7a;
  t.equal(out[0], 0x7a, 'a view, not a copy');
});

t.test('anything else is copied into one buffer, in order', async (t) => {
  const chunk = Buffer.from('aaaabbbbcccc');
  const gap = coalesce([chunk.subarray(0, 4), chunk.subarray(8, 12)], 8);
  t.equal(gap.toString(), 'aaaacccc', 'a gap between the views');
  t.equal(coalesce([chunk.subarray(4, 8), chunk.subarray(0, 4)], 8).toString(), 'bbbbaaaa', 'adjacent but out of order');
  t.equal(coalesce([chunk.subarray(0, 4), Buffer.from('xy')], 6).toString(), 'aaaaxy', 'two different buffers');
  const one = Buffer.from('solo');
  t.equal(coalesce([one], 4), one, 'a single part is written as it is');
  chunk[0] = 0x7a;
  t.equal(gap[0], 0x61, 'the gap case is a copy: later changes to the chunk do not show');
});

t.test('property: the result always has the bytes of the parts in order', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 12 }), (bytes, picks) => {
      const chunk = Buffer.from(bytes);
      const parts = picks.map(([a, b, own]) => {
        const from = a % chunk.length;
        const to = from + (b % (chunk.length - from + 1));
        const view = chunk.subarray(from, to);
        return own ? Buffer.from(view) : view;
      });
      const out = coalesce(parts, total(parts));
      return out.equals(Buffer.concat(parts));
    }),
    { numRuns: 500 },
  );
  t.pass('500 runs');
});
