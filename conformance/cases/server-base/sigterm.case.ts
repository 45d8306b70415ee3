import { defineCase } from '../../case.ts';
import { startServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// SIGTERM: onWorkerStop, then onShutdown in the master, then start() returns true.
export default defineCase({
  id: 'server.base.sigterm',
  title: 'SIGTERM to the master runs onWorkerStop then onShutdown, and start() returns true',
  clauses: ['server.base.sigterm', 'server.base.lifecycle'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}, ['Start', 'WorkerStart', 'Receive', 'WorkerStop', 'Shutdown']),
  async run(h) {
    await startServer(h);
    const start = await h.waitEvent('Start');
    h.expectEqual('onStart runs in the master', 'master', start.role);
    h.signal(h.masterPid, 'SIGTERM');
    const stop = await h.waitEvent('WorkerStop');
    const shutdown = await h.waitEvent('Shutdown');
    const ret = await h.waitEvent('Return');
    h.expectEqual('onWorkerStop(0)', { worker_id: 0 }, stop.args);
    h.expectTrue('onWorkerStop before onShutdown', stop.seq < shutdown.seq, h.traceSummary());
    h.expectEqual('start() returns true', true, ret.args.ret);
    const exit = await h.waitExit(8000);
    h.expectEqual('master exits 0', 0, exit.code);
  },
});
