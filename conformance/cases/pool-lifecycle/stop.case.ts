import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { waitExited } from '../../runner/proc.ts';
import { stopPool } from '../finish.ts';
import { LOOP_EVENTS, poolOf } from '../scenarios.ts';

export default defineCase({
  id: 'pool.lifecycle.stop',
  title: 'stop() in a worker ends only that worker: onWorkerStop, then a respawn with the same id; the others keep running',
  clauses: ['pool.lifecycle.stop'],
  features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
  scenario: poolOf(SWOOLE_IPC_UNIXSOCK, LOOP_EVENTS),
  async run(h) {
    let first: number | undefined;
    h.onEvent('WorkerStart', { worker_id: 0 }, (e) => {
      if (first === undefined) {
        first = e.pid;
        return [{ call: 'stop' }];
      }
      // The replacement proves worker 1 still serves, with its original pid.
      return [{ call: 'sendMessage', args: [hexBytes('still-there'), 1] }];
    });
    await h.start();
    const w1 = await h.waitEvent('WorkerStart', { worker_id: 1 });
    const a = await h.waitEvent('WorkerStart', { worker_id: 0 });
    h.expectEqual('stop() returns nothing', [null], (await a.done).map((r) => r.ret));
    const stop = await h.waitEvent('WorkerStop', { pid: a.pid });
    h.expectEqual('onWorkerStop of the stopped worker', { worker_id: 0 }, stop.args);
    const b = await h.waitEvent('WorkerStart', { worker_id: 0, where: (e) => e.pid !== a.pid });
    h.expectTrue('the replacement comes after onWorkerStop', b.seq > stop.seq);
    const msg = await h.waitEvent('Message', { worker_id: 1 });
    h.expectEqual('worker 1 kept its process', w1.pid, msg.pid);
    h.expectEqual('the stopped process exited', [], await waitExited([a.pid], h.ms(5000)));
    h.expectNoEvent('worker 1 was not stopped', 'WorkerStop', { pid: w1.pid });
    await stopPool(h);
  },
});
