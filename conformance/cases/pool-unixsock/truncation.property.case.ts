import fc from 'fast-check';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { Mailbox } from '../../runner/mailbox.ts';
import { checkProperty } from '../../runner/property.ts';
import { expected, ramp } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';

const MAX = 512;

// One live pool; each sample is a list of message sizes sent worker→worker in a chain, each
// received message handing the sending turn to its receiver.
export default defineCase({
  id: 'pool.unixsock.truncation-property',
  title: 'Any message list without the bus arrives in order, each cut to max_package_size',
  clauses: ['framing.unixsock.truncate', 'framing.unixsock.datagram'],
  features: ['pool', 'pool.ipc.unixsock'],
  property: true,
  scenario: unixsockPool({ max_package_size: MAX }),
  async run(h) {
    const box = new Mailbox();
    h.onEvent('WorkerStart', { worker_id: 0 }, box.take);
    h.onEvent('Message', undefined, box.take);
    await h.start();
    // Whoever holds the turn is blocked in a callback waiting on the mailbox.
    let holder = 0;
    await checkProperty(h, 'sizes', fc.array(fc.integer({ min: 0, max: 3 * MAX }), { minLength: 1, maxLength: 6 }), async (sizes) => {
      for (const size of sizes) {
        const data = ramp(size);
        const dst = 1 - holder;
        box.put([{ call: 'sendMessage', args: [hexBytes(data), dst] }]);
        const msg = await h.waitEvent('Message', { worker_id: dst });
        holder = dst; // the receiver now holds the turn, whatever the verdict
        h.expectEqual(`message of ${size} bytes`, { data: expected(data.subarray(0, Math.min(size, MAX))) }, msg.args);
      }
    });
    box.drain();
    await stopPool(h);
  },
});
