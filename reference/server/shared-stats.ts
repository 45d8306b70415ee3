/**
 * stats() across processes: one shared-memory block (a memfd every process maps) holding a
 * row of counters per process role: row 0 for the master/manager, row 1+i for worker slot i.
 * Each row has exactly one writer at a time (a slot's replacement starts after the old process
 * has exited), so plain Float64 stores suffice; stats() in any process sums the rows. The one
 * counter several processes race on, BASE session ids, goes through the addon's atomicAdd.
 * PROCESS mode also keeps a session-slot table here: slot[id % SESSION_SLOTS] = id while the
 * session is live, so a worker's exist()/send() know about sessions it never saw (S36, S38).
 */
import type { NativeAddon } from '../native/api.ts';
import { StatsCounter } from './stats.ts';

/** Column indexes within a row. */
export const Col = {
  ACCEPT: 0,
  CLOSE: 1,
  ABORT: 2,
  DISPATCH: 3,
  REQUEST: 4,
  RESPONSE: 5,
  RECV_BYTES: 6,
  SEND_BYTES: 7,
  /** Worker status: 1 BUSY, 2 IDLE, 3 EXIT (S9). */
  STATUS: 8,
  /** Per-process counts (reset by each new process of the slot). */
  W_REQUEST: 9,
  W_RESPONSE: 10,
  W_DISPATCH: 11,
  PID: 12,
  PACKET: 13,
  /** PROCESS worker progress on its channel: the datagram in hand and records taken from it. */
  CHAN_SEQ: 14,
  CHAN_DONE: 15,
  /** Task workers: tasks run (task_count), and the task in hand (src -1: none) for the manager's loss report. */
  TASKS: 16,
  HOLD_SRC: 17,
  HOLD_ID: 18,
  HOLD_PID: 19,
  HOLD_WAIT: 20,
} as const;

const ROW_WORDS = 24;
const HEADER_WORDS = 8;
/** Header words (int64 / float64). */
const H_SESSION = 0;
const H_START_TIME = 1;
const H_ONSTART = 2;
const H_SESSION_ROUND = 3;
export const SESSION_SLOTS = 1 << 18;

export const WORKER_BUSY = 1;
export const WORKER_IDLE = 2;
export const WORKER_EXIT = 3;

/** Words before the session table: header, one row per process role, one task-queue counter per slot. */
function wordsBeforeSlots(workerNum: number): number {
  return HEADER_WORDS + ROW_WORDS * (workerNum + 1) + workerNum;
}

/** `workerNum`: every slot (event workers, task workers, user processes). */
export function sharedBlockSize(workerNum: number): number {
  return wordsBeforeSlots(workerNum) * 8 + SESSION_SLOTS * 4;
}

export class SharedStats {
  readonly workerNum: number;
  readonly #buf: ArrayBuffer;
  readonly #f: Float64Array;
  readonly #i: BigInt64Array;
  readonly #slots: Uint32Array;
  readonly #queued: BigInt64Array;
  readonly #queuedWord: number;
  readonly #native: NativeAddon;
  /** Offset of the row this process writes. */
  #row = 0;

  constructor(native: NativeAddon, fd: number, workerNum: number) {
    this.workerNum = workerNum;
    this.#native = native;
    const size = sharedBlockSize(workerNum);
    this.#buf = native.mapSharedMemory(fd, size);
    const wordsEnd = wordsBeforeSlots(workerNum) * 8;
    this.#f = new Float64Array(this.#buf, 0, wordsEnd / 8);
    this.#i = new BigInt64Array(this.#buf, 0, HEADER_WORDS);
    this.#slots = new Uint32Array(this.#buf, wordsEnd, SESSION_SLOTS);
    this.#queuedWord = HEADER_WORDS + ROW_WORDS * (workerNum + 1);
    this.#queued = new BigInt64Array(this.#buf, this.#queuedWord * 8, workerNum);
  }

  /** Which row this process writes: -1 = master/manager, else the worker slot. */
  own(slot: number): void {
    this.#row = HEADER_WORDS + ROW_WORDS * (slot + 1);
    if (slot >= 0) {
      this.#f[this.#row + Col.W_REQUEST] = 0;
      this.#f[this.#row + Col.W_RESPONSE] = 0;
      this.#f[this.#row + Col.W_DISPATCH] = 0;
      this.#f[this.#row + Col.PID] = process.pid;
      this.#f[this.#row + Col.STATUS] = WORKER_IDLE;
      this.#f[this.#row + Col.HOLD_SRC] = -1;
    }
  }

