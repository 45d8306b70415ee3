import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { udpServer, udpPeerOf } from '../scenarios.ts';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { expected } from '../expect-bytes.ts';
import { startServer, stopServer } from '../finish.ts';
import { UdpPeer } from '../dgram-peers.ts';

// Multi-worker BASE with a UDP port: onPacket runs in a worker, with the UDP clientInfo keys,
// and sendto(address, port, data, server_socket) from that worker leaves from the server's port.
export default defineCase({
  id: 'server.dgram.base-workers',
  title: 'Multi-worker BASE UDP: onPacket in a worker, sendto from the worker replies from the server port',
  clauses: ['server.dgram.base-workers', 'server.dgram.client-info'],
  features: ['server', 'server.base', 'server.udp'],
  scenario: udpServer(SWOOLE_BASE, { worker_num: 2 }),
  async run(h) {
    h.onEvent('Packet', undefined, (e) => {
      const info = udpPeerOf(e);
      return [{ call: 'sendto', args: [info.address, info.port, hexBytes(`w${String(e.worker_id)}`), info.server_socket] }];
    });
    const [port] = await startServer(h, 2);
    const peers = [await UdpPeer.open(h), await UdpPeer.open(h), await UdpPeer.open(h)];
    for (const [i, p] of peers.entries()) await p.send(`hello ${i}`, port!.port);
    const events = await h.waitEvents('Packet', 3);
    const byData = new Map(events.map((e) => [JSON.stringify(e.args.data), e]));
    for (const [i, p] of peers.entries()) {
      const e = byData.get(JSON.stringify(expected(Buffer.from(`hello ${i}`))));
      h.expectTrue(`datagram ${i} made one onPacket`, e !== undefined);
      if (!e) continue;
      h.expectEqual(`onPacket of datagram ${i} runs in a worker`, 'worker', e.role);
      const info = e.args.client_info as Record<string, unknown>;
      h.expectEqual(`clientInfo keys of datagram ${i}`, ['server_socket', 'dispatch_time', 'server_port', 'address', 'port'], Object.keys(info));
      h.expectEqual(`clientInfo names peer ${i}`, { address: '127.0.0.1', port: p.port, server_port: port!.port }, { address: info.address, port: info.port, server_port: info.server_port });
      h.expectEqual(`sendto from worker ${String(e.worker_id)} returned true`, true, (await e.done)[0]?.ret);
      const [r] = await p.atLeast(1, h.ms(5000));
      h.expectEqual(`peer ${i}: the reply names its worker and comes from the server port`, { data: `w${String(e.worker_id)}`, port: port!.port }, { data: r!.data.toString(), port: r!.port });
    }
    await stopServer(h);
  },
});
