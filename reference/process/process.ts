/**
 * Swoole\Process for Node.js. Swoole forks; Node cannot, so start() spawns a child that re-runs
 * the entry script (see README.md): the Process constructed at the same index in the child
 * runs its callback there. One object, three roles: the parent's (it has a pipe end and starts
 * children), the child's own (adopts the pipe, runs the callback), and a handle for a process
 * someone else started (Process.fromHandle, e.g. for Pool.getProcess()).
 *
 * Error channels follow Swoole: what it throws, we throw (SwooleError / TypeError); what it
 * answers with false + a warning, we answer with false + swooleLastError().
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync, readSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { SOCK_DGRAM, SOCK_STREAM, SWOOLE_MSGQUEUE_BALANCE } from '../constants.ts';
import { ErrorCode, SwooleError } from '../errors.ts';
import { fail } from '../last-error.ts';
import { loadNative } from '../native/loader.ts';
import type { NativeAddon } from '../native/api.ts';
import { children, type WaitResult } from './children.ts';
import { applyProcessOptions, DEFAULT_PROCESS_OPTIONS, type ProcessOptions } from './options.ts';
import { ProcessPipe, type PipeType } from './pipe.ts';
import { ProcessQueue } from './queue.ts';
import { clearSignals, setSignal, SIG_IGN, type SignalCallback } from './signals.ts';
import { ProcessSocket } from './socket.ts';
import { decodeChildSpec, encodeChildSpec, ENV_PROCESS, FAILED, PIPE_FD, READY, STATUS_FD, type ChildSpec } from './wire.ts';

export type ProcessCallback = (process: Process) => unknown;

/** SW_MSGMAX: push() payloads must be shorter, pop() reads at most this much. */
const MSGMAX = 65536;
/** SW_SOCKET_BUFFER_SIZE: socket buffers of the pipe. */
const PIPE_BUFFER = 8 << 20;
/** Swoole's read() buffer cap. */
const READ_MAX = 65536;

type Role = 'parent' | 'own' | 'foreign' | 'nested' | 'handle';

/** Describes a process someone else started, for Process.fromHandle(). */
export interface ProcessHandleInit {
  /** The Process id as Swoole shows it (a Pool worker's id). push() uses mtype id + 1. */
  id: number;
  pid: number;
  /** The pipe fd this handle reads and writes (not closed by close() unless ownsPipe). */
  pipe?: number;
  /** 'dgram' (default) or 'stream', or SOCK_DGRAM / SOCK_STREAM. */
  pipeType?: PipeType | number;
  ownsPipe?: boolean;
  /** An existing System V queue for push()/pop(). */
  queue?: { id: number; key?: number; mode?: number };
  /**
   * write() goes through this instead of a pipe fd: for a handle whose pipe belongs to another
   * channel (a Pool's UNIXSOCK sender, which packs messages). Returns bytes written or false.
   */
  writer?: (data: Buffer) => number | false;
}

// ---- child side: what the parent told us, read once ----

let constructed = 0;
/** fromHandle() passes its init to the constructor through this (handles take no index). */
const HANDLE = Symbol('Process.fromHandle');
let pendingHandle: ProcessHandleInit | null = null;
let native: NativeAddon | null = null;
const addon = (): NativeAddon => (native ??= loadNative());

const childSpec: ChildSpec | null = readChildSpec();
let ownStarted = false;

function readChildSpec(): ChildSpec | null {
  const text = process.env[ENV_PROCESS];
  if (text === undefined) return null;
  delete process.env[ENV_PROCESS];
  const spec = decodeChildSpec(text);
  if (typeof spec === 'string') setupFailed(`corrupted Process child environment: ${spec}`);
  // The script ended (nothing left on the loop) without reaching our start(): say so and leave.
  process.once('beforeExit', () => {
    if (!ownStarted) setupFailed(`the entry script ${process.argv[1] ?? ''} ended without calling start() on Process #${spec.index}`);
  });
  return spec;
}

