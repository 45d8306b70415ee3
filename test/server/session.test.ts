import t from 'tap';
import fc from 'fast-check';
import { SessionTable, clientInfo } from '../../reference/server/session.ts';
import type { SessionInit } from '../../reference/server/session.ts';
import { StatsCounter } from '../../reference/server/stats.ts';

const runs = Number(process.env.FC_RUNS ?? 100);
let fdSeq = 20;
const init = (over: Partial<SessionInit> = {}): SessionInit => ({
  socketFd: fdSeq++, serverFd: 3, serverPort: 9501, socketType: 1, remoteIp: '127.0.0.1',
  remotePort: 40000, reactorId: 0, workerId: 0, now: 1000.25, ...over,
});

t.test('clause:server.session.ids — from start+1, +1 each, skipping ids in use', async (t) => {
  const tab = new SessionTable();
  t.same([tab.add(init()).id, tab.add(init()).id, tab.add(init()).id], [1, 2, 3]);
  const big = new SessionTable(2 ** 31);
  t.equal(big.add(init()).id, 2 ** 31 + 1);
  const wrap = new SessionTable(0xffffffff - 1);
  const a = wrap.add(init()).id;
  const b = wrap.add(init()).id;
  t.same([a, b], [0xffffffff, 1], 'wraps to 1 after UINT32_MAX');
  wrap.remove(1);
  const wrap2 = new SessionTable(0xffffffff);
  wrap2.add(init()); // 1
  wrap2.add(init()); // 2
  t.equal(wrap2.add(init()).id, 3);
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (ops) => {
      const tb = new SessionTable(0xffffffff - 5);
      const live = new Set<number>();
      for (const add of ops) {
        if (add || live.size === 0) {
          const id = tb.add(init()).id;
          if (live.has(id) || id < 1) return false;
          live.add(id);
        } else {
          const first = [...live][0]!;
          tb.remove(first);
          live.delete(first);
        }
      }
      return true;
    }),
    { numRuns: runs },
  );
});

t.test('clause:server.session.exist', async (t) => {
  const tab = new SessionTable();
  const s = tab.add(init());
  t.equal(tab.exists(s.id), true);
  s.closing = true;
  t.equal(tab.exists(s.id), false, 'closing is not exist');
  t.equal(tab.exists(9999), false);
  tab.remove(s.id);
  t.equal(tab.exists(s.id), false);
});

t.test('clause:server.session.bind', async (t) => {
  const tab = new SessionTable();
  const s = tab.add(init());
  t.equal(tab.bind(s.id, 0), true, 'bind 0 accepted');
  t.equal(s.uid, 0);
  t.equal(tab.bind(s.id, -10), true);
  t.equal(s.uid, 4294967286);
  t.equal(tab.bind(s.id, 7), false, 'second non-zero bind refused');
  const s2 = tab.add(init());
  t.equal(tab.bind(s2.id, 2 ** 32 + 7), 'range');
  t.equal(tab.bind(s2.id, -2147483649), 'range');
  t.equal(tab.bind(s2.id, 4294967295), true);
  t.equal(tab.bind(9999, 3), false);
});

t.test('clause:server.session.client-info-keys', async (t) => {
  const tab = new SessionTable();
  const s = tab.add(init({ now: 1795387107.9 }));
  s.lastRecvTime = 1795387108.5;
  const keys = ['server_port', 'server_fd', 'socket_fd', 'socket_type', 'remote_port', 'remote_ip', 'reactor_id', 'connect_time', 'last_time', 'last_recv_time', 'last_send_time', 'last_dispatch_time', 'close_errno', 'recv_queued_bytes', 'send_queued_bytes'];
  const info = clientInfo(s, 2);
  t.same(Object.keys(info), keys);
  t.equal(info.connect_time, 1795387107);
  t.equal(info.last_time, 1795387108);
  t.equal(info.last_recv_time, 1795387108.5);
  t.same(Object.keys(clientInfo(s, 5)), [...keys, 'uid'], 'mode 5 always shows uid');
  t.equal(clientInfo(s, 5).uid, 0);
  t.same(Object.keys(clientInfo(s, 8)), [...keys, 'worker_id'], 'mode 8 always shows worker_id');
  tab.bind(s.id, 12);
  t.equal(clientInfo(s, 2).uid, 12);
  const s1 = tab.add(init({ workerId: 1 }));
  t.equal(clientInfo(s1, 2).worker_id, 1, 'worker_id shown when > 0');
});

