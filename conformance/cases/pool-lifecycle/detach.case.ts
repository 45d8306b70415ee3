import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { Mailbox } from '../../runner/mailbox.ts';
import { waitExited } from '../../runner/proc.ts';
import { stopPool } from '../finish.ts';
import { LOOP_EVENTS, poolOf } from '../scenarios.ts';

export default defineCase({
  id: 'pool.lifecycle.detach',
  title: 'detach() returns true; a replacement with the same id starts; the detached process finishes its callback, exits and is not respawned',
  clauses: ['pool.lifecycle.detach'],
  features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
  scenario: poolOf(SWOOLE_IPC_UNIXSOCK, LOOP_EVENTS),
  async run(h) {
    const box = new Mailbox();
    let first: number | undefined;
    h.onEvent('WorkerStart', { worker_id: 0 }, (e) => {
      if (first !== undefined) return box.take();
      first = e.pid;
      // The callback goes on after detach(): a slow handler that must be allowed to finish.
      return [{ call: 'detach' }, { sleep_ms: 300 }];
    });
    await h.start();
    await h.waitEvent('WorkerStart', { worker_id: 1 });
    const a = await h.waitEvent('WorkerStart', { worker_id: 0 });
    const b = await h.waitEvent('WorkerStart', { worker_id: 0, where: (e) => e.pid !== a.pid });
    h.expectTrue('the replacement has a new pid', b.pid !== a.pid);
    const results = await a.done;
    h.expectEqual('detach() returns true and the callback ran to its end', [true, null], results.map((r) => r.ret));
    const stop = await h.waitEvent('WorkerStop', { pid: a.pid });
    h.expectEqual('the detached process runs onWorkerStop as worker 0', { worker_id: 0 }, stop.args);
    h.expectEqual('the detached process exited', [], await waitExited([a.pid], h.ms(5000)));
    // Settle with a round trip through the pool: worker 1 answers a message from the replacement.
    box.put([{ call: 'sendMessage', args: [hexBytes('after-detach'), 1] }]);
    await h.waitEvent('Message', { worker_id: 1 });
    h.expectEqual('worker 0 started twice (original + replacement), no respawn of the detached one', 2, h.events.filter((e) => e.name === 'WorkerStart' && e.worker_id === 0).length);
    await stopPool(h);
  },
});
