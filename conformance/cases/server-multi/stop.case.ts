import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

// stop() in a BASE worker: true; that worker stops (its connection closes), the manager starts
// the same id with a new pid, no onWorkerError. In the manager, stop() without an id is false (505).
export default defineCase({
  id: 'server.multi.stop',
  title: 'stop() in a worker stops it and the manager respawns the same id; in the manager stop() without an id or with a bad id is false with 505',
  clauses: ['server.multi.stop', 'server.multi.stop-in-manager'],
  features: ['server', 'server.base', 'server.tcp', 'framing.length'],
  scenario: multiServer(SWOOLE_BASE, {}, ['Connect', 'Receive', 'Close', 'WorkerStart', 'WorkerStop', 'WorkerError', 'ManagerStart']),
  async run(h) {
    h.onEvent('ManagerStart', undefined, () => [{ call: 'stop' }, { call: 'stop', args: [99] }]);
    h.onEvent('Receive', undefined, () => [{ call: 'stop', args: [99] }, { call: 'stop' }]);
    const [port] = await startServer(h, 2);
    const [noId, bad] = await (await h.waitEvent('ManagerStart')).done;
    h.expectEqual('manager: stop() without an id', { ret: false, last_error: 505 }, { ret: noId?.ret, last_error: noId?.last_error });
    h.expectEqual('manager: stop(99)', { ret: false, last_error: 505 }, { ret: bad?.ret, last_error: bad?.last_error });
    const { client, fd } = await connectTcp(h, port!);
    await client.write(lengthFrame('x'));
    const rx = await h.waitEvent('Receive', { where: (e) => e.args.fd === fd });
    const [badW, ok] = await rx.done;
    h.expectEqual('worker: stop(99)', { ret: false, last_error: 505 }, { ret: badW?.ret, last_error: badW?.last_error });
    h.expectEqual('worker: stop()', true, ok?.ret);
    const stop = await h.waitEvent('WorkerStop', { where: (e) => e.pid === rx.pid });
    h.expectEqual('onWorkerStop in the stopped worker', rx.worker_id, stop.args.worker_id);
    const again = await h.waitEvent('WorkerStart', { where: (e) => e.args.worker_id === rx.worker_id && e.pid !== rx.pid });
    h.expectTrue('respawned: same id, new pid', again.pid !== rx.pid, { old: rx.pid, new: again.pid });
    h.expectEqual("BASE: the stopped worker's connection is closed", 'eof', (await client.outcome(h.ms(5000))).close);
    h.expectNoEvent('a stop is not an error', 'WorkerError');
    await stopServer(h);
  },
});
