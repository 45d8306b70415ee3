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
  scenario: tcpServer({}, ['Connect', 'Receive', 'Close', 'WorkerStart', 'PipeMessage']),
  async run(h) {
    h.onEvent('Receive', undefined, (e) => (e.args.data as { $bytes: { head: string } }).$bytes.head === Buffer.from('stats').toString('hex') ? [{ call: 'stats' }] : [{ call: 'send', args: [{ $arg: 'fd' }, hexBytes('0123456789')] }]);
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
    // A separate connection asks for stats; its own accept and request are counted too.
    const probe = await connectTcp(h, port!);
    await probe.client.write(Buffer.from('stats'));
    const [st] = await (await h.waitEvent('Receive', { where: (e) => e.args.fd === probe.fd })).done;
    const stats = st?.ret as Record<string, number>;
    h.expectTrue('stats() has every always-present key', KEYS.every((k) => k in stats), { missing: KEYS.filter((k) => !(k in stats)) });
    const got = Object.fromEntries(COUNTERS.map((k) => [k, stats[k]]));
    // The probe adds 1 connection/accept and a 7th dispatch (5 bytes); request_count counts a
    // request once its callback returned, so the one asking is not in it yet (S33).
    h.expectEqual('counters', { connection_num: 3, accept_count: 4, close_count: 1, request_count: 6, response_count: 6, dispatch_count: 7, total_recv_bytes: 35, total_send_bytes: 60 }, got);
    await stopServer(h);
  },
});
