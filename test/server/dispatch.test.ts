import t from 'tap';
import fc from 'fast-check';
import { ErrorCode } from '../../reference/errors.ts';
import {
  chooseWorker, interpretDispatchFunc, ipKey, removedEvents, uidKey,
} from '../../reference/server/dispatch.ts';
import type { DispatchConnection, WorkerLoad } from '../../reference/server/dispatch.ts';

const runs = Number(process.env.FC_RUNS ?? 100);
const ALL_MODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((q) => q.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const conn = fc.record({
  socketFd: fc.integer({ min: 3, max: 65535 }),
  remoteIp: fc.oneof(ipv4, ipv6),
  uid: fc.integer({ min: -2147483648, max: 0xffffffff }),
});
const workers = fc.array(
  fc.record({ idle: fc.boolean(), load: fc.nat(50), concurrency: fc.nat(50) }),
  { minLength: 1, maxLength: 16 },
);
const idleAll = (n: number): WorkerLoad[] => Array.from({ length: n }, () => ({ idle: true, load: 0, concurrency: 0 }));

t.test('clause:server-dispatch.mode.in-range — every mode answers a worker in [0, n)', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...ALL_MODES, 0, 42), conn, workers, fc.nat(), (mode, c, w, rr) => {
      const r = chooseWorker(mode, c, w, rr);
      return Number.isInteger(r.workerId) && r.workerId >= 0 && r.workerId < w.length;
    }),
    { numRuns: runs },
  );
  t.pass('property held');
});

t.test('clause:server-dispatch.mode.round-robin — any window of N packets visits each worker once', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.nat(1_000_000), fc.array(conn, { minLength: 1, maxLength: 64 }), (n, start, conns) => {
      let rr = start;
      const seen: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = chooseWorker(1, conns[i % conns.length]!, idleAll(n), rr);
        rr = r.roundRobin;
        seen.push(r.workerId);
      }
      return new Set(seen).size === n && rr === start + n;
    }),
    { numRuns: runs },
  );
  t.pass('property held');
});

t.test('clause:server-dispatch.mode.fdmod — sticky by socket fd, not session id', async (t) => {
  fc.assert(
    fc.property(conn, workers, fc.nat(), fc.nat(), (c, w, rr1, rr2) => {
      const a = chooseWorker(2, c, w, rr1).workerId;
      const b = chooseWorker(2, { ...c, uid: 0 }, w.map((x) => ({ ...x, idle: !x.idle })), rr2).workerId;
      return a === b && a === c.socketFd % w.length;
    }),
    { numRuns: runs },
  );
  // observed f: session 7 on socket 26 with 2 workers went to worker 0
  t.equal(chooseWorker(2, { socketFd: 26, remoteIp: '127.0.0.1', uid: 0 }, idleAll(2), 0).workerId, 0);
});

t.test('clause:server-dispatch.mode.ipmod — one address maps to one worker', async (t) => {
  t.equal(chooseWorker(4, { socketFd: 9, remoteIp: '127.0.0.1', uid: 0 }, idleAll(4), 0).workerId, 1);
  t.equal(ipKey('::ffff:127.0.0.1'), ipKey('127.0.0.1'), 'v4-mapped v6 is the v4 address');
  t.equal(ipKey('10.0.0.1'), 0x0a000001);
  t.equal(ipKey('::1'), ipKey('0:0:0:0:0:0:0:1'), 'compressed and full IPv6 agree');
  fc.assert(
    fc.property(conn, conn, workers, fc.nat(), (c1, c2, w, rr) => {
      const a = chooseWorker(4, c1, w, rr).workerId;
      const b = chooseWorker(4, { ...c2, remoteIp: c1.remoteIp }, w, rr + 7).workerId;
      return a === b;
    }),
    { numRuns: runs },
  );
});

t.test('clause:server-dispatch.mode.uidmod — bound uid wins, unbound falls back to the fd', async (t) => {
  t.equal(chooseWorker(5, { socketFd: 17, remoteIp: '1.2.3.4', uid: 839922 }, idleAll(4), 0).workerId, 2);
  t.equal(chooseWorker(5, { socketFd: 17, remoteIp: '1.2.3.4', uid: -10 }, idleAll(4), 0).workerId, 4294967286 % 4);
  t.equal(uidKey(-10), 4294967286);
  t.equal(chooseWorker(5, { socketFd: 17, remoteIp: '1.2.3.4', uid: 0 }, idleAll(4), 0).workerId, 1, 'socket 17 % 4');
  fc.assert(
    fc.property(conn, conn, workers, (c1, c2, w) => {
      fc.pre(uidKey(c1.uid) !== 0);
      // Two connections bound to the same uid land together, whatever their fds.
      return chooseWorker(5, c1, w, 0).workerId === chooseWorker(5, { ...c2, uid: c1.uid }, w, 99).workerId;
    }),
    { numRuns: runs },
  );
});

