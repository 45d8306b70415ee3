/**
 * Tasks, pipe messages and commands in one process of a server (S14–S23, S41, observed f, h11,
 * h12, h13), over the inboxes of mailbox.ts. The Server owns one Messaging per process and
 * forwards task()/taskwait()/taskWaitMulti()/taskCo()/finish()/sendMessage()/command() to it;
 * the checks (who may call what, which ids are valid) live here, the callbacks stay in the
 * Server (hooks).
 *
 * Addresses: worker ids 0..workerNum+taskWorkerNum-1, then the manager. Task ids come from one
 * per-process counter from 0 shared by every message this process creates (S16).
 *
 * A task worker runs one task at a time, like Swoole's: an async onTask holds the next message
 * until it settles (reading stops meanwhile, so the backlog stays in the kernel and the sender
 * sees backpressure). Which task a task worker holds is written to its shared-memory row, so
 * when it dies the manager tells the caller (K_FAILED): a taskwait then returns false at once.
 */
import { ErrorCode } from '../errors.ts';
import {
  SWOOLE_SERVER_COMMAND_EVENT_WORKER, SWOOLE_SERVER_COMMAND_MANAGER, SWOOLE_SERVER_COMMAND_MASTER, SWOOLE_SERVER_COMMAND_REACTOR_THREAD,
  SWOOLE_SERVER_COMMAND_TASK_WORKER, SWOOLE_SERVER_COMMAND_WORKER,
} from '../constants.ts';
import type { ErrorCodeValue } from '../errors.ts';
import type { NativeAddon } from '../native/api.ts';
import { chooseTaskWorker } from './dispatch.ts';
import { SpinGovernor } from './spin.ts';
import {
  decodeValue, encodeValue, F_NOREPLY, F_WAIT, K_CLOSE, K_COMMAND, K_FAILED, K_PIPE, K_REPLY, K_RESULT, K_SEND, K_TASK, Mailbox, type Message,
} from './mailbox.ts';

export {
  SWOOLE_SERVER_COMMAND_EVENT_WORKER, SWOOLE_SERVER_COMMAND_MANAGER, SWOOLE_SERVER_COMMAND_MASTER, SWOOLE_SERVER_COMMAND_REACTOR_THREAD,
  SWOOLE_SERVER_COMMAND_TASK_WORKER, SWOOLE_SERVER_COMMAND_WORKER,
};

/** S22: taskWaitMulti / taskCo take at most 1023 tasks. */
export const MAX_CONCURRENT_TASKS = 1024;
/** How long command() waits for its reply. */
const COMMAND_TIMEOUT_MS = 5000;

export type ProcessKind = 'manager' | 'event' | 'task' | 'user';

export interface CommandEntry {
  types: number;
  fn: (server: unknown, data: string) => unknown;
}

