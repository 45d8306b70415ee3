import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { waitExited } from '../../runner/proc.ts';
import { poolOf } from '../scenarios.ts';

export default defineCase({
  id: 'pool.lifecycle.pdeathsig',
  title: 'SIGKILL of the master leaves no worker running',
  clauses: ['pool.lifecycle.pdeathsig'],
  features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
  scenario: poolOf(SWOOLE_IPC_UNIXSOCK, ['WorkerStart', 'Message']),
  async run(h) {
    await h.start();
    const pids = (await h.waitEvents('WorkerStart', 2)).map((w) => w.pid);
    h.signal(h.masterPid, 'SIGKILL');
    h.expectEqual('master', { code: null, signal: 'SIGKILL' }, await h.waitExit(5000));
    h.expectEqual('workers still running after the master died', [], await waitExited(pids, h.ms(5000)));
  },
});
