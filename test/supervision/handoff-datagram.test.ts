/** The standby hand-off datagram codec, alone (reference/supervision/handoff-datagram.ts). */
import t from 'tap';
import fc from 'fast-check';
import { decodeHandoff, encodeHandoff, patchTarget } from '../../reference/supervision/handoff-datagram.ts';
import { assertProperty } from '../framing/fc-config.ts';

t.test('clause:pool.workers.standby-handoff encode/decode round trip; the target is patched in at the claim', async (t) => {
  const m = { target: 4321, slot: 1, from: 99, pids: [10, 99, null] };
  t.same(decodeHandoff(encodeHandoff(m)), m);
  const pre = encodeHandoff({ target: 0, slot: 1, from: 99, pids: [10, 99, null] });
  t.equal(decodeHandoff(pre), null, 'no target yet: not a hand-off');
  patchTarget(pre, 4321);
  t.same(decodeHandoff(pre), { target: 4321, slot: 1, from: 99, pids: [10, 4321, null] }, 'target and its own slot entry');
  assertProperty(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.array(fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: null }), { minLength: 1, maxLength: 64 }), fc.nat(), (target, from, pids, s) => {
      const slot = s % pids.length;
      const got = decodeHandoff(encodeHandoff({ target, slot, from, pids }));
      t.same(got, { target, slot, from, pids });
      return true;
    }),
  );
});

t.test('clause:pool.workers.standby-handoff anything else decodes to null (a standby drops it)', async (t) => {
  const good = encodeHandoff({ target: 5, slot: 0, from: 6, pids: [6] });
  t.equal(decodeHandoff(Buffer.alloc(0)), null, 'empty');
  t.equal(decodeHandoff(good.subarray(0, good.length - 4)), null, 'short of its pid table');
  t.equal(decodeHandoff(Buffer.concat([good, Buffer.alloc(4)])), null, 'longer than its pid table');
  t.equal(decodeHandoff(Buffer.concat([good, Buffer.alloc(1)])), null, 'not whole words');
  t.equal(decodeHandoff(encodeHandoff({ target: 5, slot: 1, from: 6, pids: [6] })), null, 'slot outside the table');
  t.equal(decodeHandoff(encodeHandoff({ target: 5, slot: 0, from: 0, pids: [6] })), null, 'no sender');
  t.equal(decodeHandoff(encodeHandoff({ target: -5, slot: 0, from: 6, pids: [6] })), null, 'negative target');
  t.equal(decodeHandoff(encodeHandoff({ target: 5, slot: 0, from: 6, pids: [] })), null, 'empty table');
});
