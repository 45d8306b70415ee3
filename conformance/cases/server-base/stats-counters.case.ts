import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import type { RawClient } from '../../runner/raw-client.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

const KEYS = ['start_time', 'connection_num', 'abort_count', 'accept_count', 'close_count', 'worker_num', 'task_worker_num', 'user_worker_num', 'idle_worker_num', 'dispatch_count', 'request_count', 'response_count', 'total_recv_bytes', 'total_send_bytes', 'pipe_packet_msg_id', 'concurrency', 'session_round', 'min_fd', 'max_fd', 'worker_request_count', 'worker_response_count', 'worker_dispatch_count', 'worker_concurrency', 'coroutine_num', 'coroutine_peek_num'];
const COUNTERS = ['connection_num', 'accept_count', 'close_count', 'request_count', 'response_count', 'dispatch_count', 'total_recv_bytes', 'total_send_bytes'] as const;

// Observed h14: 3 connects, 6 requests of 5 bytes answered with 10 bytes each, then 1 close.
export default defineCase({
  id: 'server.stats.counters',
  title: 'stats() keys and exact counters after 3 connects, 6 requests and 1 close',
  clauses: ['server.stats.counters', 'server.stats.keys'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    let connects = 0;
    h.onEvent('Connect', undefined, () => (++connects === 4 ? [{ call: 'stats' }] : []));
    h.onEvent('Receive', undefined, () => [{ call: 'send', args: [{ $arg: 'fd' }, hexBytes('0123456789')] }]);
    const [port] = await startServer(h);
    const conns: { client: RawClient; fd: number }[] = [];
    for (let i = 0; i < 3; i++) conns.push(await connectTcp(h, port!));
    for (let i = 0; i < 6; i++) {
      const c = conns[i % 3]!.client;
      const before = c.received.length;
      await c.write(Buffer.from('hello'));
      await c.readAtLeast(before + 10, h.ms(5000));
    }
    conns[2]!.client.destroy();
    await h.waitEvent('Close');
    // A fourth connection asks for stats in its onConnect: no request is in flight then, so every
    // counter is settled (inside onReceive, whether the current request counts is not specified).
    const probe = await h.connect({ host: '127.0.0.1', port: port!.port });
    const [st] = await (await h.waitEvent('Connect')).done;
    probe.destroy();
    const stats = st?.ret as Record<string, number>;
    h.expectTrue('stats() has every always-present key', KEYS.every((k) => k in stats), { missing: KEYS.filter((k) => !(k in stats)) });
    const got = Object.fromEntries(COUNTERS.map((k) => [k, stats[k]]));
    // h14 plus the probe's own accept (3 live connections: 3 opened, 1 closed, the probe).
    h.expectEqual('counters', { connection_num: 3, accept_count: 4, close_count: 1, request_count: 6, response_count: 6, dispatch_count: 6, total_recv_bytes: 30, total_send_bytes: 60 }, got);
    await stopServer(h);
  },
});
