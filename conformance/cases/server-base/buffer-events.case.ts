import { defineCase } from '../../case.ts';
import { fillBytes } from '../../protocol/bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// 16 MiB sent in one callback to a client that does not read: the queue crosses
// buffer_high_watermark (bufferFull) and, once
// the client reads again, drains to 0 (bufferEmpty). Sends past socket_buffer_size are refused (1009).
const PIECE = 256 * 1024;
const COUNT = 64;

export default defineCase({
  id: 'server.base.buffer-events',
  title: 'onBufferFull once the unsent queue reaches buffer_high_watermark, onBufferEmpty once it drained; every accepted byte arrives',
  clauses: ['server.base.buffer-events', 'server.base.buffer-marks'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({ buffer_high_watermark: 1024 * 1024 }, ['Connect', 'Receive', 'Close', 'WorkerStart', 'BufferFull', 'BufferEmpty']),
  async run(h) {
    h.onEvent('Receive', undefined, () => Array.from({ length: COUNT }, () => ({ call: 'send', args: [{ $arg: 'fd' }, fillBytes(PIECE)] })));
    const [port] = await startServer(h);
    const { client, fd } = await connectTcp(h, port!);
    // Not reading: the kernel buffers fill and the server's queue grows.
    client.pause();
    await client.write(Buffer.from('go'));
    const results = await (await h.waitEvent('Receive')).done;
    const accepted = results.filter((r) => r.ret === true).length;
    const refused = results.filter((r) => r.ret !== true);
    h.expectTrue('some sends were accepted', accepted > 4, accepted);
    h.expectTrue('refusals, if any, are overflow (1009)', refused.every((r) => r.last_error === 1009), refused);
    const full = await h.waitEvent('BufferFull');
    h.expectEqual('onBufferFull(fd)', { fd }, full.args);
    client.resume();
    const empty = await h.waitEvent('BufferEmpty');
    h.expectEqual('onBufferEmpty(fd)', { fd }, empty.args);
    h.expectTrue('full before empty', full.seq < empty.seq, h.traceSummary());
    const got = await client.readAtLeast(accepted * PIECE, h.ms(10000));
    h.expectEqual('every accepted byte arrived', accepted * PIECE, got.length);
    h.expectEqual('bufferFull and bufferEmpty once each', [1, 1], ['BufferFull', 'BufferEmpty'].map((n) => h.events.filter((e) => e.name === n).length));
    await stopServer(h);
  },
});
