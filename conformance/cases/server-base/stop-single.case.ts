import { defineCase } from '../../case.ts';
import { connectTcp, startServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// A single-process server's one worker is the server: stop() ends it like shutdown().
export default defineCase({
  id: 'server.base.stop-single',
  title: 'single process: stop(3) is false with 505; stop() closes connections (onClose -1), runs onWorkerStop and onShutdown, start() returns true',
  clauses: ['server.base.stop-single'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}, ['Connect', 'Receive', 'Close', 'WorkerStart', 'WorkerStop', 'Shutdown']),
  async run(h) {
    h.onEvent('Receive', undefined, () => [{ call: 'stop', args: [3] }, { call: 'stop' }]);
    const [port] = await startServer(h);
    const { client, fd } = await connectTcp(h, port!);
    await client.write(Buffer.from('go'));
    const [bad, ok] = await (await h.waitEvent('Receive')).done;
    h.expectEqual('stop(3)', { ret: false, last_error: 505 }, { ret: bad?.ret, last_error: bad?.last_error });
    h.expectEqual('stop()', true, ok?.ret);
    const close = await h.waitEvent('Close');
    h.expectEqual('the connection closes with reactor_id -1', { fd, reactor_id: -1 }, close.args);
    const stop = await h.waitEvent('WorkerStop');
    const shutdown = await h.waitEvent('Shutdown');
    h.expectTrue('onClose, onWorkerStop, onShutdown in order', close.seq < stop.seq && stop.seq < shutdown.seq, h.traceSummary());
    h.expectEqual('start() returns true', true, (await h.waitEvent('Return')).args.ret);
    h.expectEqual('the client sees EOF', 'eof', (await client.outcome(h.ms(5000))).close);
    await h.waitExit(8000);
  },
});
