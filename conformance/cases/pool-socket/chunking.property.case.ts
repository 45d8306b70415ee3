import fc from 'fast-check';
import { defineCase } from '../../case.ts';
import { hexBytes, summarize } from '../../protocol/bytes.ts';
import { checkProperty } from '../../runner/property.ts';
import { ramp } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { poolSocketPath, socketPool } from '../scenarios.ts';

const MAX = 4096;

// Any body up to max_package_size, cut into any write boundaries (header included), arrives
// whole in one onMessage, and the reply is one frame followed by the close.
export default defineCase({
  id: 'pool.socket.chunking-property',
  title: 'A request split at arbitrary points is assembled into one onMessage and answered with one frame',
  clauses: ['framing.pool-socket.chunking', 'framing.pool-socket.header', 'framing.pool-socket.response'],
  features: ['pool', 'pool.ipc.socket'],
  property: true,
  scenario: socketPool({ max_package_size: MAX }),
  async run(h) {
    h.onEvent('Message', undefined, (e) => {
      // Echo the length back, so the reply depends on what was assembled.
      const len = (e.args.data as { $bytes: { len: number } }).$bytes.len;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(len);
      return [{ call: 'write', args: [hexBytes(b)] }];
    });
    await h.start();
    await h.waitEvents('WorkerStart', 2);
    const sample = fc.integer({ min: 1, max: MAX }).chain((len) =>
      fc.tuple(fc.constant(len), fc.uniqueArray(fc.integer({ min: 1, max: len + 3 }), { maxLength: 6 })),
    );
    await checkProperty(h, 'split request', sample, async ([len, cuts]) => {
      const body = ramp(len);
      const frame = Buffer.concat([Buffer.alloc(4), body]);
      frame.writeUInt32BE(len);
      const points = [0, ...[...cuts].sort((a, b) => a - b), frame.length];
      const c = await h.connect({ path: poolSocketPath(h.tmpdir) });
      for (let i = 0; i + 1 < points.length; i++) await c.write(frame.subarray(points[i], points[i + 1]));
      const msg = await h.waitEvent('Message');
      h.expectEqual(`body of ${len} bytes cut at ${JSON.stringify(cuts)}`, summarize(body), msg.args.data);
      const out = await c.outcome(h.ms(5000));
      const reply = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]);
      reply.writeUInt32BE(len, 4);
      h.expectEqual('reply frame', reply.toString('hex'), out.data.toString('hex'));
    });
    await stopPool(h);
  },
});
