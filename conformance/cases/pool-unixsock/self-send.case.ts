import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { expected } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';

export default defineCase({
  id: 'pool.unixsock.self-send',
  title: 'A worker may sendMessage to itself and receives it in its own onMessage',
  clauses: ['framing.unixsock.datagram'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: unixsockPool({}),
  async run(h) {
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [{ call: 'sendMessage', args: [hexBytes('to-self'), 0] }]);
    await h.start();
    const msg = await h.waitEvent('Message', { worker_id: 0 });
    h.expectEqual('onMessage data in worker 0', { data: expected(Buffer.from('to-self')) }, msg.args);
    await stopPool(h);
  },
});