export interface MessagingHooks {
  kind: ProcessKind;
  /** This process's worker id (manager: -1). */
  self: number;
  workerNum: number;
  taskWorkerNum: number;
  /** BASE: command() runs in worker 0 (it is the master there); PROCESS: in the manager. */
  baseMode: boolean;
  outFds: readonly number[];
  inFd: number;
  limitBytes: number;
  /**
   * Busy-poll budget in microseconds (0: off): taskwait polls its inbox this long for the
   * result before yielding to the event loop, and a task worker keeps polling for the next
   * message this long after each batch. Swoole's taskwait blocks the worker for the whole wait;
   * this spends a bounded slice of CPU to skip the wake-ups that dominate a round trip, and
   * only while it pays (spin.ts backs off after misses).
   */
  spinUs: number;
  /** Shared-memory views of the task workers. */
  taskIdle(index: number): boolean;
  taskQueued(index: number): number;
  /** +1 (`up`) when a task is sent to task-worker `index`, -1 when its onTask starts. */
  taskQueuedAdd(index: number, up: boolean): void;
  /** This task worker's task in hand (-1 src: none), for the manager's failure report. */
  holding(src: number, id: number, pid: number, wait: boolean): void;
  hasCallback(name: 'task' | 'finish' | 'pipemessage'): boolean;
  /** Runs onTask; returns its result (maybe a Promise). */
  onTask(taskId: number, src: number, data: unknown): unknown;
  onFinish(taskId: number, data: unknown): void;
  /** A per-task callback given to task(). */
  callFinish(cb: FinishCallback, taskId: number, data: unknown): void;
  onPipeMessage(src: number, msg: unknown): void;
  commands: ReadonlyMap<string, CommandEntry>;
  runCommand(entry: CommandEntry, json: string): unknown;
  /** One task done in a task worker (task_max_request); true: stop taking more. */
  afterTask(): boolean;
  warn(message: string, code: ErrorCodeValue): void;
  fail(code: ErrorCodeValue): false;
  /** A forwarded send()/close() for a connection this process owns (or, in the master, holds). */
  onForward(kind: 'send' | 'close', session: number, data: Buffer, reset: boolean): void;
  /** The user's data went through a callback that threw: the process ends (h1). */
  fatal(err: unknown): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FinishCallback = (server: any, taskId: number, data: unknown) => void;

interface Waiting {
  resolve(v: unknown): void;
  /** taskwait (false on failure) rather than one entry of taskWaitMulti/taskCo (missing on failure). */
  single: boolean;
}

export class Messaging {
  readonly #h: MessagingHooks;
  readonly #box: Mailbox;
  #nextId = 0;
  #rr = 0;
  readonly #callbacks = new Map<number, FinishCallback>();
  readonly #waiting = new Map<number, Waiting>();
  readonly #deadlines: { at: number; id: number }[] = [];
  #dHead = 0;
  /** taskwait's busy-poll (spin.ts): on while it catches results. */
  readonly #waitSpin = new SpinGovernor();
  #deadlineTimer: NodeJS.Timeout | null = null;
  readonly #commandWaits = new Map<number, (reply: Message | null) => void>();
  /** The task whose onTask is running (finish() answers it). */
  #current: { src: number; id: number; pid: number; flags: number } | null = null;
  #inPipe = false;
  #noIdleWarned = 0;
  /** Reused by #schedule (one task() must not allocate a table). */
  #loads: { idle: boolean; queued: number }[] | null = null;
  #fullWarned = 0;
  #stopping = false;
  #idleWaiters: (() => void)[] = [];
  readonly #managerAddress: number;

