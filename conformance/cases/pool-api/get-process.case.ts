import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { expected } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';

// Observed §a/§d: getProcess() in a worker gives its own id and pid, another worker's live pid,
// false for an id ≥ worker_num; a write() on another worker's Process reaches its onMessage.
export default defineCase({
  id: 'pool.api.get-process',
  title: "getProcess(): own id and pid, another worker's pid, false for an invalid id; write() on it reaches that worker",
  clauses: ['pool.api.get-process'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: unixsockPool({}, 2),
  async run(h) {
    // Worker 0 exists before worker 1 asks about it: its onWorkerStart tells worker 1 to go.
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [{ call: 'sendMessage', args: [hexBytes('go'), 1] }]);
    h.onEvent('Message', { worker_id: 1 }, () => [
      { call: 'getProcess', args: [], prop: 'id' },
      { call: 'getProcess', args: [], prop: 'pid' },
      { call: 'getProcess', args: [0], prop: 'pid' },
      { call: 'getProcess', args: [9] },
      { call: 'getProcess', args: [0], then: { call: 'write', args: [hexBytes('via-process-write')] } },
    ]);
    await h.start();
    const [w0, w1] = [await h.waitEvent('WorkerStart', { worker_id: 0 }), await h.waitEvent('WorkerStart', { worker_id: 1 })];
    const go = await h.waitEvent('Message', { worker_id: 1 });
    const [ownId, ownPid, otherPid, invalid, write] = await go.done;
    h.expectEqual('getProcess() in worker 1: id, pid', [1, w1.pid], [ownId?.ret, ownPid?.ret]);
    h.expectEqual("getProcess(0)->pid is worker 0's live pid", w0.pid, otherPid?.ret);
    h.expectEqual('getProcess(9) with 2 workers', false, invalid?.ret);
    h.expectEqual('getProcess(0)->write() returns the byte count', 17, write?.ret);
    const msg = await h.waitEvent('Message', { worker_id: 0 });
    h.expectEqual("worker 0's onMessage gets the write", expected(Buffer.from('via-process-write')), msg.args.data);
    await stopPool(h);
  },
});
