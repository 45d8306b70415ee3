import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { hasExited } from '../../runner/proc.ts';
import { poolOf } from '../scenarios.ts';

export default defineCase({
  id: 'pool.lifecycle.shutdown-order',
  title: 'SIGTERM: onShutdown in the master first, then every worker stops at once (onWorkerStop), then start() returns null',
  clauses: ['pool.lifecycle.shutdown-order'],
  features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
  // A generous max_wait_time: the held onWorkerStop calls must not meet the SIGKILL on a slow machine.
  scenario: poolOf(SWOOLE_IPC_UNIXSOCK, ['WorkerStart', 'WorkerStop', 'Message', 'Shutdown'], { set: { max_wait_time: 10 } }),
  async run(h) {
    // "At once": each onWorkerStop is held until both workers are in onWorkerStop, which
    // cannot happen if the master stopped them one after the other.
    let release!: () => void;
    const bothStopping = new Promise<void>((r) => (release = r));
    let stopping = 0;
    h.onEvent('WorkerStop', undefined, async () => {
      if (++stopping === 2) release();
      await bothStopping;
      return [];
    });
    let returnSawLive: number[] = [];
    await h.start();
    const starts = await h.waitEvents('WorkerStart', 2);
    const pids = starts.map((w) => w.pid);
    h.onEvent('Return', undefined, () => {
      returnSawLive = pids.filter((p) => !hasExited(p));
      return [];
    });
    h.signal(h.masterPid, 'SIGTERM');
    const shutdown = await h.waitEvent('Shutdown');
    h.expectEqual('onShutdown runs in the master', 'master', shutdown.role);
    const stops = [await h.waitEvent('WorkerStop', { pid: pids[0] }), await h.waitEvent('WorkerStop', { pid: pids[1] })];
    h.expectTrue('onShutdown comes before any onWorkerStop', stops.every((s) => s.seq > shutdown.seq), { shutdown: shutdown.seq, stops: stops.map((s) => s.seq) });
    const ret = await h.waitEvent('Return', { role: 'master' });
    h.expectEqual('start() returns null', null, ret.args.ret);
    h.expectEqual('workers still running when start() returned', [], returnSawLive);
    h.expectEqual('master exit', { code: 0, signal: null }, await h.waitExit(8000));
  },
});
