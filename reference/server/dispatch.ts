/**
 * dispatch_mode: which event worker gets a packet (PROCESS mode; BASE mode has no dispatch).
 * A pure function of the connection, the workers' states and a round-robin counter; the caller
 * keeps the counter between calls. Rules: notes S10, S11, S12; observed f, h7.
 */
import { ErrorCode } from '../errors.ts';

export const DISPATCH_ROUND = 1;
export const DISPATCH_FDMOD = 2;
export const DISPATCH_IDLE_WORKER = 3;
export const DISPATCH_IPMOD = 4;
export const DISPATCH_UIDMOD = 5;
export const DISPATCH_STREAM = 7;
export const DISPATCH_CO_CONN_LB = 8;
export const DISPATCH_CO_REQ_LB = 9;
export const DISPATCH_CONCURRENT_LB = 10;

/** dispatch_func special results (S11). */
export const DISPATCH_RESULT_DISCARD_PACKET = -1;
export const DISPATCH_RESULT_CLOSE_CONNECTION = -2;
export const DISPATCH_RESULT_USERFUNC_FALLBACK = -3;

export interface DispatchConnection {
  /** The OS socket fd: modes 2 and 5 (unbound) hash this, not the session id (observed f). */
  readonly socketFd: number;
  /** Remote address as text (IPv4 dotted quad or IPv6). */
  readonly remoteIp: string;
  /** bind() uid; 0 = unbound. */
  readonly uid: number;
  /** Mode 8: the worker this connection was bound to by its first dispatch, if any. */
  readonly boundWorker?: number;
}

export interface WorkerLoad {
  readonly idle: boolean;
  /** In-flight requests (our stand-in for Swoole's coroutine count; modes 8 and 9). */
  readonly load: number;
  /** Swoole's `concurrency` counter (mode 10); it only moves for HTTP requests. */
  readonly concurrency: number;
}

export interface DispatchResult {
  readonly workerId: number;
  /** Round-robin counter after this choice (modes 1, 3 and the idle fallback). */
  readonly roundRobin: number;
  /** Mode 3 found no idle worker and used the last candidate (warning 9007). */
  readonly noIdleWorker: boolean;
  /** Mode 8: the connection is now bound to workerId. */
  readonly bind: boolean;
}

/** S10 mode 4: an IPv4 address as a host-order integer; IPv6 hashed (FNV-1a over its 16 bytes). */
export function ipKey(ip: string): number {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip);
  if (v4) return ((Number(v4[1]) << 24) | (Number(v4[2]) << 16) | (Number(v4[3]) << 8) | Number(v4[4])) >>> 0;
  let h = 0x811c9dc5;
  for (const b of ipv6Bytes(ip)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function ipv6Bytes(ip: string): number[] {
  const [head = '', tail] = ip.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16) & 0xffff));
  const a = part(head);
  const b = tail === undefined ? [] : part(tail);
  const groups = [...a, ...new Array(Math.max(0, 8 - a.length - b.length)).fill(0), ...b];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** uid as Swoole stores it: an unsigned 32-bit value (bind(-10) reads 4294967286, observed h7). */
export function uidKey(uid: number): number {
  return uid >>> 0;
}

function lowest(workers: readonly WorkerLoad[], by: (w: WorkerLoad) => number): number {
  let best = 0;
  for (let i = 1; i < workers.length; i++) if (by(workers[i]!) < by(workers[best]!)) best = i;
  return best;
}

/**
 * S10: the worker for one packet. `workers.length` is worker_num (≥ 1).
 * Modes 6, 7 and any unknown mode behave as 3 (idle worker).
 */
export function chooseWorker(mode: number, conn: DispatchConnection, workers: readonly WorkerLoad[], roundRobin: number): DispatchResult {
  const n = workers.length;
  if (n < 1) throw new RangeError('chooseWorker needs at least one worker');
  const plain = (workerId: number, rr = roundRobin): DispatchResult => ({ workerId, roundRobin: rr, noIdleWorker: false, bind: false });
  switch (mode) {
    case DISPATCH_ROUND:
      return plain(roundRobin % n, roundRobin + 1);
    case DISPATCH_FDMOD:
      return plain(conn.socketFd % n);
    case DISPATCH_IPMOD:
      return plain(ipKey(conn.remoteIp) % n);
    case DISPATCH_UIDMOD:
      return plain(uidKey(conn.uid) !== 0 ? uidKey(conn.uid) % n : conn.socketFd % n);
    case DISPATCH_CO_CONN_LB:
      if (conn.boundWorker !== undefined && conn.boundWorker >= 0 && conn.boundWorker < n) return plain(conn.boundWorker);
      return { ...plain(lowest(workers, (w) => w.load)), bind: true };
    case DISPATCH_CO_REQ_LB:
      return plain(lowest(workers, (w) => w.load));
    case DISPATCH_CONCURRENT_LB:
      return plain(lowest(workers, (w) => w.concurrency));
    default:
      return idleWorker(workers, roundRobin);
  }
}

/** Mode 3: scan up to worker_num+1 round-robin candidates; first idle wins, else the last one. */
function idleWorker(workers: readonly WorkerLoad[], roundRobin: number): DispatchResult {
  const n = workers.length;
  let rr = roundRobin;
  let key = 0;
  for (let i = 0; i < n + 1; i++) {
    key = rr % n;
    rr++;
    if (workers[key]!.idle) return { workerId: key, roundRobin: rr, noIdleWorker: false, bind: false };
  }
  return { workerId: key, roundRobin: rr, noIdleWorker: true, bind: false };
}

