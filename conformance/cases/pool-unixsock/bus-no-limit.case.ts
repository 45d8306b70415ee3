import { defineCase } from '../../case.ts';
import { fillBytes } from '../../protocol/bytes.ts';
import { expected, pattern } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';

// The manual's example with enable_message_bus: the same 6000 bytes arrive whole.
export default defineCase({
  id: 'pool.unixsock.bus-no-limit',
  title: 'With the message bus max_package_size does not limit a message (6000 bytes, limit 2048)',
  clauses: ['framing.bus.no-limit'],
  features: ['pool', 'pool.ipc.unixsock', 'pool.message-bus'],
  scenario: unixsockPool({ max_package_size: 2048, enable_message_bus: true }),
  async run(h) {
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [{ call: 'sendMessage', args: [fillBytes(6000, '61'), 1] }]);
    await h.start();
    const msg = await h.waitEvent('Message', { worker_id: 1 });
    h.expectEqual('onMessage data in worker 1', { data: expected(pattern(6000)) }, msg.args);
    await stopPool(h);
  },
});
