import dgram from 'node:dgram';
import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { udpServer } from '../scenarios.ts';
import { defineCase } from '../../case.ts';
import { expected, ramp } from '../expect-bytes.ts';
import { startServer, stopServer } from '../finish.ts';

// UDP: one datagram is one onPacket with the whole datagram and the sender's address; an empty
// datagram makes no onPacket (observed h15).
export default defineCase({
  id: 'server.udp.packet',
  title: 'Each UDP datagram is one onPacket(data, client_info); an empty datagram is ignored',
  clauses: ['server.udp.packet'],
  features: ['server', 'server.base', 'server.udp'],
  scenario: udpServer(SWOOLE_BASE, { worker_num: 1 }),
  async run(h) {
    const [port] = await startServer(h);
    const sock = dgram.createSocket('udp4');
    h.onTeardown(() => void sock.close());
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const send = (b: Buffer) => new Promise<void>((r, j) => sock.send(b, port!.port, '127.0.0.1', (e) => (e ? j(e) : r())));
    const big = ramp(60000);
    await send(Buffer.from('one'));
    await send(Buffer.alloc(0));
    await send(big);
    const [a, b] = await h.waitEvents('Packet', 2);
    h.expectEqual('first onPacket data', expected(Buffer.from('one')), a!.args.data);
    h.expectEqual('second onPacket is the 60000-byte datagram, whole (the empty one made none)', expected(big), b!.args.data);
    const info = a!.args.client_info as { address?: string; port?: number };
    h.expectEqual('client_info names the sender', { address: '127.0.0.1', port: sock.address().port }, { address: info.address, port: info.port });
    await stopServer(h);
    h.expectEqual('no other onPacket', 2, h.events.filter((e) => e.name === 'Packet').length);
  },
});
