/**
 * Swoole\Process\Pool for Node.js. The same object is the master's API (in the process that
 * calls start() first) and the worker's API (in each worker process, which re-runs the entry
 * script; see README.md). Error channels follow Swoole: what it throws, we throw (SwooleError);
 * what it answers with false + a warning, we answer with false + swooleLastError().
 */
import { assertCanCreatePool, claimPool, release } from '../process-instance.ts';
import { existsSync, unlinkSync } from 'node:fs';
import { SWOOLE_IPC_MSGQUEUE, SWOOLE_IPC_NONE, SWOOLE_IPC_SOCKET, SWOOLE_IPC_UNIXSOCK } from '../constants.ts';
import { ErrorCode, SwooleError } from '../errors.ts';
import { fail } from '../last-error.ts';
import { DatagramSender } from '../ipc/datagram-channel.ts';
import { loadNative } from '../native/loader.ts';
import type { NativeAddon } from '../native/api.ts';
import { PoolMaster } from './master.ts';
import { PoolWorker, responseScope } from './worker.ts';
import { applyPoolOptions, DEFAULT_POOL_OPTIONS, type PoolOptions } from './options.ts';
import { ENV_INDEX, ENV_QUEUE, ENV_ROLE, FIRST_EXTRA_FD } from './wire.ts';
import { Process } from '../process/process.ts';

type WorkerCb = (pool: Pool, workerId: number) => unknown;
type MessageCb = (pool: Pool, data: Buffer) => unknown;
type PoolCb = (pool: Pool) => unknown;

const EVENTS = { workerstart: 'WorkerStart', workerstop: 'WorkerStop', message: 'Message', start: 'Start', shutdown: 'Shutdown', workerexit: 'WorkerExit' } as const;
type EventName = (typeof EVENTS)[keyof typeof EVENTS];

let constructed = 0;
/** The pool running in this process (Swoole allows one at a time, P6). */
let active: Pool | null = null;

/** What getProcess() returns: a Swoole\Process handle for a pool worker (reference/process). */
export type PoolProcess = Process;

export class Pool {
  readonly workerNum: number;
  readonly ipcType: number;
  readonly msgqueueKey: number;
  readonly #index: number;
  readonly #options: PoolOptions = { ...DEFAULT_POOL_OPTIONS };
  readonly #callbacks = new Map<EventName, (...args: never[]) => unknown>();
  #listen: { host: string; port: number; backlog: number; fd: number; path: string | null } | null = null;
  #started = false;
  #master: PoolMaster | null = null;
  #worker: PoolWorker | null = null;
  #sender: DatagramSender | null = null;
  #native: NativeAddon | null = null;
  #pids: (number | null)[] = [];
  #detached = false;
  /** getProcess() handles by worker id (Swoole caches them too). */
  readonly #processes = new Map<number, Process>();
  #masterQueueId: number | null = null;

  /** Worker id in a worker process; -1 in the master. */
  workerId = -1;
  workerPid = 0;
  workerRunning = false;
  running = false;
  master_pid = 0;

  constructor(workerNum: number, ipcType = SWOOLE_IPC_NONE, msgqueueKey = 0, enableCoroutine = false) {
    if (!Number.isInteger(workerNum)) throw new TypeError(`worker_num must be an integer, got ${String(workerNum)}`);
    if (workerNum <= 0) throw new SwooleError(ErrorCode.INVALID_PARAMS, 'the parameter $worker_num must be greater than 0');
    if (!Number.isInteger(ipcType) || !Number.isInteger(msgqueueKey)) throw new TypeError('ipc_type and msgqueue_key must be integers');
    assertCanCreatePool(); // P6: never beside a running Server (process-instance.ts)
    if (active && isChildProcess()) throw new SwooleError(ErrorCode.WRONG_OPERATION, 'A process pool instance has already been created and cannot be created again');
    if (enableCoroutine && ipcType !== SWOOLE_IPC_NONE && ipcType !== SWOOLE_IPC_UNIXSOCK) {
      throw new SwooleError(ErrorCode.INVALID_PARAMS, 'the parameter $ipc_type must be SWOOLE_IPC_UNIXSOCK when enable coroutine');
    }
    this.workerNum = workerNum;
    // Any other value behaves as NONE (P4).
    this.ipcType = [SWOOLE_IPC_UNIXSOCK, SWOOLE_IPC_MSGQUEUE, SWOOLE_IPC_SOCKET].includes(ipcType) ? ipcType : SWOOLE_IPC_NONE;
    this.msgqueueKey = msgqueueKey;
    this.#options.enable_coroutine = enableCoroutine;
    this.#index = constructed++;
  }