export type DispatchFuncVerdict =
  | { readonly kind: 'worker'; readonly workerId: number }
  | { readonly kind: 'fallback' }
  | { readonly kind: 'discard'; readonly code: number; readonly detail: string };

/**
 * S11: what a dispatch_func result means. A worker id in [0, worker_num) is used; -3 falls back
 * to dispatch_mode; -2 discards without closing; anything else (≥ worker_num, -1, null,
 * non-integers) discards with "invalid target worker-id".
 */
export function interpretDispatchFunc(result: unknown, workerNum: number): DispatchFuncVerdict {
  if (result === DISPATCH_RESULT_USERFUNC_FALLBACK) return { kind: 'fallback' };
  if (typeof result === 'number' && Number.isInteger(result) && result >= 0 && result < workerNum) {
    return { kind: 'worker', workerId: result };
  }
  if (result === DISPATCH_RESULT_CLOSE_CONNECTION) {
    return { kind: 'discard', code: ErrorCode.SERVER_INVALID_REQUEST, detail: 'dispatch_func asked to drop the packet' };
  }
  return { kind: 'discard', code: ErrorCode.SERVER_INVALID_REQUEST, detail: `invalid target worker-id ${describe(result)}` };
}

/** A user value in a message; never throws (objects may have a broken toString). */
function describe(v: unknown): string {
  try {
    return typeof v === 'symbol' ? v.toString() : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Events S12 removes in PROCESS mode for non-hash dispatch modes. */
export const UNSAFE_EVENTS = ['connect', 'close', 'bufferFull', 'bufferEmpty'] as const;

/** S12: modes whose connections stick to one worker keep the connection-level events. */
export function isHashDispatchMode(mode: number): boolean {
  return mode === DISPATCH_FDMOD || mode === DISPATCH_IPMOD || mode === DISPATCH_CO_CONN_LB;
}

export interface RemovedEvent {
  readonly event: (typeof UNSAFE_EVENTS)[number];
  /** SERVER_INVALID_CALLBACK (9015): the warning code Swoole logs for each. */
  readonly code: number;
}

/**
 * S12 / observed h7: which of the registered events start() removes. Only PROCESS mode
 * dispatches; BASE keeps everything. `registered` holds lowercased event names.
 */
export function removedEvents(serverMode: 'base' | 'process', dispatchMode: number, enableUnsafeEvent: boolean, registered: ReadonlySet<string>): RemovedEvent[] {
  if (serverMode !== 'process' || enableUnsafeEvent || isHashDispatchMode(dispatchMode)) return [];
  return UNSAFE_EVENTS.filter((e) => registered.has(e.toLowerCase())).map((event) => ({ event, code: ErrorCode.SERVER_INVALID_CALLBACK }));
}

/** One task worker as the scheduler sees it. */
export interface TaskWorkerLoad {
  /** Not inside a callback (status IDLE). */
  idle: boolean;
  /** Tasks sent to it that its onTask has not started yet. */
  queued: number;
}

export interface TaskChoice {
  /** Task-worker index. */
  index: number;
  /** Next round-robin position. */
  next: number;
  /** No idle task worker had an empty queue (Swoole warns 9007). */
  noIdle: boolean;
}

/**
 * S17: task(dst = -1) picks a task worker. Swoole takes the next idle one in round-robin order,
 * else the last candidate with warning 9007. Ours also counts the tasks already queued for each
 * worker (a counter in shared memory), so a burst spreads over the workers instead of piling on
 * the one that was idle a moment ago: first an idle worker with nothing queued, else the one with
 * the shortest queue; round-robin order breaks ties.
 */
export function chooseTaskWorker(workers: readonly TaskWorkerLoad[], roundRobin: number): TaskChoice {
  const n = workers.length;
  if (n < 1) throw new RangeError('chooseTaskWorker needs at least one task worker');
  let best = -1;
  let bestQueued = Infinity;
  for (let k = 0; k < n; k++) {
    const i = (roundRobin + k) % n;
    const w = workers[i]!;
    const q = Math.max(0, w.queued);
    if (w.idle && q === 0) return { index: i, next: (i + 1) % n, noIdle: false };
    if (q < bestQueued) {
      best = i;
      bestQueued = q;
    }
  }
  return { index: best, next: (best + 1) % n, noIdle: true };
}

/**
 * S10 for a datagram (PROCESS mode): `key` is datagramDispatchKey(...) (packet.ts), standing
 * in for the fd. Hash modes (2, 4, 5, 8) take key % worker_num: there is no connection, no uid
 * and no binding; the others choose as for a connection's packet.
 */
export function choosePacketWorker(mode: number, key: number, workers: readonly WorkerLoad[], roundRobin: number): DispatchResult {
  const n = workers.length;
  if (n < 1) throw new RangeError('choosePacketWorker needs at least one worker');
  if (mode === DISPATCH_FDMOD || mode === DISPATCH_IPMOD || mode === DISPATCH_UIDMOD || mode === DISPATCH_CO_CONN_LB) {
    return { workerId: key % n, roundRobin, noIdleWorker: false, bind: false };
  }
  return chooseWorker(mode, { socketFd: key, remoteIp: '', uid: 0 }, workers, roundRobin);
}