  constructor(native: NativeAddon, hooks: MessagingHooks) {
    this.#h = hooks;
    this.#managerAddress = hooks.workerNum + hooks.taskWorkerNum;
    this.#box = new Mailbox(native, {
      outFds: hooks.outFds,
      inFd: hooks.inFd,
      self: hooks.self,
      limitBytes: hooks.limitBytes,
      spinAfterBatchUs: hooks.kind === 'task' ? hooks.spinUs : 0,
      onMessage: (m) => this.#onMessage(m),
    });
  }

  get mailbox(): Mailbox {
    return this.#box;
  }

  start(): void {
    this.#box.start();
  }

  /** The process stops: no new messages; what is held (an async onTask's backlog) still runs. */
  async stop(): Promise<void> {
    this.#stopping = true;
    // A half-read long message keeps the reader going until it is whole (it was accepted).
    if (!this.#box.midMessage) this.#box.stopReading();
    while (this.#current || this.#box.held || this.#box.midMessage) await new Promise<void>((r) => this.#idleWaiters.push(r));
    this.#box.stopReading();
    await this.#box.drained();
  }

  close(): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#box.close();
  }

  #id(): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) >>> 0;
    return id;
  }

  // ---- tasks: the caller ----

  #taskCheck(method: string, dst: number, waitOnly: boolean): number | false {
    const h = this.#h;
    if (h.taskWorkerNum <= 0) {
      h.warn(`Server::${method}(): task method can't be executed without task worker`, ErrorCode.OPERATION_NOT_SUPPORT);
      return h.fail(ErrorCode.OPERATION_NOT_SUPPORT);
    }
    if (h.kind === 'task') {
      h.warn(`Server::${method}(): Server->${method}() cannot use in the task-worker`, ErrorCode.PHP_FATAL_ERROR);
      return h.fail(ErrorCode.PHP_FATAL_ERROR);
    }
    if (waitOnly && h.kind !== 'event') {
      h.warn(`Server::${method}(): ${method} method can only be used in the worker process`, ErrorCode.WRONG_OPERATION);
      return h.fail(ErrorCode.WRONG_OPERATION);
    }
    if (!Number.isInteger(dst)) {
      h.warn(`Server::${method}(): dst_worker_id must be an integer`, ErrorCode.INVALID_PARAMS);
      return h.fail(ErrorCode.INVALID_PARAMS);
    }
    // h11: any negative dst means "choose"; dst is a task-worker index.
    if (dst >= h.taskWorkerNum) {
      h.warn(`Server::${method}(): worker_id must be less than task_worker_num[${h.taskWorkerNum}]`, ErrorCode.INVALID_PARAMS);
      return h.fail(ErrorCode.INVALID_PARAMS);
    }
    return dst < 0 ? this.#schedule() : dst;
  }

  /** 9006 warnings, at most one a second (a flood would print one per refused call). */
  #fullWarning(message: string): void {
    const now = Date.now();
    if (now - this.#fullWarned < 1000) return;
    this.#fullWarned = now;
    this.#h.warn(message, ErrorCode.SERVER_PIPE_BUFFER_FULL);
  }

  #schedule(): number {
    const h = this.#h;
    const loads = (this.#loads ??= Array.from({ length: h.taskWorkerNum }, () => ({ idle: false, queued: 0 })));
    for (let i = 0; i < loads.length; i++) {
      loads[i]!.idle = h.taskIdle(i);
      loads[i]!.queued = h.taskQueued(i);
    }
    const c = chooseTaskWorker(loads, this.#rr);
    this.#rr = c.next;
    if (c.noIdle) {
      // Rate-limited like Swoole's (one warning a second at most).
      const now = Date.now();
      if (now - this.#noIdleWarned >= 1000) {
        this.#noIdleWarned = now;
        h.warn('No idle task worker is available', ErrorCode.SERVER_NO_IDLE_WORKER);
      }
    }
    return c.index;
  }

  /** Sends task `data` to task-worker index `index`; false when the local queue is full (9006). */
  #sendTask(index: number, id: number, data: unknown, flags: number): boolean {
    const h = this.#h;
    const enc = encodeValue(data);
    h.taskQueuedAdd(index, true);
    if (!this.#box.send(h.workerNum + index, K_TASK, flags, id, process.pid, enc)) {
      h.taskQueuedAdd(index, false);
      this.#fullWarning(`Server::task(): the task queue is full (pipe_buffer_size ${h.limitBytes} bytes)`);
      return false;
    }
    return true;
  }

  task(data: unknown, dst = -1, cb?: FinishCallback | null): number | false {
    const index = this.#taskCheck('task', dst, false);
    if (index === false) return false;
    if (cb !== undefined && cb !== null && typeof cb !== 'function') {
      this.#h.warn('Server::task(): finish_callback must be callable', ErrorCode.INVALID_PARAMS);
      return this.#h.fail(ErrorCode.INVALID_PARAMS);
    }
    const id = this.#id();
    // S18: from the manager/master or a user process nobody waits for the result.
    const flags = this.#h.kind === 'event' ? 0 : F_NOREPLY;
    if (!this.#sendTask(index, id, data, flags)) return this.#h.fail(ErrorCode.SERVER_PIPE_BUFFER_FULL);
    if (cb && !(flags & F_NOREPLY)) this.#callbacks.set(id, cb);
    return id;
  }

  taskwait(data: unknown, timeout = 0.5, dst = -1): Promise<unknown> {
    const index = this.#taskCheck('taskwait', dst, true);
    if (index === false) return Promise.resolve(false);
    const id = this.#id();
    if (!this.#sendTask(index, id, data, F_WAIT)) return Promise.resolve(this.#h.fail(ErrorCode.SERVER_PIPE_BUFFER_FULL));
    const p = new Promise<unknown>((resolve) => this.#waiting.set(id, { resolve, single: true }));
    this.#expireAt(id, performance.now() + timeoutMs(timeout));
    if (this.#h.spinUs > 0 && this.#waitSpin.shouldSpin()) {
      this.#box.spin(Math.min(this.#h.spinUs, timeoutMs(timeout) * 1000), () => !this.#waiting.has(id));
      this.#waitSpin.result(!this.#waiting.has(id));
    }
    return p;
  }

  /**
   * One timer for every taskwait deadline (a setTimeout/clearTimeout pair per call cost ~1 µs
   * of a ~25 µs round trip). Deadlines are kept in order; answered ones are skipped when due.
   */
  #expireAt(id: number, at: number): void {
    const q = this.#deadlines;
    let i = q.length;
    while (i > this.#dHead && q[i - 1]!.at > at) i--;
    if (i === q.length) q.push({ at, id });
    else q.splice(i, 0, { at, id });
    if (i === this.#dHead) this.#armDeadline();
  }

  /** Nothing waits any more: the queued deadlines are all answered ones, and no timer must keep the process up. */
  #dropDeadlines(): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = null;
    this.#deadlines.length = 0;
    this.#dHead = 0;
  }

  #armDeadline(): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = null;
    const head = this.#deadlines[this.#dHead];
    if (!head) return;
    this.#deadlineTimer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(head.at - performance.now())));
  }

  #expire(): void {
    this.#deadlineTimer = null;
    const now = performance.now();
    const q = this.#deadlines;
    while (this.#dHead < q.length && q[this.#dHead]!.at <= now) {
      const { id } = q[this.#dHead++]!;
      const w = this.#waiting.get(id);
      if (!w) continue; // answered in time
      this.#waiting.delete(id);
      this.#h.fail(ErrorCode.TASK_TIMEOUT);
      w.resolve(false);
    }
    // Compact now and then instead of shifting the array on every expiry.
    if (this.#dHead > 1024 && this.#dHead * 2 > q.length) {
      q.splice(0, this.#dHead);
      this.#dHead = 0;
    } else if (this.#dHead === q.length) {
      q.length = 0;
      this.#dHead = 0;
    }
    this.#armDeadline();
  }

  /**
   * taskWaitMulti (`inPlace` false: timed-out entries are omitted) and taskCo (`inPlace`: false in
   * their place). Keys are the input positions (h11: Swoole re-indexes string keys; arrays here).
   */
  async waitMany(method: string, tasks: unknown, timeout: number, inPlace: boolean): Promise<unknown> {
    if (!Array.isArray(tasks)) {
      this.#h.warn(`Server::${method}(): tasks must be an array`, ErrorCode.INVALID_PARAMS);
      return this.#h.fail(ErrorCode.INVALID_PARAMS);
    }
    if (tasks.length >= MAX_CONCURRENT_TASKS) {
      this.#h.warn(`Server::${method}(): too many concurrent tasks`, ErrorCode.INVALID_PARAMS);
      return this.#h.fail(ErrorCode.INVALID_PARAMS);
    }
    if (this.#taskCheck(method, -1, true) === false) return false;
    const results = new Map<number, unknown>();
    const ids: number[] = [];
    let left = tasks.length;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    for (let i = 0; i < tasks.length; i++) {
      const id = this.#id();
      const index = this.#schedule();
      if (!this.#sendTask(index, id, tasks[i], F_WAIT)) {
        if (--left === 0) finish();
        continue;
      }
      ids.push(id);
      this.#waiting.set(id, {
        single: false,
        resolve: (v) => {
          // K_FAILED resolves with undefined: the entry is missing, like a timeout.
          if (v !== undefined) results.set(i, v);
          if (--left === 0) finish();
        },
      });
    }
    if (left === 0) finish();
    const timer = setTimeout(finish, timeoutMs(timeout));
    await done;
    clearTimeout(timer);
    for (const id of ids) this.#waiting.delete(id);
    if (results.size < tasks.length) this.#h.fail(ErrorCode.TASK_TIMEOUT);
    if (inPlace) return tasks.map((_, i) => (results.has(i) ? results.get(i) : false));
    const out: Record<number, unknown> = {};
    for (let i = 0; i < tasks.length; i++) if (results.has(i)) out[i] = results.get(i);
    return out;
  }

  // ---- tasks: the task worker ----

  finish(data: unknown): boolean {
    const h = this.#h;
    const cur = this.#current;
    if (h.kind !== 'task' || this.#inPipe || !cur) {
      // h15c: an event worker's finish() is just false; elsewhere Swoole warns.
      if (h.kind === 'task') h.warn('Server::finish(): finish() can only be used inside onTask', ErrorCode.WRONG_OPERATION);
      return h.fail(ErrorCode.WRONG_OPERATION);
    }
    if (cur.flags & F_NOREPLY) {
      h.warn('Server::finish() can only be used in the worker process', ErrorCode.WRONG_OPERATION);
      return h.fail(ErrorCode.WRONG_OPERATION);
    }
    this.#id(); // S16: finish() takes an id from the counter too
    const ok = this.#box.send(cur.src, K_RESULT, cur.flags & F_WAIT, cur.id, cur.pid, encodeValue(data));
    return ok || h.fail(ErrorCode.SERVER_PIPE_BUFFER_FULL);
  }

  #runTask(m: Message): void {
    const h = this.#h;
    const index = h.self - h.workerNum;
    h.taskQueuedAdd(index, false);
    const data = decodeOrWarn(h, m, 'task packet');
    if (data === BAD) return;
    this.#current = { src: m.src, id: m.id, pid: m.aux, flags: m.flags };
    h.holding(m.src, m.id, m.aux, (m.flags & F_WAIT) !== 0);
    let ret: unknown;
    try {
      ret = h.onTask(m.id, m.src, data);
    } catch (e) {
      h.fatal(e);
      return;
    }
    if (isThenable(ret)) {
      this.#box.pause();
      ret.then(
        (v) => this.#taskDone(v),
        (e) => h.fatal(e),
      );
      return;
    }
    this.#taskDone(ret);
  }

  #taskDone(ret: unknown): void {
    // S19: any return value but null counts as finish().
    if (ret !== null && ret !== undefined && this.#current) this.finish(ret);
    this.#current = null;
    this.#h.holding(-1, 0, 0, false);
    const stop = this.#h.afterTask();
    if (stop) this.#stopping = true;
    if (this.#box.held || !this.#stopping) this.#box.resume(!this.#stopping);
    this.#wake();
  }

  #wake(): void {
    if (this.#current || this.#box.held || this.#box.midMessage) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  // ---- pipe messages ----

  sendMessage(msg: unknown, dst: number): boolean {
    const h = this.#h;
    if (!h.hasCallback('pipemessage')) {
      h.warn("Server::sendMessage(): onPipeMessage is null, can't use sendMessage", ErrorCode.SERVER_INVALID_CALLBACK);
      return h.fail(ErrorCode.SERVER_INVALID_CALLBACK);
    }
    if (!Number.isInteger(dst) || dst < 0 || dst >= h.workerNum + h.taskWorkerNum) {
      h.warn(`Server::sendMessage(): worker_id[${String(dst)}] is invalid`, ErrorCode.INVALID_PARAMS);
      return h.fail(ErrorCode.INVALID_PARAMS);
    }
    if (dst === h.self && (h.kind === 'event' || h.kind === 'task')) {
      h.warn("Server::sendMessage(): can't send messages to self", ErrorCode.INVALID_PARAMS);
      return h.fail(ErrorCode.INVALID_PARAMS);
    }
    let enc;
    try {
      enc = encodeValue(msg);
    } catch (e) {
      // A value v8 cannot clone (a function, a socket) fails in the sender, as in Swoole.
      throw new TypeError(`sendMessage(): the message cannot be serialized: ${(e as Error).message}`, { cause: e });
    }
    this.#id();
    if (!this.#box.send(dst, K_PIPE, 0, 0, process.pid, enc)) {
      this.#fullWarning(`Server::sendMessage(): the pipe to worker ${dst} is full (pipe_buffer_size ${h.limitBytes} bytes)`);
      return h.fail(ErrorCode.SERVER_PIPE_BUFFER_FULL);
    }
    return true;
  }

  // ---- send()/close() from processes without connections ----

  /**
   * S40: a task worker or user process sends to (or closes) a connection through the process
   * that owns it: `owners` are addresses (PROCESS: the master; BASE: every event worker, the one
   * holding the session acts). False when the local queue is full.
   */
  forward(kind: 'send' | 'close', session: number, data: Buffer, reset: boolean, owners: readonly number[]): boolean {
    for (const dst of owners) {
      const ok = this.#box.send(dst, kind === 'send' ? K_SEND : K_CLOSE, 0, session, reset ? 1 : 0, { enc: 1, bytes: data });
      if (!ok) return this.#h.fail(ErrorCode.SERVER_PIPE_BUFFER_FULL);
    }
    return true;
  }

  get managerAddress(): number {
    return this.#managerAddress;
  }

  // ---- commands ----

  /**
   * S41/h13: command(name, processId, processType, data, jsonDecode). Only the master may call it
   * (PROCESS: the manager process here; BASE: worker 0).
   */
  async command(name: string, processId: number, processType: number, data: unknown, jsonDecode = true): Promise<unknown> {
    const h = this.#h;
    const isMaster = h.baseMode ? h.kind === 'event' && h.self === 0 : h.kind === 'manager';
    if (!isMaster) return h.fail(ErrorCode.INVALID_PARAMS);
    const entry = h.commands.get(String(name));
    if (!entry) return h.fail(ErrorCode.SERVER_INVALID_COMMAND);
    if (!(entry.types & processType)) return h.fail(ErrorCode.OPERATION_NOT_SUPPORT);
    if (!Number.isInteger(processId) || processId < 0 || processId > 0xffffffff) {
      h.warn('Server::command(): invalid process_id', ErrorCode.INVALID_PARAMS);
      return h.fail(ErrorCode.INVALID_PARAMS);
    }
    const json = JSON.stringify(data ?? null);
    let reply: string;
    if (processType === SWOOLE_SERVER_COMMAND_MASTER) {
      reply = commandReply(await h.runCommand(entry, json));
    } else {
      let dst: number;
      if (processType === SWOOLE_SERVER_COMMAND_MANAGER) dst = this.#managerAddress;
      else if (processType === SWOOLE_SERVER_COMMAND_EVENT_WORKER) {
        if (processId >= h.workerNum) return h.fail(ErrorCode.INVALID_PARAMS);
        dst = processId;
      } else if (processType === SWOOLE_SERVER_COMMAND_TASK_WORKER) {
        if (processId >= h.taskWorkerNum) return h.fail(ErrorCode.INVALID_PARAMS);
        dst = h.workerNum + processId;
      } else return h.fail(ErrorCode.INVALID_PARAMS);
      // h13 (BASE): worker 0 is the master; a command to itself as a worker is refused.
      if (dst === h.self) return h.fail(ErrorCode.OPERATION_NOT_SUPPORT);
      // A single-process server has no manager (nor other processes) to ask.
      if (dst >= this.#box.addresses) return h.fail(ErrorCode.INVALID_PARAMS);
      const id = this.#id();
      const got = new Promise<Message | null>((resolve) => {
        const timer = setTimeout(() => {
          this.#commandWaits.delete(id);
          resolve(null);
        }, COMMAND_TIMEOUT_MS);
        this.#commandWaits.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
      if (!this.#box.send(dst, K_COMMAND, 0, id, process.pid, encodeValue(JSON.stringify([String(name), json])))) {
        this.#commandWaits.delete(id);
        return h.fail(ErrorCode.SERVER_PIPE_BUFFER_FULL);
      }
      const m = await got;
      if (!m) return h.fail(ErrorCode.SERVER_SEND_TO_WOKER_TIMEOUT);
      reply = m.payload.toString('utf8');
    }
    if (!jsonDecode) return reply;
    try {
      return JSON.parse(reply) as unknown;
    } catch {
      return false;
    }
  }

  /** A command for this process; an async handler is awaited (its string is the reply). */
  async #runCommandMessage(m: Message): Promise<void> {
    const h = this.#h;
    let reply: string;
    let name: string;
    let json: string;
    try {
      [name, json] = JSON.parse(m.payload.toString('utf8')) as [string, string];
    } catch {
      h.warn(`bad command from worker ${m.src}`, ErrorCode.WORKER_ABNORMAL_PIPE_DATA);
      return;
    }
    try {
      const entry = h.commands.get(name);
      reply = entry ? commandReply(await h.runCommand(entry, json)) : JSON.stringify({ data: 'unknown command', code: -1 });
    } catch (e) {
      h.fatal(e);
      return;
    }
    // The reply goes to the caller's own inbox (src -1: the manager's).
    const dst = m.src < 0 ? this.#managerAddress : m.src;
    this.#box.send(dst, K_REPLY, 0, m.id, m.aux, encodeValue(reply));
  }

  // ---- delivery ----

  #onMessage(m: Message): void {
    const h = this.#h;
    switch (m.kind) {
      case K_TASK:
        if (h.kind === 'task') this.#runTask(m);
        return;
      case K_RESULT:
      case K_FAILED:
        this.#onResult(m);
        return;
      case K_PIPE: {
        const msg = decodeOrWarn(h, m, 'pipe message');
        if (msg === BAD) return;
        this.#inPipe = true;
        try {
          h.onPipeMessage(m.src, msg);
        } catch (e) {
          h.fatal(e);
        } finally {
          this.#inPipe = false;
        }
        return;
      }
      case K_COMMAND:
        void this.#runCommandMessage(m);
        return;
      case K_SEND:
      case K_CLOSE:
        try {
          h.onForward(m.kind === K_SEND ? 'send' : 'close', m.id, m.payload, m.aux === 1);
        } catch (e) {
          h.fatal(e);
        }
        return;
      case K_REPLY:
        if (m.aux === (process.pid >>> 0)) this.#commandWaits.get(m.id)?.(m);
        this.#commandWaits.delete(m.id);
        return;
    }
  }

  #onResult(m: Message): void {
    const h = this.#h;
    // Results for an earlier process of this slot (its tasks died with it) are not ours.
    if (m.aux !== (process.pid >>> 0)) return;
    if (m.flags & F_WAIT) {
      const w = this.#waiting.get(m.id);
      if (!w) return; // h11: late or extra results of a taskwait are dropped
      this.#waiting.delete(m.id);
      if (this.#waiting.size === 0) this.#dropDeadlines();
      if (m.kind === K_FAILED) {
        // The task worker died holding it: taskwait gets false, taskWaitMulti/taskCo a missing entry.
        h.fail(ErrorCode.TASK_DISPATCH_FAIL);
        w.resolve(w.single ? false : undefined);
        return;
      }
      const v = decodeOrWarn(h, m, 'task result');
      w.resolve(v === BAD ? false : v);
      return;
    }
    if (m.kind === K_FAILED) {
      this.#callbacks.delete(m.id);
      h.warn(`task[${m.id}] is lost: its task worker exited while running it`, ErrorCode.TASK_DISPATCH_FAIL);
      return;
    }
    const decoded = decodeOrWarn(h, m, 'task result');
    const data = decoded === BAD ? false : decoded;
    const cb = this.#callbacks.get(m.id);
    // h11: a per-task callback replaces onFinish; every finish() of the task reaches it.
    if (cb) {
      try {
        h.callFinish(cb, m.id, data);
      } catch (e) {
        h.fatal(e);
      }
      return;
    }
    if (!h.hasCallback('finish')) {
      h.warn("require 'onFinish' callback", ErrorCode.SERVER_INVALID_CALLBACK);
      return;
    }
    try {
      h.onFinish(m.id, data);
    } catch (e) {
      h.fatal(e);
    }
  }

  /** Forgets the per-task callback of `id` (its task worker is gone and the task with it). */
  forgetCallback(id: number): void {
    this.#callbacks.delete(id);
  }

  /** Manager: tells the caller of task `id` that its task worker died holding it. */
  reportLost(src: number, id: number, pid: number, wait: boolean): void {
    if (src < 0 || src >= this.#h.workerNum) return;
    try {
      this.#box.send(src, K_FAILED, wait ? F_WAIT : 0, id, pid, encodeValue(''));
    } catch {
      /* the caller's inbox is gone with the server */
    }
  }
}

const BAD = Symbol('bad payload');

/** A payload that does not decode is warned about (9102) and not delivered. */
function decodeOrWarn(h: MessagingHooks, m: Message, what: string): unknown {
  try {
    return decodeValue(m.flags, m.payload);
  } catch {
    h.warn(`bad ${what} from worker ${m.src}`, ErrorCode.WORKER_ABNORMAL_PIPE_DATA);
    return BAD;
  }
}

/** h13: the handler must return a string; anything else is reported as wrong. */
function commandReply(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify({ data: 'wrong return type', code: -2 });
}

function timeoutMs(seconds: number): number {
  const s = Number(seconds);
  return Number.isFinite(s) && s > 0 ? Math.max(1, Math.round(s * 1000)) : 500;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
