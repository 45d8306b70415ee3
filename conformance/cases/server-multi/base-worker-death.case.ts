import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

// Multi-worker BASE: the worker that accepted a connection owns it; when it dies the client sees
// EOF, no onClose runs anywhere, and the slot is respawned (onWorkerError in the manager).
export default defineCase({
  id: 'server.base.worker-death-drops-connections',
  title: "Multi-worker BASE: a dead worker's connections are closed (EOF) without onClose; the slot is respawned",
  clauses: ['server.multi.base-worker-death', 'server.multi.worker-error'],
  features: ['server', 'server.base', 'server.tcp', 'framing.length'],
  scenario: multiServer(SWOOLE_BASE, {}, ['Connect', 'Receive', 'Close', 'WorkerStart', 'WorkerError']),
  async run(h) {
    const [port] = await startServer(h, 2);
    const { client, fd } = await connectTcp(h, port!);
    await client.write(lengthFrame('x'));
    const rx = await h.waitEvent('Receive', { where: (e) => e.args.fd === fd });
    h.signal(rx.pid, 'SIGKILL');
    const out = await client.outcome(h.ms(5000));
    h.expectTrue("the client's connection is closed", out.close !== 'open', out.close);
    const err = await h.waitEvent('WorkerError');
    h.expectEqual('onWorkerError: id and signal', { worker_id: rx.worker_id, signal: 9 }, { worker_id: err.args.worker_id, signal: err.args.signal });
    const again = await h.waitEvent('WorkerStart', { worker_id: rx.worker_id! });
    h.expectTrue('respawned with a new pid', again.pid !== rx.pid, { old: rx.pid, new: again.pid });
    h.expectNoEvent('no onClose for the dropped connection', 'Close', { where: (e) => e.args.fd === fd });
    await stopServer(h);
  },
});