t.test('clause:server.session.client-list — observed h6 table', async (t) => {
  const tab = new SessionTable();
  for (let i = 0; i < 25; i++) tab.add(init());
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  t.same(tab.list(), range(1, 10));
  t.same(tab.list(10, 10), range(11, 20));
  t.same(tab.list(20, 10), range(21, 25));
  t.same(tab.list(25, 10), []);
  t.equal(tab.list(26, 10), false);
  t.equal(tab.list(9999, 10), false);
  t.same(tab.list(24, 10), [25]);
  t.same(tab.list(5, 3), [6, 7, 8]);
  t.same(tab.list(0, 100), range(1, 25));
  t.equal(tab.list(0, 101), false);
  t.same(tab.list(0, 0), []);
  t.same(tab.list(0, -1), []);
  t.equal(tab.list(-5, 3), false);
  for (const id of [4, 5, 13]) tab.remove(id);
  t.same(tab.list(0, 10), [1, 2, 3, 6, 7, 8, 9, 10, 11, 12]);
  t.same(tab.list(10, 10), [11, 12, 14, 15, 16, 17, 18, 19, 20, 21]);
});

t.test('clause:server.stats.keys and clause:server.stats.counters — observed h14 sequence', async (t) => {
  const st = new StatsCounter(1795387107.9);
  const ctx = { workerNum: 1, taskWorkerNum: 0, userWorkerNum: 0, idleWorkerNum: 1, worker: { requestCount: 0, responseCount: 0, dispatchCount: 0, concurrency: 0 }, minFd: 0, maxFd: 0 };
  const keys = ['start_time', 'connection_num', 'abort_count', 'accept_count', 'close_count', 'worker_num', 'task_worker_num', 'user_worker_num', 'idle_worker_num', 'dispatch_count', 'request_count', 'response_count', 'total_recv_bytes', 'total_send_bytes', 'pipe_packet_msg_id', 'concurrency', 'session_round', 'min_fd', 'max_fd', 'worker_request_count', 'worker_response_count', 'worker_dispatch_count', 'worker_concurrency', 'coroutine_num', 'coroutine_peek_num'];
  t.same(Object.keys(st.snapshot(ctx)).sort(), [...keys].sort());
  t.equal(st.snapshot(ctx).start_time, 1795387107);
  const withTasks = st.snapshot({ ...ctx, taskWorkerNum: 2, task: { idleWorkerNum: 2, taskingNum: 0, taskCount: 1 } });
  t.same(Object.keys(withTasks).sort(), [...keys, 'task_idle_worker_num', 'tasking_num', 'task_count'].sort());
  for (let i = 0; i < 3; i++) st.accepted();
  for (let i = 0; i < 6; i++) {
    st.received(5);
    st.sent(10);
  }
  st.closed();
  const s = st.snapshot(ctx);
  t.same(
    [s.connection_num, s.accept_count, s.close_count, s.request_count, s.response_count, s.dispatch_count, s.total_recv_bytes, s.total_send_bytes, s.session_round, s.abort_count],
    [2, 3, 1, 6, 6, 6, 30, 60, 3, 0],
  );
  const udp = new StatsCounter(0);
  for (let i = 0; i < 4; i++) udp.packet();
  const u = udp.snapshot(ctx);
  t.same([u.connection_num, u.accept_count, u.dispatch_count, u.request_count, u.total_recv_bytes], [0, 0, 0, 4, 0], 'observed h9');
});