  set startTime(sec: number) {
    this.#f[H_START_TIME] = sec;
  }

  /** BASE: the next global session id (S6: from start_session_id + 1). */
  nextSessionId(startSessionId: number): number {
    const n = this.#native.atomicAdd(this.#buf, H_SESSION, 1) + 1;
    return ((startSessionId + n - 1) % 0xffffffff) + 1;
  }

  /** S4: onStart runs once, in the first worker 0. */
  claimOnStart(): boolean {
    return this.#native.atomicAdd(this.#buf, H_ONSTART, 1) === 0;
  }

  add(col: number, n = 1): void {
    this.#f[this.#row + col]! += n;
  }

  status(slot: number): number {
    return this.#f[HEADER_WORDS + ROW_WORDS * (slot + 1) + Col.STATUS] ?? 0;
  }

  setStatus(status: number): void {
    this.#f[this.#row + Col.STATUS] = status;
  }

  /** Marks slot's row as exited (the manager, once the process is gone). */
  markExited(slot: number): void {
    this.#f[HEADER_WORDS + ROW_WORDS * (slot + 1) + Col.STATUS] = WORKER_EXIT;
  }

  /** `col` of worker slot `slot`'s row (for the master). */
  of(slot: number, col: number): number {
    return this.#f[HEADER_WORDS + ROW_WORDS * (slot + 1) + col]!;
  }

  /** Sets this process's own `col`. */
  put(col: number, v: number): void {
    this.#f[this.#row + col] = v;
  }

  /** This process's own value of `col`. */
  mine(col: number): number {
    return this.#f[this.#row + col]!;
  }

  /** PROCESS master: session-slot table for workers' exist()/send(). */
  sessionOpen(id: number): void {
    this.#slots[id % SESSION_SLOTS] = id;
  }

  sessionClosed(id: number): void {
    if (this.#slots[id % SESSION_SLOTS] === id) this.#slots[id % SESSION_SLOTS] = 0;
  }

  sessionLive(id: number): boolean {
    return id > 0 && this.#slots[id % SESSION_SLOTS] === id;
  }

  setSessionRound(n: number): void {
    this.#f[H_SESSION_ROUND] = n;
  }

  /** The rows summed into a StatsCounter (for its snapshot()). */
  totals(): StatsCounter {
    const c = new StatsCounter(this.#f[H_START_TIME]!);
    for (let r = 0; r <= this.workerNum; r++) {
      const o = HEADER_WORDS + ROW_WORDS * r;
      c.acceptCount += this.#f[o + Col.ACCEPT]!;
      c.closeCount += this.#f[o + Col.CLOSE]!;
      c.abortCount += this.#f[o + Col.ABORT]!;
      c.dispatchCount += this.#f[o + Col.DISPATCH]!;
      c.requestCount += this.#f[o + Col.REQUEST]! + this.#f[o + Col.PACKET]!;
      c.responseCount += this.#f[o + Col.RESPONSE]!;
      c.totalRecvBytes += this.#f[o + Col.RECV_BYTES]!;
      c.totalSendBytes += this.#f[o + Col.SEND_BYTES]!;
    }
    c.connectionNum = Math.max(0, c.acceptCount - c.closeCount);
    const round = this.#f[H_SESSION_ROUND]!;
    c.sessionRound = round > 0 ? round : Number(this.#i[H_SESSION]);
    return c;
  }

  /** PROCESS: every live session id, ascending (for a worker's getClientList). */
  liveSessionIds(): number[] {
    const out: number[] = [];
    for (let i = 0; i < SESSION_SLOTS; i++) if (this.#slots[i] !== 0) out.push(this.#slots[i]!);
    return out.sort((a, b) => a - b);
  }

  /** Slots in [from, to) whose status is IDLE. */
  idleWorkers(from = 0, to = this.workerNum): number {
    let n = 0;
    for (let s = from; s < to; s++) if (this.status(s) === WORKER_IDLE) n++;
    return n;
  }

  /** Tasks sent to slot `slot` that its onTask has not started (updated atomically by every sender). */
  taskQueued(slot: number): number {
    return Number(this.#queued[slot]);
  }

  taskQueuedAdd(slot: number, delta: number): void {
    this.#native.atomicAdd(this.#buf, this.#queuedWord + slot, delta);
  }

  /** Sum of `col` over slots [from, to). */
  sum(col: number, from: number, to: number): number {
    let n = 0;
    for (let s = from; s < to; s++) n += this.of(s, col);
    return n;
  }
}
