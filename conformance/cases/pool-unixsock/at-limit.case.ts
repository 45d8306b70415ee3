import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { expected, ramp } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';

export default defineCase({
  id: 'pool.unixsock.at-limit',
  title: 'A message of exactly max_package_size bytes arrives intact without the bus',
  clauses: ['framing.unixsock.truncate', 'framing.unixsock.datagram'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: unixsockPool({ max_package_size: 2048 }),
  async run(h) {
    const data = ramp(2048);
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [{ call: 'sendMessage', args: [hexBytes(data), 1] }]);
    await h.start();
    const msg = await h.waitEvent('Message', { worker_id: 1 });
    h.expectEqual('onMessage data', { data: expected(data) }, msg.args);
    await stopPool(h);
  },
});
