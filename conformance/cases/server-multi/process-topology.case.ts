import { SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { startServer, stopServer } from '../finish.ts';
import { multiServer } from '../scenarios.ts';

// S5: who is who in PROCESS mode, as every worker sees it. Swoole runs the master and the manager
// as two processes; the reference runs both roles in one (the clause's divergence), and both pass:
// the case checks that each getter names the process where that role's callback ran.
export default defineCase({
  id: 'server.process.topology',
  title: 'PROCESS mode: in every worker getMasterPid() is where onStart ran and getManagerPid() where onManagerStart ran; worker pids are distinct',
  clauses: ['server.process.topology'],
  features: ['server', 'server.process', 'server.tcp'],
  scenario: multiServer(SWOOLE_PROCESS, {}, ['Start', 'ManagerStart', 'WorkerStart', 'Receive']),
  async run(h) {
    h.onEvent('WorkerStart', undefined, () => [{ call: 'getMasterPid' }, { call: 'getManagerPid' }, { call: 'getWorkerPid' }, { call: 'getWorkerId' }]);
    await startServer(h, 2);
    const start = await h.waitEvent('Start');
    const manager = await h.waitEvent('ManagerStart');
    const workers = h.events.filter((e) => e.name === 'WorkerStart');
    const seen = new Set<number>();
    for (const w of workers) {
      const [master, mgr, pid, id] = (await w.done).map((r) => r.ret);
      h.expectEqual(`worker ${String(id)}: getMasterPid() is the onStart process`, start.pid, master);
      h.expectEqual(`worker ${String(id)}: getManagerPid() is the onManagerStart process`, manager.pid, mgr);
      h.expectEqual(`worker ${String(id)}: getWorkerPid() is its own pid`, w.pid, pid);
      h.expectTrue(`worker ${String(id)} runs in its own process`, w.pid !== start.pid && w.pid !== manager.pid, { worker: w.pid, master: start.pid, manager: manager.pid });
      seen.add(w.pid);
    }
    h.expectEqual('two workers, two processes', 2, seen.size);
    await stopServer(h);
  },
});
