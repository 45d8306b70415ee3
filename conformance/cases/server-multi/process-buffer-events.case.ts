import { SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { fillBytes } from '../../protocol/bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

// PROCESS mode, dispatch_mode 2: a worker sends 16 MiB to a client that does not read; the
// master's queue crosses buffer_high_watermark and onBufferFull runs in the connection's worker;
// once the client reads, onBufferEmpty runs there too.
const PIECE = 256 * 1024;
const COUNT = 64;

export default defineCase({
  id: 'server.process.buffer-events',
  title: "PROCESS mode: onBufferFull / onBufferEmpty run in the connection's worker as the master's queue fills and drains",
  clauses: ['server.process.buffer-events', 'server.base.buffer-events'],
  features: ['server', 'server.process', 'server.tcp', 'framing.length'],
  scenario: multiServer(SWOOLE_PROCESS, { dispatch_mode: 2, buffer_high_watermark: 1024 * 1024 }, ['Connect', 'Receive', 'Close', 'WorkerStart', 'BufferFull', 'BufferEmpty']),
  async run(h) {
    h.onEvent('Receive', undefined, () => Array.from({ length: COUNT }, () => ({ call: 'send', args: [{ $arg: 'fd' }, fillBytes(PIECE)] })));
    const [port] = await startServer(h, 2);
    const { client, fd } = await connectTcp(h, port!);
    // Not reading: the kernel buffers fill and the master's queue grows.
    client.pause();
    await client.write(lengthFrame('go'));
    const rx = await h.waitEvent('Receive');
    const results = await rx.done;
    h.expectEqual('every send() is accepted by the worker', COUNT, results.filter((r) => r.ret === true).length);
    const full = await h.waitEvent('BufferFull');
    h.expectEqual('onBufferFull(fd) in the worker that serves the connection', { fd, worker_id: rx.worker_id }, { fd: full.args.fd, worker_id: full.worker_id });
    client.resume();
    const empty = await h.waitEvent('BufferEmpty');
    h.expectEqual('onBufferEmpty(fd) there too', { fd, worker_id: rx.worker_id }, { fd: empty.args.fd, worker_id: empty.worker_id });
    const got = await client.readAtLeast(COUNT * PIECE, h.ms(10000));
    h.expectEqual('every byte arrived', COUNT * PIECE, got.length);
    await stopServer(h);
  },
});
