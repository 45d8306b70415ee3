import { SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { udpServer, udpPeerOf } from '../scenarios.ts';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { startServer, stopServer } from '../finish.ts';
import { UdpPeer } from '../dgram-peers.ts';

// PROCESS mode, dispatch_mode 2 (FDMOD): a datagram has no connection, so the key is the
// sender's IPv4 address bytes copied into an int (127.0.0.1 -> 0x0100007f on x86): every
// datagram from 127.0.0.1 reaches the same worker, whatever the sender's port. The worker
// replies with sendto() and the reply comes from the server's port.
const LOOPBACK_KEY = 0x0100007f;

export default defineCase({
  id: 'server.dgram.process-dispatch',
  title: 'PROCESS UDP: datagrams from one address reach one worker (key = address bytes % worker_num); sendto from the worker replies from the server port',
  clauses: ['server.dgram.process-dispatch', 'server.dgram.client-info', 'server.dgram.sendto-anywhere'],
  features: ['server', 'server.process', 'server.dispatch', 'server.udp'],
  scenario: udpServer(SWOOLE_PROCESS, { worker_num: 2, dispatch_mode: 2 }),
  async run(h) {
    h.onEvent('Packet', undefined, (e) => {
      const info = udpPeerOf(e);
      return [{ call: 'sendto', args: [info.address, info.port, hexBytes('ok'), info.server_socket] }];
    });
    const [port] = await startServer(h, 2);
    const peers = [await UdpPeer.open(h), await UdpPeer.open(h)];
    const workers: (number | null)[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, p] of peers.entries()) {
        await p.send(`r${round}`, port!.port);
        const e = await h.waitEvent('Packet');
        workers.push(e.worker_id);
        const info = e.args.client_info as Record<string, unknown>;
        h.expectEqual(`clientInfo keys (round ${round}, peer ${i})`, ['server_socket', 'dispatch_time', 'server_port', 'address', 'port'], Object.keys(info));
        h.expectEqual(`onPacket runs in a worker (round ${round}, peer ${i})`, 'worker', e.role);
        const [r] = (await p.atLeast(round + 1, h.ms(5000))).slice(round);
        h.expectEqual(`reply from the server port (round ${round}, peer ${i})`, { data: 'ok', port: port!.port }, { data: r!.data.toString(), port: r!.port });
      }
    }
    h.expectEqual('every datagram from 127.0.0.1 went to worker key % 2', workers.map(() => LOOPBACK_KEY % 2), workers);
    await stopServer(h);
  },
});