/** Child: reports a wrong setup to the parent's start() (which throws INVALID_WORKER_SETUP) and exits. */
function setupFailed(reason: string): never {
  try {
    writeSync(STATUS_FD, FAILED + reason);
  } catch {
    /* the parent is gone or the fd is not ours: nothing to tell */
  }
  process.exit(1);
}

const pipeTypeName = (t: number): PipeType => (t === SOCK_STREAM ? 'stream' : 'dgram');

/** True once `pid` no longer exists or is a zombie. */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

const toBuffer = (data: Buffer | string, what: string): Buffer => {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  throw new TypeError(`${what} takes a string or a Buffer`);
};

export class Process {
  static readonly IPC_NOWAIT = 256;
  static readonly PIPE_MASTER = 1;
  static readonly PIPE_WORKER = 2;
  static readonly PIPE_READ = 3;
  static readonly PIPE_WRITE = 4;
  static readonly SIG_IGN = SIG_IGN;

  /** Swoole's process id: 1, 2, ... in construction order (the same in parent and child). */
  readonly id: number;
  /** 0 until start(); the child's pid in the parent, its own pid in the child. */
  pid = 0;
  /** The pipe fd: the parent's end in the parent, the child's end in the child; null without a pipe. */
  pipe: number | null = null;
  msgQueueId: number | null = null;
  msgQueueKey: number | null = null;
  readonly callback: ProcessCallback | null;

  readonly #role: Role;
  readonly #index: number;
  readonly #pipeType: number;
  readonly #redirect: boolean;
  readonly #options: ProcessOptions = { ...DEFAULT_PROCESS_OPTIONS };
  #pipe: ProcessPipe | null = null;
  /** Parent, before start(): the child's end, handed over and closed at start(). */
  #childEnd = -1;
  #socket: ProcessSocket | null = null;
  #queue: ProcessQueue | null = null;
  #child: ChildProcess | null = null;
  #writer: ((data: Buffer) => number | false) | null = null;

