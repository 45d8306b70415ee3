import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { expected } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';

// Swoole (sync, no bus) delivers "" but returns false: a bug the spec does not mirror.
export default defineCase({
  id: 'pool.unixsock.empty-message',
  title: 'sendMessage("") returns true and the receiver gets an empty message',
  clauses: ['framing.unixsock.empty'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: unixsockPool({}),
  async run(h) {
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [{ call: 'sendMessage', args: [hexBytes(''), 1] }]);
    await h.start();
    const msg = await h.waitEvent('Message', { worker_id: 1 });
    h.expectEqual('onMessage data', { data: expected(Buffer.alloc(0)) }, msg.args);
    const start = await h.waitEvent('WorkerStart', { worker_id: 0 });
    const [sent] = await start.done;
    h.expectEqual('sendMessage("") return value', true, sent?.ret);
    await stopPool(h);
  },
});
