import { SWOOLE_IPC_NONE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { hasExited } from '../../runner/proc.ts';
import { poolOf } from '../scenarios.ts';

// "Never" has no handshake: watch past the shortest non-zero max_wait_time (1 s), then end it.
const WATCH_MS = 1500;

export default defineCase({
  id: 'pool.lifecycle.max-wait-zero',
  title: 'With max_wait_time 0 the master never SIGKILLs workers that ignore the shutdown SIGTERM; it waits until they are gone',
  clauses: ['pool.lifecycle.max-wait-time'],
  features: ['pool', 'pool.ipc.none', 'pool.supervision'],
  scenario: poolOf(SWOOLE_IPC_NONE, ['WorkerStart', 'WorkerStop'], { set: { max_wait_time: 0 } }),
  async run(h) {
    h.onEvent('WorkerStart', undefined, () => [{ ignore_signal: 'SIGTERM' }]);
    h.onEvent('WorkerStop', undefined, () => [{ sleep_ms: 30000 }]);
    await h.start();
    const pids = (await h.waitEvents('WorkerStop', 2)).map((s) => s.pid);
    h.signal(h.masterPid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, WATCH_MS));
    h.expectEqual(`workers killed within ${WATCH_MS} ms of the SIGTERM`, [], pids.filter(hasExited));
    h.expectNoEvent('start() has not returned', 'Return');
    // The operator ends them; only then does start() return.
    for (const pid of pids) h.signal(pid, 'SIGKILL');
    const ret = await h.waitEvent('Return', { role: 'master' });
    h.expectEqual('start() returns null once they are gone', null, ret.args.ret);
  },
});