  constructor(callback: ProcessCallback, redirectStdinStdout = false, pipeType: number = SOCK_DGRAM, enableCoroutine = false) {
    if ((callback as unknown) === HANDLE && pendingHandle) {
      const h = pendingHandle;
      this.#role = 'handle';
      this.callback = null;
      this.#index = -1;
      this.id = h.id;
      this.pid = h.pid;
      this.#redirect = false;
      this.#pipeType = h.pipe === undefined && !h.writer ? 0 : h.pipeType === 'stream' ? SOCK_STREAM : SOCK_DGRAM;
      this.#writer = h.writer ?? null;
      if (h.pipe !== undefined) {
        this.#pipe = new ProcessPipe(addon(), h.pipe, h.pipeType === 'stream' ? 'stream' : 'dgram', h.ownsPipe === true, () => h.pid > 0 && processGone(h.pid));
        this.pipe = h.pipe;
      }
      if (h.queue) this.#adoptQueue(ProcessQueue.adopt(addon(), h.queue.id, h.queue.key ?? 0, h.queue.mode ?? SWOOLE_MSGQUEUE_BALANCE, false));
      return;
    }
    if (typeof callback !== 'function') throw new TypeError('callback must be a function');
    if (typeof redirectStdinStdout !== 'boolean' || typeof enableCoroutine !== 'boolean') throw new TypeError('redirect_stdin_and_stdout and enable_coroutine must be booleans');
    if (!Number.isInteger(pipeType)) throw new TypeError('pipe_type must be an integer');
    // Swoole takes any positive value as a datagram pipe and a negative one as none; we refuse them.
    if (pipeType !== 0 && pipeType !== SOCK_STREAM && pipeType !== SOCK_DGRAM) {
      throw new SwooleError(ErrorCode.INVALID_PARAMS, `invalid pipe_type [${pipeType}]: use 0 (no pipe), SOCK_STREAM (1) or SOCK_DGRAM (2)`);
    }
    this.callback = callback;
    this.#redirect = redirectStdinStdout;
    // Redirected stdio is a byte stream (Swoole forces it too).
    this.#pipeType = redirectStdinStdout ? SOCK_STREAM : pipeType;
    this.#options.enable_coroutine = enableCoroutine;
    this.#index = constructed++;
    this.id = this.#index + 1;
    if (!childSpec) this.#role = 'parent';
    else if (ownStarted) this.#role = 'nested';
    else if (this.#index === childSpec.index) {
      this.#role = 'own';
      if (childSpec.pipeType !== this.#pipeType || childSpec.redirect !== this.#redirect) {
        setupFailed(`Process #${this.#index} was built with pipe_type ${this.#pipeType}, redirect ${this.#redirect} in the child but ${childSpec.pipeType}, ${childSpec.redirect} in the parent: build Processes deterministically, in the same order`);
      }
    } else this.#role = 'foreign';
    if (this.#role === 'parent' && this.#pipeType > 0) this.#newPipe();
  }

  /**
   * A Process for a process someone else started (no callback; start() refuses): write/read/
   * exportSocket over `pipe`, push/pop over `queue`, `pid` for Process.kill(). This is the hook
   * for Pool.getProcess().
   */
  static fromHandle(init: ProcessHandleInit): Process {
    if (typeof init !== 'object' || init === null) throw new TypeError('fromHandle() takes { id, pid, pipe?, pipeType?, queue? }');
    if (!Number.isInteger(init.id) || init.id < 0) throw new TypeError('id must be a non-negative integer');
    if (!Number.isInteger(init.pid) || init.pid < 0) throw new TypeError('pid must be a non-negative integer');
    if (init.pipe !== undefined && (!Number.isInteger(init.pipe) || init.pipe < 0)) throw new TypeError('pipe must be an fd');
    if (init.writer !== undefined && typeof init.writer !== 'function') throw new TypeError('writer must be a function');
    const t = init.pipeType ?? 'dgram';
    const type: PipeType | null = t === 'dgram' || t === SOCK_DGRAM ? 'dgram' : t === 'stream' || t === SOCK_STREAM ? 'stream' : null;
    if (!type) throw new TypeError("pipeType must be 'dgram', 'stream', SOCK_DGRAM or SOCK_STREAM");
    pendingHandle = { ...init, pipeType: type };
    try {
      return new Process(HANDLE as never);
    } finally {
      pendingHandle = null;
    }
  }

  set(options: Record<string, unknown>): void {
    if (typeof options !== 'object' || options === null) throw new TypeError('set() takes an options object');
    applyProcessOptions(this.#options, options);
  }

  // ---- start ----

  /**
   * Parent: spawns the child and returns its pid once the child runs the callback. Child (the
   * Process at the same index): runs the callback; a synchronous one ends the child when it
   * returns, so start() never returns there; for an async callback (or enable_coroutine) it
   * returns 0, as fork() does, while the callback runs.
   */
  start(): number | false {
    switch (this.#role) {
      case 'handle':
        return fail(ErrorCode.WRONG_OPERATION, 'this Process is a handle for a process started elsewhere');
      case 'foreign':
        return false; // the parent's object, re-built by the re-run script: inert here
      case 'nested':
        throw new SwooleError(ErrorCode.INVALID_WORKER_SETUP, 'a Process child cannot start Processes of its own: children re-run the entry script (see reference/process/README.md)');
      case 'own':
        return this.#runChild();
      case 'parent':
        return this.#spawn();
    }
  }

  #newPipe(): void {
    try {
      // Swoole's unix socket pairs get 8 MiB buffers too (more messages in flight, fewer switches).
      const [mine, theirs] = addon().socketpair(pipeTypeName(this.#pipeType), { sndbuf: PIPE_BUFFER, rcvbuf: PIPE_BUFFER, force: true });
      this.#pipe?.close();
      this.#pipe = new ProcessPipe(addon(), mine, pipeTypeName(this.#pipeType), true, () => this.pid > 0 && processGone(this.pid));
      this.#childEnd = theirs;
      this.pipe = mine;
    } catch (e) {
      throw new SwooleError(ErrorCode.SYSTEM_CALL_FAIL, `failed to create unix socket: ${(e as Error).message}`, { cause: e });
    }
  }

  #spawn(): number | false {
    if (this.pid > 0 && children.isLive(this.pid)) return fail(ErrorCode.WRONG_OPERATION, 'process has already been started');
    if (process.argv[1] === undefined) {
      throw new SwooleError(ErrorCode.INVALID_WORKER_SETUP, 'Process.start() needs an entry script for the child to re-run (this process has none: eval or REPL)');
    }
    // A restart after the child ended gets a fresh pipe (the old child end was handed over).
    if (this.#pipeType > 0 && this.#childEnd < 0) this.#newPipe();
    const n = addon();
    let status: [number, number];
    try {
      status = n.socketpair('stream');
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `socketpair() failed: ${(e as Error).message}`);
    }
    const spec: ChildSpec = {
      index: this.#index,
      pipeType: this.#pipeType,
      redirect: this.#redirect,
      enableCoroutine: this.#options.enable_coroutine,
      parentPid: process.pid,
      pdeathsig: this.#options.pdeathsig,
      queue: this.#queue ? { id: this.#queue.id, key: this.#queue.key, mode: this.#queue.mode, nowait: this.#queue.nowait } : null,
    };
    const end = this.#childEnd;
    const io: StdioOptions = this.#redirect ? [end, end, end, status[1], end] : ['inherit', 'inherit', 'inherit', status[1], end >= 0 ? end : 'ignore'];
    let proc: ChildProcess;
    try {
      proc = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: io, env: { ...process.env, [ENV_PROCESS]: encodeChildSpec(spec) } });
    } catch (e) {
      n.close(status[0]);
      n.close(status[1]);
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `spawn() failed: ${(e as Error).message}`);
    }
    n.close(status[1]);
    if (end >= 0) {
      // The child has its copy; without ours, its death is EOF on a stream pipe.
      n.close(end);
      this.#childEnd = -1;
    }
    if (proc.pid === undefined) {
      n.close(status[0]);
      proc.on('error', () => {});
      return fail(ErrorCode.SYSTEM_CALL_FAIL, 'spawn() failed: no pid');
    }
    const pid = proc.pid;
    children.track(proc);
    this.#child = proc;
    this.pid = pid;
    let failure: string | null;
    try {
      failure = this.#handshake(status[0], pid);
    } finally {
      n.close(status[0]);
    }
    if (failure !== null) {
      children.discard(pid);
      proc.kill('SIGKILL');
      this.pid = 0;
      this.#child = null;
      throw new SwooleError(ErrorCode.INVALID_WORKER_SETUP, `Process #${this.#index} (child pid ${pid}): ${failure}`);
    }
    return pid;
  }

  /** Waits (blocking, bounded by setup_timeout) for the child's READY; returns why it failed, or null. */
  #handshake(fd: number, pid: number): string | null {
    const n = addon();
    const deadline = Date.now() + this.#options.setup_timeout * 1000;
    const buf = Buffer.alloc(4096);
    let text = '';
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return `the child did not reach start() within ${this.#options.setup_timeout} s (setup_timeout): children re-run the entry script ${process.argv[1] ?? ''}, which must build the same Processes in the same order and call start() (see reference/process/README.md)`;
      if (n.pollFd(fd, 'in', Math.min(left, 1000)) === 'timeout') continue;
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) {
        if (text.startsWith(FAILED)) return text.slice(1);
        return `the child exited before reaching start(): children re-run the entry script ${process.argv[1] ?? ''}, which must build the same Processes in the same order and call start() (see reference/process/README.md)`;
      }
      text += buf.toString('utf8', 0, got);
      if (text.startsWith(READY)) return null;
    }
  }

  #runChild(): number {
    const spec = childSpec!;
    ownStarted = true;
    const n = addon();
    if (spec.pdeathsig > 0 && n.setParentDeathSignal(spec.pdeathsig) !== spec.parentPid) process.exit(1); // the parent died before prctl
    if (spec.pipeType > 0) {
      this.#pipe = new ProcessPipe(n, PIPE_FD, pipeTypeName(spec.pipeType), true, () => n.getppid() !== spec.parentPid);
      this.pipe = PIPE_FD;
    }
    if (spec.queue && !this.#queue) this.#adoptQueue(ProcessQueue.adopt(n, spec.queue.id, spec.queue.key, spec.queue.mode, spec.queue.nowait));
    clearSignals();
    this.pid = process.pid;
    writeSync(STATUS_FD, READY);
    n.close(STATUS_FD);
    const coroutine = spec.enableCoroutine || this.#options.enable_coroutine;
    let r: unknown;
    try {
      r = this.callback!(this);
    } catch (err) {
      crashed(err);
    }
    if (r instanceof Promise) {
      r.then(() => (coroutine ? undefined : process.exit(0)), crashed);
      return 0;
    }
    if (coroutine) return 0;
    process.exit(0);
  }

  /**
   * In a child, what the re-run script does with a Process before the child's own start() (and
   * everything it does with the parent's other Processes) already happened in the parent:
   * such calls are replays and change nothing here.
   */
  #replaying(): boolean {
    return this.#role === 'foreign' || (this.#role === 'own' && !ownStarted);
  }

  #replayRead(what: string): false {
    return fail(ErrorCode.WRONG_OPERATION, `${what} on Process #${this.#index} in a child, before its start(): the parent did this already`);
  }

  // ---- pipe ----

  /** Datagram pipe: one message. Stream: all the bytes. Blocks while the pipe is full. Returns the bytes written, or false. */
  write(data: Buffer | string): number | false {
    const buf = toBuffer(data, 'write()');
    if (buf.length === 0) return fail(ErrorCode.INVALID_PARAMS, 'the data to send is empty');
    if (this.#replaying()) return this.#pipeType > 0 ? buf.length : fail(ErrorCode.OPERATION_NOT_SUPPORT, 'no pipe, cannot write into pipe');
    if (this.#writer) return this.#writer(buf);
    if (!this.#pipe || this.#pipe.closed) return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'no pipe, cannot write into pipe');
    try {
      return this.#pipe.write(buf);
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `write() failed: ${(e as Error).message}`);
    }
  }

  /**
   * One read of at most `size` bytes (capped at 65536): a whole datagram (cut to size), or what
   * the stream has. Blocks until something arrives. Empty at end of stream, or when the peer
   * process is gone and nothing is left (Swoole blocks forever on a datagram pipe there).
   */
  read(size = 8192): Buffer | false {
    if (typeof size !== 'number' || !Number.isInteger(size)) throw new TypeError('size must be an integer');
    if (size < 1) return fail(ErrorCode.INVALID_PARAMS, `read size must be positive, got ${size}`);
    if (this.#replaying()) return this.#replayRead('read()');
    if (!this.#pipe || this.#pipe.closed) return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'no pipe, cannot read from pipe');
    try {
      return this.#pipe.read(Math.min(size, READ_MAX));
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `read() failed: ${(e as Error).message}`);
    }
  }

  /** The pipe as an asynchronous socket over a dup of the fd; the same object on every call. */
  exportSocket(): ProcessSocket | false {
    if (this.#replaying()) return this.#replayRead('exportSocket()');
    if (!this.#pipe || this.#pipe.closed) return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'no pipe, cannot export stream');
    if (!this.#socket) {
      try {
        this.#socket = new ProcessSocket(addon(), addon().dup(this.#pipe.fd), this.#pipe.type);
      } catch (e) {
        return fail(ErrorCode.SYSTEM_CALL_FAIL, `exportSocket() failed: ${(e as Error).message}`);
      }
    }
    return this.#socket;
  }

  /** 0 (or PIPE_MASTER / PIPE_WORKER): close the pipe. PIPE_READ / PIPE_WRITE: shut that direction down. */
  close(which = 0): boolean {
    if (!Number.isInteger(which)) throw new TypeError('which must be an integer');
    if (this.#replaying()) return this.#pipeType > 0;
    if (!this.#pipe || this.#pipe.closed) return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'no pipe, cannot close the pipe');
    try {
      if (which === Process.PIPE_READ) this.#pipe.shutdown('read');
      else if (which === Process.PIPE_WRITE) this.#pipe.shutdown('write');
      else if (which === 0 || which === Process.PIPE_MASTER || which === Process.PIPE_WORKER) {
        this.#pipe.close();
        if (this.#childEnd >= 0) addon().close(this.#childEnd);
        this.#childEnd = -1;
        this.pipe = null;
      } else return fail(ErrorCode.INVALID_PARAMS, `invalid close type [${which}]`);
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `close() failed: ${(e as Error).message}`);
    }
    return true;
  }

  // ---- queue ----

  /**
   * Attaches a System V queue (0600). key ≤ 0: a new private queue, removed at freeQueue() or
   * when this process exits (Swoole uses ftok() of the script). mode: SWOOLE_MSGQUEUE_BALANCE
   * (pop any message) or SWOOLE_MSGQUEUE_ORIENT (pop only type id + 1), | Process.IPC_NOWAIT.
   * A child shares the queue its parent attached before start().
   */
  useQueue(key = 0, mode = SWOOLE_MSGQUEUE_BALANCE, capacity = -1): boolean {
    if (![key, mode, capacity].every(Number.isInteger)) throw new TypeError('key, mode and capacity must be integers');
    if (capacity > 0) return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'useQueue() capacity is not supported (the queue keeps the kernel default msgmnb)');
    const nowait = (mode & Process.IPC_NOWAIT) !== 0;
    const base = mode & ~Process.IPC_NOWAIT;
    const k = key > 0 ? key : 0;
    const inherited = this.#role === 'own' ? childSpec!.queue : null;
    if (this.#replaying()) {
      // The parent attached it already; the child's own Process shows the same queue.
      if (inherited && inherited.key === k && !this.#queue) this.#adoptQueue(ProcessQueue.adopt(addon(), inherited.id, k, base, nowait));
      return true;
    }
    try {
      const q = inherited && inherited.key === k ? ProcessQueue.adopt(addon(), inherited.id, k, base, nowait) : ProcessQueue.open(addon(), k, base, nowait);
      if (this.#queue && this.#queue.id !== q.id && this.#queue.key === 0 && this.#role === 'parent') this.#queue.remove();
      this.#adoptQueue(q);
      return true;
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `msgget(${k}) failed: ${(e as Error).message}`);
    }
  }

  #adoptQueue(q: ProcessQueue): void {
    this.#queue = q;
    this.msgQueueId = q.id;
    this.msgQueueKey = q.key;
  }

  /** One message of type id + 1; payloads must be 1..65535 bytes (and fit the kernel's msgmax). */
  push(data: Buffer | string): boolean {
    const buf = toBuffer(data, 'push()');
    if (buf.length === 0) return fail(ErrorCode.INVALID_PARAMS, 'the data to push is empty');
    if (buf.length >= MSGMAX) return fail(ErrorCode.DATA_LENGTH_TOO_LARGE, 'the data to push is too big');
    if (this.#replaying()) return true;
    if (!this.#queue) return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'no msgqueue, cannot use push()');
    try {
      return this.#queue.push(this.id + 1, buf) || fail(ErrorCode.QUEUE_FULL, 'the message queue is full');
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `msgsnd() failed: ${(e as Error).message}`);
    }
  }

  /** The next message (BALANCE: any type; ORIENT: type id + 1), at most `size` bytes (≤ 0 or > 65536: 65536). false when empty in IPC_NOWAIT mode. */
  pop(size = MSGMAX): Buffer | false {
    if (!Number.isInteger(size)) throw new TypeError('size must be an integer');
    const max = size <= 0 || size > MSGMAX ? MSGMAX : size;
    if (this.#replaying()) return this.#replayRead('pop()');
    if (!this.#queue) return fail(ErrorCode.OPERATION_NOT_SUPPORT, 'no msgqueue, cannot use pop()');
    try {
      const m = this.#queue.pop(this.#queue.mode === SWOOLE_MSGQUEUE_BALANCE ? 0 : this.id + 1, max);
      return m ? m.data : false;
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `msgrcv() failed: ${(e as Error).message}`);
    }
  }

  statQueue(): { queue_num: number; queue_bytes: number } | false {
    if (this.#replaying()) return this.#replayRead('statQueue()');
    if (!this.#queue) return fail(ErrorCode.OPERATION_NOT_SUPPORT, "no queue, can't get stats of the queue");
    try {
      return this.#queue.stat();
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `msgctl() failed: ${(e as Error).message}`);
    }
  }

  /** Removes the queue (for every process using it). */
  freeQueue(): boolean {
    if (this.#replaying()) return true;
    if (!this.#queue) return false;
    try {
      this.#queue.remove();
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `msgctl(IPC_RMID) failed: ${(e as Error).message}`);
    }
    this.#queue = null;
    this.msgQueueId = null;
    this.msgQueueKey = null;
    return true;
  }

  // ---- the current process ----

  /** Replaces the current process with `path` (argv: path, ...args). The pipe fd stays open across it. Returns false on failure. */
  exec(path: string, args: readonly unknown[]): false {
    if (typeof path !== 'string') throw new TypeError('exec file must be a string');
    if (!Array.isArray(args)) throw new TypeError('args must be an array');
    if (path.length === 0) return fail(ErrorCode.INVALID_PARAMS, 'exec file name is empty');
    const env = Object.entries(process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    const keep = this.#pipe && !this.#pipe.closed ? [this.#pipe.fd] : [];
    try {
      return addon().execve(path, [path, ...args.map(String)], env, keep);
    } catch (e) {
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `execv(${path}) failed: ${(e as Error).message}`);
    }
  }

  /** Ends the current process with `code` (0..255; anything else warns and becomes 1). Only in the process this object runs in. */
  exit(code = 0): false | never {
    if (!Number.isInteger(code)) throw new TypeError('exit code must be an integer');
    if (this.pid !== process.pid) return fail(ErrorCode.WRONG_OPERATION, 'not current process');
    if (code < 0 || code > 255) {
      fail(ErrorCode.INVALID_PARAMS, 'exit ret_code range is [>0 and <255]');
      code = 1;
    }
    process.exit(code);
  }

  /** Sets the current process's title (ps, /proc/<pid>/cmdline; the first 15 bytes become /proc/<pid>/comm). */
  name(name: string): boolean {
    if (typeof name !== 'string') throw new TypeError('process name must be a string');
    process.title = name;
    return true;
  }

  // ---- static ----

  /** kill(2). Signal 0 probes: true while the process exists, false (no warning) when it does not. */
  static kill(pid: number, signo: number = constants.signals.SIGTERM): boolean {
    if (!Number.isInteger(pid) || !Number.isInteger(signo)) throw new TypeError('pid and signal must be integers');
    // kill(0|-1, sig) would signal our process group or every process we may signal.
    if (pid <= 0) return fail(ErrorCode.INVALID_PARAMS, `invalid pid [${pid}]`);
    try {
      process.kill(pid, signo);
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (signo === 0 && code === 'ESRCH') return false;
      return fail(ErrorCode.SYSTEM_CALL_FAIL, `kill(${pid}, ${signo}) failed: ${code ?? (e as Error).message}`);
    }
  }

  /**
   * Collects one exited child started by Process: { pid, code, signal }. Blocking (default): a
   * Promise of the next exit, false when no child is left. Non-blocking: an exit already
   * recorded, or false. Children never stay zombies (libuv reaps them at once).
   */
  static wait(blocking?: true): Promise<WaitResult | false>;
  static wait(blocking: false): WaitResult | false;
  static wait(blocking = true): Promise<WaitResult | false> | WaitResult | false {
    if (typeof blocking !== 'boolean') throw new TypeError('blocking must be a boolean');
    return children.wait(blocking);
  }

  /** Installs (callback), ignores (Process.SIG_IGN) or removes (null) the handler for a signal. */
  static signal(signo: number, callback?: SignalCallback | typeof SIG_IGN | null): boolean {
    return setSignal(signo, callback);
  }

  /** The ChildProcess behind a started child (parent only); for tests and embedding. */
  get childProcess(): ChildProcess | null {
    return this.#child;
  }

}

function crashed(err: unknown): never {
  // A PHP fatal error ends the child with status 255.
  console.error(`Process callback failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(255);
}
