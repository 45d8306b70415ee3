import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { stopPool } from '../finish.ts';
import { socketPool } from '../scenarios.ts';

export default defineCase({
  id: 'pool.api.write-outside-message',
  title: 'write() outside onMessage (in onWorkerStart) returns false',
  clauses: ['pool.api.write-outside-message', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.socket'],
  scenario: socketPool({}, 1),
  async run(h) {
    h.onEvent('WorkerStart', undefined, () => [{ call: 'write', args: [hexBytes('stray')] }]);
    await h.start();
    const w = await h.waitEvent('WorkerStart');
    const [r] = await w.done;
    h.expectEqual('write() in onWorkerStart', false, r?.ret);
    h.expectEqual('it does not throw', undefined, r?.threw);
    await stopPool(h);
  },
});
