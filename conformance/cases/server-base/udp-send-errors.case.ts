import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { udpServer, udpPeerOf } from '../scenarios.ts';
import { defineCase } from '../../case.ts';
import { fillBytes, hexBytes } from '../../protocol/bytes.ts';
import { startServer, stopServer } from '../finish.ts';
import { UdpPeer } from '../dgram-peers.ts';

// sendto() refusals on a UDP server, each false with its last error, and the server keeps
// serving: a host that is no IP literal, port 0, an IPv6 peer without a UDP6 port, a session
// id on a server without connections, a payload above 65,507 bytes (EMSGSIZE, 90).
export default defineCase({
  id: 'server.dgram.send-errors',
  title: 'UDP sendto()/send() refusals: false with their last errors; the server keeps serving',
  clauses: ['server.dgram.send-errors', 'server.udp.packet'],
  features: ['server', 'server.base', 'server.udp'],
  scenario: udpServer(SWOOLE_BASE, { worker_num: 1 }),
  async run(h) {
    h.onEvent('Packet', undefined, (e) => {
      const info = udpPeerOf(e);
      return [
        { call: 'sendto', args: ['not-an-ip', 9, hexBytes('x')] },
        { call: 'sendto', args: ['127.0.0.1', 0, hexBytes('x')] },
        { call: 'sendto', args: ['::1', 9, hexBytes('x')] },
        { call: 'send', args: [1, hexBytes('x')] },
        { call: 'sendto', args: [info.address, info.port, fillBytes(65508), info.server_socket] },
        { call: 'sendto', args: [info.address, info.port, fillBytes(65507), info.server_socket] },
      ];
    });
    const [port] = await startServer(h);
    const peer = await UdpPeer.open(h);
    await peer.send('go', port!.port);
    const [notIp, port0, noUdp6, session, tooBig, max] = await (await h.waitEvent('Packet')).done;
    const r = (x: typeof notIp) => ({ ret: x?.ret, last_error: x?.last_error });
    h.expectEqual("sendto('not-an-ip', …)", { ret: false, last_error: 505 }, r(notIp));
    h.expectEqual("sendto(ip, 0, …)", { ret: false, last_error: 505 }, r(port0));
    h.expectEqual("sendto('::1', …) without a UDP6 port", { ret: false, last_error: 509 }, r(noUdp6));
    h.expectEqual('send(1, …) on a UDP server', { ret: false, last_error: 1005 }, r(session));
    h.expectEqual('sendto of 65,508 bytes', { ret: false, last_error: 90 }, r(tooBig));
    h.expectEqual('sendto of 65,507 bytes', true, max?.ret);
    const [got] = await peer.atLeast(1, h.ms(5000));
    h.expectEqual('only the 65,507-byte datagram arrived, whole', 65507, got!.data.length);
    await peer.send('again', port!.port);
    h.expectEqual('the server still serves', 'again', Buffer.from(((await h.waitEvent('Packet')).args.data as { $bytes: { head: string } }).$bytes.head, 'hex').toString());
    await stopServer(h);
  },
});