t.test('clause:server-dispatch.mode.idle-worker — first idle candidate, else last candidate + 9007', async (t) => {
  const w: WorkerLoad[] = [
    { idle: false, load: 1, concurrency: 0 },
    { idle: false, load: 1, concurrency: 0 },
    { idle: true, load: 0, concurrency: 0 },
  ];
  const r = chooseWorker(3, { socketFd: 5, remoteIp: '1.1.1.1', uid: 0 }, w, 0);
  t.equal(r.workerId, 2);
  t.equal(r.noIdleWorker, false);
  t.equal(r.roundRobin, 3);
  const busy = w.map((x) => ({ ...x, idle: false }));
  const r2 = chooseWorker(3, { socketFd: 5, remoteIp: '1.1.1.1', uid: 0 }, busy, 0);
  t.equal(r2.noIdleWorker, true);
  t.equal(r2.workerId, 0, 'the 4th candidate (counter 3) is worker 0');
  t.equal(r2.roundRobin, 4);
  for (const mode of [6, 7, 42]) t.same(chooseWorker(mode, { socketFd: 5, remoteIp: '1.1.1.1', uid: 0 }, w, 0), r, `mode ${mode} acts as 3`);
  fc.assert(
    fc.property(workers, fc.nat(1000), (ws, rr) => {
      const res = chooseWorker(3, { socketFd: 3, remoteIp: '1.1.1.1', uid: 0 }, ws, rr);
      return ws.some((x) => x.idle) ? ws[res.workerId]!.idle && !res.noIdleWorker : res.noIdleWorker;
    }),
    { numRuns: runs },
  );
});

t.test('clause:server-dispatch.mode.co-conn-lb — modes 8, 9, 10', async (t) => {
  const w: WorkerLoad[] = [
    { idle: true, load: 3, concurrency: 0 },
    { idle: true, load: 1, concurrency: 2 },
    { idle: true, load: 1, concurrency: 1 },
  ];
  const c: DispatchConnection = { socketFd: 4, remoteIp: '1.1.1.1', uid: 0 };
  const first = chooseWorker(8, c, w, 0);
  t.equal(first.workerId, 1, 'least loaded, tie to the lowest id');
  t.equal(first.bind, true);
  const again = chooseWorker(8, { ...c, boundWorker: 1 }, [...w].reverse(), 0);
  t.equal(again.workerId, 1, 'sticky once bound');
  t.equal(again.bind, false);
  t.equal(chooseWorker(9, c, w, 0).workerId, 1);
  t.equal(chooseWorker(10, c, w, 0).workerId, 0);
});

t.test('clause:server-dispatch.mode.func-result', async (t) => {
  t.same(interpretDispatchFunc(2, 4), { kind: 'worker', workerId: 2 });
  t.same(interpretDispatchFunc(-3, 4), { kind: 'fallback' });
  for (const bad of [4, 99, -1, -2, null, undefined, 1.5, '1', Number.NaN]) {
    const v = interpretDispatchFunc(bad, 4);
    t.equal(v.kind, 'discard', String(bad));
    if (v.kind === 'discard') t.equal(v.code, ErrorCode.SERVER_INVALID_REQUEST);
  }
  fc.assert(
    fc.property(fc.anything(), fc.integer({ min: 1, max: 64 }), (x, n) => {
      const v = interpretDispatchFunc(x, n);
      return v.kind !== 'worker' || (v.workerId >= 0 && v.workerId < n && v.workerId === x);
    }),
    { numRuns: runs },
  );
});

t.test('clause:server-dispatch.mode.unsafe-events', async (t) => {
  const all = new Set(['connect', 'close', 'receive', 'bufferfull', 'bufferempty']);
  for (const m of [2, 4, 8]) t.same(removedEvents('process', m, false, all), [], `mode ${m} keeps them`);
  for (const m of [1, 3, 5, 7, 9, 10]) {
    const r = removedEvents('process', m, false, all);
    t.same(r.map((e) => e.event), ['connect', 'close', 'bufferFull', 'bufferEmpty'], `mode ${m}`);
    t.ok(r.every((e) => e.code === ErrorCode.SERVER_INVALID_CALLBACK));
  }
  t.same(removedEvents('process', 5, false, new Set(['connect', 'close', 'receive'])).map((e) => e.event), ['connect', 'close'], 'observed h7: only registered ones');
  t.same(removedEvents('process', 1, true, all), [], 'enable_unsafe_event keeps them');
  t.same(removedEvents('base', 1, false, all), [], 'BASE has no dispatch');
});
