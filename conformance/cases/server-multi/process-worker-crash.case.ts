import { SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { expected } from '../expect-bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

// PROCESS mode: SIGKILL the worker that serves a connection; the connection stays open and the
// next frame is served by the replacement (same worker id, new pid). onWorkerError reports it.
export default defineCase({
  id: 'server.process.worker-crash-keeps-connection',
  title: 'PROCESS mode: a worker killed with SIGKILL loses no connection; its replacement serves the next frame',
  clauses: ['server.process.worker-death-keeps-connections', 'server.multi.worker-error'],
  features: ['server', 'server.process', 'server.tcp', 'framing.length'],
  scenario: multiServer(SWOOLE_PROCESS, { dispatch_mode: 2 }, ['Connect', 'Receive', 'Close', 'WorkerStart', 'WorkerError']),
  async run(h) {
    h.onEvent('Receive', undefined, () => [{ call: 'send', args: [{ $arg: 'fd' }, { $arg: 'data' }] }]);
    const [port] = await startServer(h, 2);
    const { client, fd } = await connectTcp(h, port!);
    const first = lengthFrame('before');
    await client.write(first);
    const rx = await h.waitEvent('Receive', { where: (e) => e.args.fd === fd });
    await client.readAtLeast(first.length, h.ms(5000));
    const wid = rx.worker_id;
    h.signal(rx.pid, 'SIGKILL');
    const err = await h.waitEvent('WorkerError');
    h.expectEqual('onWorkerError in the manager: id, pid, signal 9', { role: 'manager', worker_id: wid, worker_pid: rx.pid, signal: 9 }, { role: err.role, worker_id: err.args.worker_id, worker_pid: err.args.worker_pid, signal: err.args.signal });
    const again = await h.waitEvent('WorkerStart', { worker_id: wid! });
    h.expectTrue('the replacement has a new pid', again.pid !== rx.pid, { old: rx.pid, new: again.pid });
    h.expectEqual('the client connection is still open', 'open', (await client.outcome(0)).close);
    const second = lengthFrame('after');
    await client.write(second);
    const rx2 = await h.waitEvent('Receive', { where: (e) => e.args.fd === fd });
    h.expectEqual('the next frame, same fd, same worker id, new process', { data: expected(second), worker_id: wid, pid: again.pid }, { data: rx2.args.data, worker_id: rx2.worker_id, pid: rx2.pid });
    const got = await client.readAtLeast(first.length + second.length, h.ms(5000));
    h.expectEqual('its echo reaches the same client', second.toString('hex'), got.subarray(first.length).toString('hex'));
    h.expectNoEvent('no onClose for the connection', 'Close', { where: (e) => e.args.fd === fd });
    await stopServer(h);
  },
});
