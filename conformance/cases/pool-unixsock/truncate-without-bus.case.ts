import { defineCase } from '../../case.ts';
import { fillBytes } from '../../protocol/bytes.ts';
import { expected, pattern } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';

// The manual's own example: 6000 bytes, max_package_size 2048, no message bus → 2048 arrive.
export default defineCase({
  id: 'pool.unixsock.truncate-without-bus',
  title: 'Without the message bus a datagram longer than max_package_size is cut to max_package_size',
  clauses: ['framing.unixsock.truncate'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: unixsockPool({ max_package_size: 2048 }),
  async run(h) {
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [{ call: 'sendMessage', args: [fillBytes(6000, '61'), 1] }]);
    await h.start();
    const start = await h.waitEvent('WorkerStart', { worker_id: 0 });
    const [sent] = await start.done;
    h.expectEqual('sendMessage(6000 bytes) return value', true, sent?.ret);
    const msg = await h.waitEvent('Message', { worker_id: 1 });
    h.expectEqual('onMessage data in worker 1', { data: expected(pattern(2048)) }, msg.args);
    await stopPool(h);
  },
});