  set(options: Record<string, unknown>): void {
    if (typeof options !== 'object' || options === null) throw new TypeError('set() takes an options object');
    applyPoolOptions(this.#options, options);
  }

  /** Event names are case-insensitive without the "on" prefix (P7). */
  on(event: 'WorkerStart' | 'WorkerStop' | 'WorkerExit', cb: WorkerCb): boolean;
  on(event: 'Message', cb: MessageCb): boolean;
  on(event: 'Start' | 'Shutdown', cb: PoolCb): boolean;
  on(event: string, cb: (...args: never[]) => unknown): boolean;
  on(event: string, cb: (...args: never[]) => unknown): boolean {
    if (typeof cb !== 'function') throw new TypeError('callback must be a function');
    const name = EVENTS[String(event).toLowerCase() as keyof typeof EVENTS];
    if (!name) return fail(ErrorCode.UNKNOWN_EVENT, `unknown event type[${event}]`);
    if (name === 'Message' && this.ipcType === SWOOLE_IPC_NONE) {
      throw new SwooleError(ErrorCode.INVALID_PARAMS, 'cannot set `onMessage` event with ipc_type=0');
    }
    if (this.#started) return fail(ErrorCode.WRONG_OPERATION, 'process pool is started. unable to register event callback function');
    this.#callbacks.set(name, cb);
    return true;
  }

  /** SOCKET mode only; 'unix:/path' selects a unix socket (P31). Bound at call time in the master. */
  listen(host: string, port = 0, backlog = 2048): boolean {
    if (this.ipcType !== SWOOLE_IPC_SOCKET) return fail(ErrorCode.OPERATION_NOT_SUPPORT, `unsupported ipc type[${this.ipcType}]`);
    if (this.#listen || this.#started) return fail(ErrorCode.WRONG_OPERATION, 'the process pool is already listening');
    if (this.#isWorkerProcess()) {
      // Workers inherit the master's listening socket (fd 4); nothing to bind here.
      this.#listen = { host, port, backlog, fd: FIRST_EXTRA_FD, path: null };
      return true;
    }
    try {
      const native = this.#nativeAddon();
      const unix = /^unix:/i.exec(host);
      if (unix) {
        const path = host.slice(5);
        this.#listen = { host, port, backlog, fd: native.listenUnix(path, { backlog: Math.min(backlog, 65535) }), path };
      } else {
        const r = native.listenTcp(host, port, { backlog: Math.min(backlog, 65535) });
        this.#listen = { host, port: r.port, backlog, fd: r.fd, path: null };
      }
      return true;
    } catch (err) {
      return fail(ErrorCode.SERVER_INVALID_LISTEN_PORT, `listen(${host}, ${port}) failed: ${(err as Error).message}`);
    }
  }

  /** The port a TCP listen() bound (useful with port 0). */
  get port(): number {
    return this.#listen?.port ?? 0;
  }

  /** SOCKET mode, inside onMessage: appends to the single response frame (F6). */
  write(data: Buffer | string): boolean {
    if (this.ipcType !== SWOOLE_IPC_SOCKET) return fail(ErrorCode.OPERATION_NOT_SUPPORT, `unsupported ipc type[${this.ipcType}]`);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (!Buffer.isBuffer(buf) || buf.length === 0) return fail(ErrorCode.INVALID_PARAMS, 'write() needs a non-empty payload');
    const parts = responseScope.getStore();
    if (!parts) return fail(ErrorCode.INVALID_PARAMS, 'write() outside onMessage');
    parts.push(Buffer.from(buf));
    return true;
  }

  /** UNIXSOCK only; from any worker or the master, to any worker incl. itself (P33). */
  sendMessage(data: Buffer | string, dstWorkerId: number): boolean {
    if (!this.#started) return fail(ErrorCode.WRONG_OPERATION, 'process pool is not started.');
    if (this.ipcType !== SWOOLE_IPC_UNIXSOCK) return fail(ErrorCode.OPERATION_NOT_SUPPORT, `unsupported ipc type[${this.ipcType}], sendMessage requires SWOOLE_IPC_UNIXSOCK`);
    if (!Number.isInteger(dstWorkerId) || dstWorkerId < 0 || dstWorkerId >= this.workerNum) {
      return fail(ErrorCode.PHP_FATAL_ERROR, `invalid worker_id[${dstWorkerId}]`);
    }
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (!this.#sender) return fail(ErrorCode.WRONG_OPERATION, 'process pool is not started.');
    try {
      this.#sender.send(dstWorkerId, buf);
      return true;
    } catch (err) {
      // Swoole loses such a datagram silently (observed §a); we say so.
      return fail(ErrorCode.DATA_LENGTH_TOO_LARGE, `sendMessage of ${buf.length} bytes failed: ${(err as Error).message}`);
    }
  }

  /** Master: runs the pool until shutdown and resolves null (false on a start failure). Worker: serves until the worker ends. */
  async start(): Promise<null | false> {
    if (this.#started) return fail(ErrorCode.WRONG_OPERATION, 'process pool is started');
    claimPool(this); // P6: a Server running in this process refuses the Pool (throws)
    try {
      return await this.#start();
    } finally {
      release(this);
    }
  }

  async #start(): Promise<null | false> {
    if (this.#isWorkerProcess()) return this.#startWorker();
    if (isChildProcess()) return fail(ErrorCode.WRONG_OPERATION, 'process pool is started');
    if (this.#options.enable_message_bus && this.ipcType !== SWOOLE_IPC_UNIXSOCK) {
      return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'not support, ipc_mode must be SW_IPC_UNIXSOCK');
    }
    if (this.ipcType === SWOOLE_IPC_SOCKET && !this.#listen) return fail(ErrorCode.WRONG_OPERATION, 'must first listen to an tcp port');
    if (this.#options.enable_coroutine ? !this.#callbacks.has('WorkerStart') : this.ipcType !== SWOOLE_IPC_NONE && !this.#callbacks.has('WorkerStart') && !this.#callbacks.has('Message')) {
      throw new SwooleError(ErrorCode.SERVER_INVALID_CALLBACK, `require '${this.#options.enable_coroutine ? 'onWorkerStart' : 'onMessage'}' callback`);
    }
    if (this.#callbacks.has('WorkerExit') && !this.#options.enable_coroutine) {
      throw new SwooleError(ErrorCode.INVALID_PARAMS, 'cannot set `onWorkerExit` without enable_coroutine');
    }
    return this.#startMaster();
  }

  async #startMaster(): Promise<null | false> {
    const extraFds: number[] = [];
    let queueId: number | null = null;
    const cleanups: (() => void)[] = [];
    try {
      if (this.ipcType === SWOOLE_IPC_UNIXSOCK) {
        const native = this.#nativeAddon();
        const pairs = Array.from({ length: this.workerNum }, () => native.socketpair('dgram', { sndbuf: 8 << 20, rcvbuf: 8 << 20, force: true }));
        extraFds.push(...pairs.map((p) => p[0]), ...pairs.map((p) => p[1]));
        this.#sender = new DatagramSender(native, pairs.map((p) => p[0]), this.#options.enable_message_bus, -1);
        cleanups.push(() => {
          this.#sender?.close();
          this.#sender = null;
          for (const p of pairs) native.close(p[1]);
        });
      } else if (this.ipcType === SWOOLE_IPC_MSGQUEUE) {
        const native = this.#nativeAddon();
        const id = native.msgget(this.msgqueueKey, { create: true, mode: 0o600 });
        queueId = id;
        this.#masterQueueId = id;
        // A private queue (key 0) lives as long as the pool; a fixed key persists (F16).
        if (this.msgqueueKey === 0) cleanups.push(() => native.msgRemove(id));
      } else if (this.ipcType === SWOOLE_IPC_SOCKET && this.#listen) {
        const { fd, path } = this.#listen;
        extraFds.push(fd);
        cleanups.push(() => {
          this.#native?.close(fd);
          if (path && existsSync(path)) unlinkSync(path);
          this.#listen = null;
        });
      }
    } catch (err) {
      for (const c of cleanups.reverse()) c();
      return fail(ErrorCode.WRONG_OPERATION, `failed to create process pool: ${(err as Error).message}`);
    }
    this.#started = true;
    this.running = true;
    active = this;
    this.master_pid = process.pid;
    const master = new PoolMaster({
      poolIndex: this.#index,
      workerNum: this.workerNum,
      ipcType: this.ipcType,
      maxWaitMs: Math.round(this.#options.max_wait_time * 1000),
      standby: this.#options.standby,
      handoff: this.#options.standby && this.#options.standby_handoff,
      extraFds,
      queueId,
      beforeShutdown: () => this.#call('Shutdown'),
    });
    this.#master = master;
    try {
      await this.#call('Start');
      master.start();
      await master.done;
    } finally {
      this.running = false;
      for (const c of cleanups.reverse()) c();
    }
    this.#master = null;
    this.#started = false;
    active = null;
    if (master.setupError) throw master.setupError;
    return null;
  }

  async #startWorker(): Promise<null | false> {
    this.#started = true;
    active = this;
    const unixsock = this.ipcType === SWOOLE_IPC_UNIXSOCK;
    const worker = new PoolWorker({
      poolIndex: this.#index,
      workerNum: this.workerNum,
      ipcType: this.ipcType,
      maxPackageSize: this.#options.max_package_size,
      bus: this.#options.enable_message_bus,
      hasMessage: this.#callbacks.has('Message') && this.ipcType !== SWOOLE_IPC_NONE,
      native: () => this.#nativeAddon(),
      tuneMalloc: unixsock && this.#options.tune_malloc,
      prepare: () => {
        if (unixsock) this.#sender = new DatagramSender(this.#nativeAddon(), Array.from({ length: this.workerNum }, (_, i) => FIRST_EXTRA_FD + i), this.#options.enable_message_bus, -1);
      },
      onAssigned: (id, masterPid, pids) => {
        this.workerId = id;
        this.workerPid = process.pid;
        this.master_pid = masterPid;
        this.workerRunning = true;
        this.running = true;
        this.#pids = pids;
        if (this.#sender) this.#sender.workerId = id;
      },
      onPids: (pids) => (this.#pids = pids),
      workerStart: () => this.#call('WorkerStart', this.workerId),
      message: (data) => this.#call('Message', data),
      // P14: only coroutine pools have onWorkerExit (start() refuses it otherwise, P12).
      workerExit: this.#options.enable_coroutine && this.#callbacks.has('WorkerExit') ? () => this.#call('WorkerExit', this.workerId) : undefined,
      workerStop: async () => {
        this.workerRunning = false;
        await this.#call('WorkerStop', this.workerId);
        await this.#sender?.drain();
      },
    });
    this.#worker = worker;
    await worker.run();
    return null;
  }

  #call(name: EventName, arg?: unknown): unknown {
    const cb = this.#callbacks.get(name) as ((pool: Pool, arg?: unknown) => unknown) | undefined;
    return cb?.(this, arg);
  }

  /** Worker: stops this worker gracefully; the master respawns it (P28). */
  stop(): void {
    if (this.#worker) this.#worker.stop();
  }

  /** Master: ends the pool. Worker: asks the master to (P27). */
  shutdown(): boolean {
    if (!this.#started) throw new SwooleError(ErrorCode.INVALID_PARAMS, 'The process pool is not started');
    if (this.#master) {
      this.#master.shutdown();
      return true;
    }
    try {
      process.kill(this.master_pid, 'SIGTERM');
      return true;
    } catch {
      return false;
    }
  }

  /** Worker: hands the slot to a replacement and finishes the current callback, then exits (P29). */
  detach(): boolean {
    if (!this.#worker || !this.workerRunning || this.#detached) return false;
    this.#detached = true;
    this.#worker.detach();
    return true;
  }

  /**
   * Worker `workerId` (negative: the current worker) as a cached Process handle with its live
   * pid, or false (P30). UNIXSOCK without the bus: write() sends one message to that worker's
   * onMessage (through the pool's sender, so it keeps the channel's packing). MSGQUEUE without
   * onMessage: push()/pop() use the pool's queue (mtype id + 1).
   */
  getProcess(workerId = -1): PoolProcess | false {
    if (!this.#started) return fail(ErrorCode.WRONG_OPERATION, 'process pool is not started');
    const id = workerId < 0 ? this.workerId : workerId;
    if (!Number.isInteger(id) || id < 0 || id >= this.workerNum) return fail(ErrorCode.INVALID_PARAMS, `invalid worker_id[${workerId}]`);
    const pid = id === this.workerId ? process.pid : ((this.#master ? this.#master.pids()[id] : this.#pids[id]) ?? 0);
    let proc = this.#processes.get(id);
    if (!proc) {
      const pipe = this.ipcType === SWOOLE_IPC_UNIXSOCK && !this.#options.enable_message_bus;
      const queueId = this.ipcType === SWOOLE_IPC_MSGQUEUE && !this.#callbacks.has('Message') ? this.#queueId() : null;
      proc = Process.fromHandle({
        id,
        pid,
        ...(pipe ? { writer: (buf: Buffer) => (this.sendMessage(buf, id) ? buf.length : false) } : {}),
        ...(queueId !== null ? { queue: { id: queueId, key: this.msgqueueKey } } : {}),
      });
      this.#processes.set(id, proc);
    }
    proc.pid = pid; // a respawned worker keeps its handle with the new pid (getprocess_3/4)
    return proc;
  }

  /** The pool's SysV queue id: the master's, or the one a worker was given. */
  #queueId(): number | null {
    const env = process.env[ENV_QUEUE];
    return this.#masterQueueId ?? (env === undefined ? null : Number(env));
  }

  /** Master: starts a rolling reload (SIGUSR1 does the same). False when one is running. */
  reload(): boolean {
    return this.#master ? this.#master.reload() : fail(ErrorCode.WRONG_OPERATION, 'reload() works in the master of a started pool');
  }

  #isWorkerProcess(): boolean {
    return isChildProcess() && process.env[ENV_INDEX] === String(this.#index);
  }

  #nativeAddon(): NativeAddon {
    return (this.#native ??= loadNative());
  }
}

function isChildProcess(): boolean {
  return process.env[ENV_ROLE] === '1';
}
