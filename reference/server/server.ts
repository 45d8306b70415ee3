/**
 * Swoole\Server. One class, four roles, picked at start():
 * - single: BASE with worker_num 1 (no max_request): master and worker are this process;
 * - manager: the first process of a multi-worker BASE server, or the master+manager of a
 *   PROCESS server (which also owns every connection and dispatches frames to workers);
 * - BASE worker: a child re-running the entry script; runs this reactor on the inherited
 *   listening fds and owns the connections it accepts;
 * - PROCESS worker: a child that sees sessions only through its channel (remote-sessions.ts).
 * Rules: S1–S12, S24–S39, S44, observed h1–h10, h14, h15. See README.md.
 */
import { assertCanCreateServer, claimServer, release } from '../process-instance.ts';
import net from 'node:net';
import { chmodSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { ErrorCode, SwooleError } from '../errors.ts';
import type { ErrorCodeValue } from '../errors.ts';
import {
  SWOOLE_BASE, SWOOLE_PROCESS, SWOOLE_SOCK_TCP, SWOOLE_SOCK_TCP6, SWOOLE_SOCK_UDP, SWOOLE_SOCK_UDP6,
  SWOOLE_SOCK_UNIX_DGRAM, SWOOLE_SOCK_UNIX_STREAM,
} from '../constants.ts';
import { loadNative } from '../native/loader.ts';
import { applySet, cpuCount, heartbeatPlan, maxRequestThreshold, portDefaults, resolveWorkerNum, serverDefaults, settingAtStart } from './options.ts';
import { removedEvents } from './dispatch.ts';
import { Dispatcher } from './dispatcher.ts';
import { RemoteSessions } from './remote-sessions.ts';
import { Col, SharedStats, sharedBlockSize, WORKER_BUSY, WORKER_IDLE, WORKER_EXIT } from './shared-stats.ts';
import { childInfo, isServerChild, ENV_INDEX, ENV_LAYOUT, ENV_MANAGER, ENV_ROLE, FIRST_EXTRA_FD, type ChildInfo, type ChildLayout } from './wire.ts';
import { WorkerLauncher, awaitAssignment } from '../supervision/launcher.ts';
import type { NativeAddon } from '../native/api.ts';
import { normalizeEvent, PORT_EVENTS, SERVER_EVENTS } from './events.ts';
import { Port } from './port.ts';
import { StreamListener, type Accepted } from './stream-listener.ts';
import type { Callback } from './port.ts';
import { SessionTable, clientInfo } from './session.ts';
import type { ClientInfo, Session } from './session.ts';
import { StatsCounter } from './stats.ts';
import { wantsFraming } from './protocol.ts';
import { referenceDecoders, type DecoderFactory } from './protocol.ts';
import type { StreamDecoder } from '../framing/decoder.ts';
import { Messaging, type CommandEntry, type FinishCallback, type ProcessKind } from './messaging.ts';
import { INBOX_BUFFER } from './mailbox.ts';
import { Process } from '../process/process.ts';
import { FileOutput } from './file-output.ts';
import { WaterLevel, waterMarks } from './watermark.ts';
import { DatagramPort, type Arrival } from './datagram-port.ts';
import { datagramDispatchKey, datagramKind, datagramTarget, isDatagram, packetClientInfo, type DatagramKind, type DatagramTarget } from './packet.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

export interface ServerInternals {
  /** Chooses each connection's decoder from its port settings. */
  decoderFactory?: DecoderFactory;
}

type State = 'created' | 'starting' | 'running' | 'stopped';
type Role = 'single' | 'manager' | 'worker';

interface Conn {
  session: Session;
  socket: net.Socket;
  port: Port;
  portIndex: number;
  paused: boolean;
  protected: boolean;
  decoder: StreamDecoder | null;
  /** PROCESS master: workers holding this session's INFO; mode 8 binding. */
  informed: Set<number>;
  /** PROCESS master: bytes dispatched and not yet taken by a worker; reading paused for max_queued_bytes (S45). */
  queuedBytes: number;
  queuePaused: boolean;
  boundWorker?: number;
  /** Replies send() made while this connection's read is being handled: written as one buffer after it. */
  out: Buffer[] | null;
  outBytes: number;
  /** Ordered output while sendfile() streams a file (file-output.ts). */
  files: FileOutput | null;
  /** bufferFull/bufferEmpty state when the port has either callback (watermark.ts). */
  water: WaterLevel | null;
  /** Where this connection's frames go (built once at accept: the per-frame path is the hot one). */
  onFrame: (frame: Buffer) => void;
  /**
   * The socket's writableLength when its current read began, while nothing has been written to
   * it since (replies batch in `out`); -1 otherwise. Saves the stream getters per reply.
   */
  readBase: number;
}

type ReceiveFn = (server: Server, fd: number, reactorId: number, data: Buffer) => unknown;

/** The counters the reactor bumps; a StatsCounter (single) or rows in shared memory. */
interface Counters {
  accepted(): void;
  closed(): void;
  received(bytes: number): void;
  packet(): void;
  sent(bytes: number): void;
}

const nowSec = () => Date.now() / 1000;
const isDgram = isDatagram;
const signalNumber = (sig: NodeJS.Signals | null): number => (sig ? (osConstants.signals as Record<string, number>)[sig] ?? 0 : 0);

/**
 * sendfile()'s checks, in Swoole's order (Server::sendfile, Socket::sendfile): the file must
 * stat (502) and be regular (9013), the offset must be before its end (502), and the range must
 * fit (505). Length 0 means "to the end". Returns the range or the error code.
 */
function fileRange(filename: string, offset: number, length: number): { offset: number; length: number } | ErrorCodeValue {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) return ErrorCode.INVALID_PARAMS;
  let st;
  try {
    st = statSync(filename);
  } catch {
    return ErrorCode.SYSTEM_CALL_FAIL;
  }
  if (!st.isFile()) return ErrorCode.SERVER_IS_NOT_REGULAR_FILE;
  if (st.size <= offset) return ErrorCode.SYSTEM_CALL_FAIL;
  if (offset + length > st.size) return ErrorCode.INVALID_PARAMS;
  return { offset, length: length === 0 ? st.size - offset : length };
}

/** What keeps the event loop alive (one entry per handle, request or ref'd timer), immediates left out. */
function loopResources(): string[] {
  return process.getActiveResourcesInfo().filter((x) => x !== 'Immediate');
}

/**
 * The resources that are not the server's own: what is alive now minus what was alive just
 * before onWorkerStart (stdio pipes, the manager channel, listeners: all ours) and minus the
 * exit wait's own timer.
 */
function userPendingResources(baseline: readonly string[]): string[] {
  const r = loopResources();
  for (const x of [...baseline, 'Timeout']) {
    const i = r.indexOf(x);
    if (i >= 0) r.splice(i, 1);
  }
  return r.sort();
}

/** Servers constructed in this process, in order: a worker adopts the one with its index. */
let constructed = 0;

export class Server {
  readonly host: string;
  readonly port: number;
  readonly mode: number;
  readonly type: number;
  readonly ports: Port[] = [];
  /** User settings (S3: start() adds the defaults it reports). */
  setting: Record<string, unknown> = {};
  master_pid = 0;
  manager_pid = 0;
  worker_id = -1;
  worker_pid = 0;
  /** S9: true in task workers. */
  taskworker = false;

  #state: State = 'created';
  #role: Role = 'single';
  #callbacks = new Map<string, Callback>();
  #listeners: StreamListener[] = [];
  #conns = new Map<number, Conn>();
  #sessions = new SessionTable();
  #stats = new StatsCounter(nowSec());
  #count: Counters = this.#stats;
  #lastError = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #idleTime = new Map<Port, number>();
  #maxIdle = new Map<Port, number>();
  #maxIdleTimer: NodeJS.Timeout | undefined;
  #done: ((ok: boolean) => void) | undefined;
  #socketFiles: string[] = [];
  #stopRequested = false;
  /** A worker waiting for its pending events before it stops (S27). */
  #exiting = false;
  /** The loop's resources just before onWorkerStart: the server's own (see userPendingResources). */
  #baseline: string[] = [];
  #onSigterm = (): void => {
    this.shutdown();
  };
  /** This process's datagram ports (E5, h9): read where this process serves them, written by any process. */
  #dgrams: DatagramPort[] = [];
  readonly #decoderFactory: DecoderFactory | undefined;

  // Multi-process state.
  readonly #index: number;
  readonly #child: ChildInfo | null;
  #native: NativeAddon | null = null;
  #shared: SharedStats | null = null;
  #launcher: WorkerLauncher | null = null;
  #dispatcher: Dispatcher | null = null;
  #remote: RemoteSessions | null = null;
  #pids: (number | null)[] = [];
  #workerNum = 1;
  #reactorNum = 1;
  #threshold = 0;
  /** socket_buffer_size as a number (S36), cached for send(); -1 = read it again. */
  #sendLimit = -1;
  /** When the read being handled arrived (s): frames of one read share it as dispatch time. */
  #readTime = 0;
  /** The connection whose read is being handled (null between reads). */
  #reading: Conn | null = null;
  #served = 0;
  #removed = new Set<string>();
  #signals: [NodeJS.Signals, () => void][] = [];
  #setupError: SwooleError | null = null;
  #cleanups: (() => void)[] = [];
  /** PROCESS master: connections collecting replies while a batch of worker commands is applied. */
  #corking = false;
  #corked = new Set<Conn>();
  /** When the current batch of worker commands began (s): its sends share it as last send time. */
  #batchTime = 0;

  // Tasks, pipe messages, user processes, commands (messaging.ts).
  #taskWorkerNum = 0;
  #userProcesses: Process[] = [];
  readonly #commands = new Map<string, CommandEntry>();
  #messaging: Messaging | null = null;
  #kind: ProcessKind = 'event';
  #taskThreshold = 0;
  #tasksDone = 0;

  /** S1 / h15: the main port is bound here, so a taken port throws from the constructor. */
  constructor(host: string, port = 0, mode = SWOOLE_BASE, sockType = SWOOLE_SOCK_TCP, internals: ServerInternals = {}) {
    assertCanCreateServer(); // S1: one Server per process, none beside a Pool (process-instance.ts)
    this.#decoderFactory = internals.decoderFactory ?? referenceDecoders;
    if (mode !== SWOOLE_BASE && mode !== SWOOLE_PROCESS) {
      throw new SwooleError(ErrorCode.INVALID_PARAMS, `invalid $mode parameters ${mode}`);
    }
    this.host = host;
    this.mode = mode;
    this.type = sockType;
    this.#index = constructed++;
    this.#child = childInfo(this.#index);
    const main = this.#bind(host, port, sockType);
    if (main instanceof SwooleError) throw main;
    this.port = main.port;
  }

  #bind(host: string, port: number, type: number): Port | SwooleError {
    if (this.#child) {
      // A worker re-running the script: the manager bound this port; adopt what it passed down.
      const i = this.ports.length;
      const l = this.#child.layout;
      const p = new Port(host, l.portNumbers[i] ?? port, type, l.portFds[i] ?? -1, () => this.#state !== 'created');
      this.ports.push(p);
      return p;
    }
    if (type === SWOOLE_SOCK_TCP || type === SWOOLE_SOCK_TCP6) {
      try {
        const r = loadNative().listenTcp(host, port, { backlog: 512 });
        const p = new Port(host, r.port, type, r.fd, () => this.#state !== 'created');
        this.ports.push(p);
        return p;
      } catch (e) {
        if (e instanceof SwooleError) return e;
        const err = e as { code?: string; message?: string };
        return new SwooleError(ErrorCode.SERVER_INVALID_LISTEN_PORT, `failed to listen server port[${host}:${port}], Error: ${err.code ?? err.message}`, { cause: e });
      }
    }
    if (type === SWOOLE_SOCK_UDP || type === SWOOLE_SOCK_UDP6) {
      // Bound here and kept: a taken port throws now, port 0 is known at once, and worker
      // processes inherit this very socket.
      try {
        const r = loadNative().bindUdp(host, port);
        const p = new Port(host, r.port, type, r.fd, () => this.#state !== 'created');
        this.ports.push(p);
        return p;
      } catch (e) {
        if (e instanceof SwooleError) return e;
        const err = e as { code?: string; message?: string };
        return new SwooleError(ErrorCode.SERVER_INVALID_LISTEN_PORT, `failed to listen server port[${host}:${port}], Error: ${err.code ?? err.message}`, { cause: e });
      }
    }
    if (type === SWOOLE_SOCK_UNIX_STREAM || type === SWOOLE_SOCK_UNIX_DGRAM) {
      // Bound at start (h9: the file exists while the server runs and is removed at shutdown).
      const p = new Port(host, 0, type, -1, () => this.#state !== 'created');
      this.ports.push(p);
      return p;
    }
    return new SwooleError(ErrorCode.OPERATION_NOT_SUPPORT, `socket type ${type} is not supported by this server yet`);
  }

  /** h10: a taken port gives false (last error set), not an exception. */
  addListener(host: string, port: number, type = SWOOLE_SOCK_TCP): Port | false {
    if (this.#state !== 'created') return this.#fail(ErrorCode.WRONG_OPERATION);
    const p = this.#bind(host, port, type);
    if (p instanceof SwooleError) return this.#fail(p.code);
    return p;
  }

  listen(host: string, port: number, type = SWOOLE_SOCK_TCP): Port | false {
    return this.addListener(host, port, type);
  }

  set(options: Record<string, unknown>): boolean {
    const next = { ...this.setting };
    if (!applySet(next, options, this.#state !== 'created')) return false;
    this.setting = next;
    this.#sendLimit = -1;
    return true;
  }

  on(event: string, fn: Callback): boolean {
    if (this.#state !== 'created' || typeof fn !== 'function') return false;
    const name = normalizeEvent(event, SERVER_EVENTS, PORT_EVENTS);
    if (name === null) return false;
    if (PORT_EVENTS.some((e) => e.toLowerCase() === name)) return this.ports[0]!.on(name, fn);
    this.#callbacks.set(name, fn);
    return true;
  }

  getCallback(event: string): Callback | null {
    const name = String(event).toLowerCase();
    return this.#callbacks.get(name) ?? this.ports[0]!.getCallback(name);
  }

  getLastError(): number {
    return this.#lastError;
  }

  #fail(code: ErrorCodeValue): false {
    this.#lastError = code;
    return false;
  }

  #emit(name: string, ...args: unknown[]): void {
    const fn = this.#callbacks.get(name);
    if (fn) this.#run(fn, args);
  }

  /** A worker counts as busy while one of its callbacks runs (S9, S33). */
  #run(fn: Callback, args: unknown[]): unknown {
    const shared = this.#role === 'worker' ? this.#shared : null;
    if (!shared) return (fn as (...a: unknown[]) => unknown)(this, ...args);
    const before = shared.mine(Col.STATUS);
    shared.setStatus(WORKER_BUSY);
    try {
      return (fn as (...a: unknown[]) => unknown)(this, ...args);
    } finally {
      // Nested callbacks (onClose inside onReceive) leave the worker busy; a stopping one exits.
      shared.setStatus(before === WORKER_BUSY ? WORKER_BUSY : this.#state === 'stopped' || this.#exiting ? WORKER_EXIT : WORKER_IDLE);
    }
  }

  #emitPort(port: Port, name: string, ...args: unknown[]): void {
    const d = this.#dispatcher;
    if (d && (name === 'connect' || name === 'receive' || name === 'close')) {
      // PROCESS master: connection events go to a worker, never to a local callback.
      const c = this.#conns.get(args[0] as number);
      if (!c) return;
      if (name === 'connect') d.connect(c);
      else if (name === 'receive') d.data(c, args[2] as Buffer);
      else d.close(c, args[1] as number);
      return;
    }
    if (d && (name === 'bufferfull' || name === 'bufferempty')) {
      // PROCESS master: the master's queue crossed a mark; the callback runs in a worker.
      const c = this.#conns.get(args[0] as number);
      if (c) d.buffer(c, name === 'bufferfull');
      return;
    }
    if (this.#removed.has(name)) return;
    const fn = port.callbacks.get(name) ?? this.ports[0]!.callbacks.get(name);
    if (fn) this.#run(fn, args);
  }

  /** Port settings: own set() or, without one, the main server's protocol settings (h10). */
  #portSetting(port: Port): Record<string, unknown> {
    return { ...portDefaults(), ...(port.setting ?? this.setting) };
  }

  #nativeAddon(): NativeAddon {
    return (this.#native ??= loadNative());
  }

  /** Anything but worker_num 1 without max_request / tasks needs a manager (S4). */
  #multiProcess(): boolean {
    const workerNum = Number(this.setting.worker_num ?? 1);
    return (
      this.mode === SWOOLE_PROCESS || workerNum !== 1 || Number(this.setting.max_request ?? 0) > 0 ||
      Number(this.setting.task_worker_num ?? 0) > 0 || this.#userProcesses.length > 0
    );
  }

  /**
   * Starts serving. Resolves true after shutdown(); resolves false when already started or
   * stopped (S8). Start-up errors (missing onReceive, unsupported configuration) reject with
   * a SwooleError and leave nothing listening. In a worker process it never resolves: the
   * worker exits when it stops.
   */
  async start(): Promise<boolean> {
    if (this.#state !== 'created') return false;
    // A worker process of another server in the same script does not start this one (#start).
    if (!this.#child && isServerChild()) return this.#start();
    try {
      claimServer(this); // S1: another Server (or a Pool) running in this process refuses this one
    } catch (e) {
      this.#releasePorts();
      throw e;
    }
    try {
      return await this.#start();
    } finally {
      release(this);
    }
  }

  async #start(): Promise<boolean> {
    if (this.#child) return this.#startWorker(this.#child);
    if (isServerChild()) {
      // A worker process of another server in the same script: only that server starts here.
      return false;
    }
    if (Number(this.setting.task_worker_num ?? 0) > 0) {
      // S8: task workers need onTask.
      if (!this.#callbacks.has('task')) {
        this.#releasePorts();
        throw new SwooleError(ErrorCode.SERVER_INVALID_CALLBACK, "require 'onTask' callback");
      }
      // S23: 1 (per-worker pipes) and 3 (any idle worker) are what the inboxes give; the SysV
      // queue (2) and the unix stream socket (4) transports are not built.
      const ipc = Number(this.setting.task_ipc_mode ?? 1);
      if (ipc !== 1 && ipc !== 3) {
        this.#releasePorts();
        throw new SwooleError(ErrorCode.OPERATION_NOT_SUPPORT, `task_ipc_mode ${ipc} is not supported by this reference (1 and 3 are)`);
      }
    }
    for (const p of this.ports) {
      if (isDgram(p.type)) {
        if (!this.#emitterFor(p, 'packet')) {
          this.#releasePorts();
          throw new SwooleError(ErrorCode.SERVER_INVALID_CALLBACK, 'require onPacket callback');
        }
        continue; // E5: datagram ports ignore every framing option
      }
      if (!this.#emitterFor(p, 'receive')) {
        this.#releasePorts();
        throw new SwooleError(ErrorCode.SERVER_INVALID_CALLBACK, 'require onReceive callback');
      }
      const ps = this.#portSetting(p);
      if (wantsFraming(ps) && !this.#decoderFactory) {
        this.#releasePorts();
        throw new SwooleError(ErrorCode.OPERATION_NOT_SUPPORT, 'length/EOF framing is not wired into the server yet');
      }
    }
    if (this.#multiProcess()) return this.#startManager();
    this.#state = 'starting';
    this.setting = settingAtStart(this.setting, serverDefaults(this.mode, cpuCount()), 100000);
    this.#sessions = new SessionTable(Number(this.setting.start_session_id ?? 0));
    this.#stats = new StatsCounter(nowSec());
    this.#count = this.#stats;
    this.master_pid = process.pid;
    this.worker_id = 0;
    this.worker_pid = process.pid;
    // No other process to talk to: the checks still answer (no task workers, no self-send).
    this.#messaging = this.#newMessaging([], -1, 0);

    const done = new Promise<boolean>((resolve) => (this.#done = resolve));
    try {
      for (const p of this.ports) await this.#listenPort(p);
    } catch (e) {
      this.#state = 'running';
      this.shutdown();
      await done;
      throw new SwooleError(ErrorCode.SERVER_INVALID_LISTEN_PORT, `failed to start server: ${(e as Error).message}`, { cause: e });
    }
    const stopEarly = this.#stopRequested;
    this.#state = 'running';
    if (stopEarly) {
      this.shutdown();
      return done;
    }
    this.#armTimers();
    // f: SIGTERM to a single-process server runs the normal shutdown.
    process.on('SIGTERM', this.#onSigterm);
    this.#emit('start');
    this.#emit('workerstart', 0);
    this.#readDatagrams();
    return done;
  }

  /** Heartbeat (S30) and max_idle_time (S32) checks of the process that owns the connections. */
  #armTimers(): void {
    const interval = Number(this.setting.heartbeat_check_interval ?? 0);
    let periodMs = Infinity;
    for (const p of this.ports) {
      if (isDgram(p.type)) continue;
      const plan = heartbeatPlan(interval, Number(this.#portSetting(p).heartbeat_idle_time ?? 0));
      if (!plan) continue;
      this.#idleTime.set(p, plan.idleTime);
      periodMs = Math.min(periodMs, plan.periodMs);
    }
    if (periodMs !== Infinity) this.#heartbeatTimer = setInterval(() => this.#heartbeatCheck(), periodMs);
    // S32: max_idle_time, separate from heartbeat: both last receive and last send must be old.
    let idleCheckMs = Infinity;
    for (const p of this.ports) {
      const m = Number(this.#portSetting(p).max_idle_time ?? 0);
      if (isDgram(p.type) || !(m > 0)) continue;
      this.#maxIdle.set(p, m);
      idleCheckMs = Math.min(idleCheckMs, Math.max(1, (m * 1000) / 4));
    }
    if (idleCheckMs !== Infinity) this.#maxIdleTimer = setInterval(() => this.#maxIdleCheck(), idleCheckMs);
  }

  #registered(): Set<string> {
    const out = new Set<string>();
    for (const p of this.ports) for (const k of p.callbacks.keys()) out.add(k);
    return out;
  }

  /** S12: events PROCESS mode drops for non-hash dispatch modes (unless enable_unsafe_event). */
  #computeRemoved(warn: boolean): void {
    if (this.mode !== SWOOLE_PROCESS) return;
    const dm = Number(this.setting.dispatch_mode ?? 2);
    for (const r of removedEvents('process', dm, this.setting.enable_unsafe_event === true, this.#registered())) {
      this.#removed.add(r.event.toLowerCase());
      if (warn) process.emitWarning(`cannot set 'on${r.event[0]!.toUpperCase()}${r.event.slice(1)}' event when using dispatch_mode=${dm}`, { code: String(r.code), type: 'SwooleWarning' });
    }
  }

  #effectiveSetting(): void {
    const cpus = cpuCount();
    this.setting = settingAtStart(this.setting, serverDefaults(this.mode, cpus), 100000);
    this.setting.worker_num = resolveWorkerNum(Number(this.setting.worker_num), cpus);
    this.#workerNum = Number(this.setting.worker_num);
    this.#taskWorkerNum = Math.max(0, Number(this.setting.task_worker_num ?? 0));
    // S2: reactor_num defaults to min(CPU, 8), capped to worker_num.
    this.#reactorNum = Math.max(1, Math.min(Number(this.setting.reactor_num ?? Math.min(cpus, 8)), this.#workerNum));
  }

  /** Multi-worker BASE: supervise workers. PROCESS: that, plus own and dispatch every connection. */
  async #startManager(): Promise<boolean> {
    this.#state = 'starting';
    this.#role = 'manager';
    this.#effectiveSetting();
    this.#computeRemoved(true);
    const native = this.#nativeAddon();
    const n = this.#workerNum;
    const t = this.#taskWorkerNum;
    const u = this.#userProcesses.length;
    const slots = n + t + u;
    const process_ = this.mode === SWOOLE_PROCESS;
    const extraFds: number[] = [];
    const layout: ChildLayout = { shm: FIRST_EXTRA_FD, portFds: [], portNumbers: [], channels: [], inboxOut: [], inboxIn: [] };
    const inboxOut: number[] = [];
    const inboxIn: number[] = [];
    try {
      for (const p of this.ports) {
        if (!process_ && (p.type === SWOOLE_SOCK_TCP || p.type === SWOOLE_SOCK_TCP6)) {
          // BASE: re-bind with SO_REUSEPORT. Worker 0 accepts on this socket (inherited, so it
          // outlives any one worker 0); every other worker binds its own into the same group and
          // the kernel spreads connections over them, instead of one worker winning accept races.
          // (The constructor's socket has no SO_REUSEPORT, so it must go first: a window of a
          // few microseconds in which the port is unbound.)
          native.close(p.fd);
          p.fd = -1;
          p.fd = native.listenTcp(p.host, p.port, { backlog: 512, reusePort: true }).fd;
        }
        if (p.type === SWOOLE_SOCK_UNIX_STREAM && p.fd < 0) {
          p.fd = native.listenUnix(p.host, { backlog: 512 });
          chmodSync(p.host, 0o600);
          this.#socketFiles.push(p.host);
        }
        this.#bindUnixDgram(p);
      }
      const size = sharedBlockSize(slots);
      const shmFd = native.createSharedMemory(size);
      this.#cleanups.push(() => native.close(shmFd));
      extraFds.push(shmFd);
      this.#shared = new SharedStats(native, shmFd, slots);
      this.#shared.own(-1);
      this.#shared.startTime = nowSec();
      for (const p of this.ports) {
        layout.portNumbers.push(p.port);
        // PROCESS: the master reads every port, but workers get the datagram sockets too, so
        // their sendto() leaves from the server's port without a hop through the master.
        if (process_ && !isDgram(p.type)) layout.portFds.push(-1);
        else {
          layout.portFds.push(FIRST_EXTRA_FD + extraFds.length);
          extraFds.push(p.fd);
        }
      }
      // mailbox.ts: one inbox per event/task worker slot and one for the manager (the last).
      for (let a = 0; a <= n + t; a++) {
        const [w, r] = native.socketpair('dgram', { sndbuf: INBOX_BUFFER, rcvbuf: INBOX_BUFFER, force: true });
        this.#cleanups.push(() => {
          native.close(w);
          native.close(r);
        });
        inboxOut.push(w);
        inboxIn.push(r);
        layout.inboxOut.push(FIRST_EXTRA_FD + extraFds.length);
        extraFds.push(w);
        layout.inboxIn.push(FIRST_EXTRA_FD + extraFds.length);
        extraFds.push(r);
      }
      const pairs: [number, number][] = [];
      if (process_) {
        for (let i = 0; i < n; i++) {
          const pair = native.socketpair('dgram', { sndbuf: 4 << 20, rcvbuf: 4 << 20, force: true });
          pairs.push(pair); // both ends are closed by the Dispatcher
          layout.channels.push(FIRST_EXTRA_FD + extraFds.length);
          extraFds.push(pair[1]);
        }
        this.#sessions = new SessionTable(Number(this.setting.start_session_id ?? 0));
        this.#setupMasterCounters();
        const conns = this.#conns;
        const closeEvents = !this.#removed.has('close') && this.#registered().has('close');
        this.#dispatcher = new Dispatcher(native, {
          workerNum: n,
          dispatchMode: Number(this.setting.dispatch_mode ?? 2),
          dispatchFunc: typeof this.setting.dispatch_func === 'function' ? (this.setting.dispatch_func as (...a: unknown[]) => unknown) : null,
          connectEvents: !this.#removed.has('connect') && this.#registered().has('connect'),
          closeEvents,
          bufferEvents: ['bufferfull', 'bufferempty'].some((e) => !this.#removed.has(e) && this.#registered().has(e)),
          reactorNum: this.#reactorNum,
          callDispatchFunc: (fn, session, type, data) => (data === undefined ? fn(this, session, type) : fn(this, session, type, data)),
          conn: (id) => conns.get(id),
          send: (id, data) => this.#masterSend(id, data),
          sendfile: (id, filename, offset, length) => this.#masterSendfile(id, filename, offset, length),
          close: (id, reset) => {
            const c = this.#liveConn(id);
            if (c) this.#closeConn(c, -1, reset, false);
          },
          pause: (id, on) => (on ? this.#pauseLocal(id) : this.#resumeLocal(id)),
          protect: (id, on) => {
            const c = this.#liveConn(id);
            if (c) c.protected = on;
          },
          bind: (id, uid) => void this.#sessions.bind(id, uid),
          batchStart: () => {
            this.#corking = true;
            this.#batchTime = nowSec(); // one clock read per batch of worker commands
          },
          batchEnd: () => {
            this.#corking = false;
            for (const c of this.#corked) this.#flushOut(c);
            this.#corked.clear();
          },
          queued: (dc) => {
            // S45: reading pauses while a connection's frames wait for their worker past
            // max_queued_bytes, and resumes once the worker took enough (Swoole retries on timers).
            const limit = Number(this.setting.max_queued_bytes ?? 0);
            const c = dc as Conn;
            if (!(limit > 0) || c.socket.destroyed) return;
            if (!c.queuePaused && c.queuedBytes > limit) {
              c.queuePaused = true;
              c.socket.pause();
            } else if (c.queuePaused && c.queuedBytes <= limit) {
              c.queuePaused = false;
              if (!c.paused) c.socket.resume();
            }
          },
          dispatched: (bytes) => {
            this.#shared!.add(Col.DISPATCH);
            this.#shared!.add(Col.RECV_BYTES, bytes);
          },
          dispatchedPacket: () => this.#shared!.add(Col.DISPATCH),
          packetLimitBytes: Number(this.setting.pipe_buffer_size ?? 64 << 20),
          pairs,
          progress: (slot) => ({ seq: this.#shared!.of(slot, Col.CHAN_SEQ), done: this.#shared!.of(slot, Col.CHAN_DONE) }),
        });
        this.#cleanups.push(() => this.#dispatcher?.stop());
      }
    } catch (e) {
      for (const c of this.#cleanups.splice(0).reverse()) c();
      this.#releasePorts();
      throw new SwooleError(ErrorCode.WRONG_OPERATION, `failed to start server: ${(e as Error).message}`, { cause: e });
    }

    const done = new Promise<boolean>((resolve) => (this.#done = resolve));
    this.manager_pid = process.pid;
    this.#kind = 'manager';
    this.#messaging = this.#newMessaging(inboxOut, native.dup(inboxIn[n + t]!), -1);
    this.#cleanups.push(() => this.#messaging?.close());
    if (process_) {
      this.master_pid = process.pid;
      for (const p of this.ports) await this.#listenPort(p);
    }
    const maxWaitMs = Math.round(Number(this.setting.max_wait_time ?? 3) * 1000);
    const launcher = new WorkerLauncher({
      workerNum: slots,
      maxWaitMs,
      parallelReload: true,
      lateSlotsFrom: n + t,
      standby: this.setting.standby !== false,
      env: { [ENV_ROLE]: '1', [ENV_INDEX]: String(this.#index), [ENV_MANAGER]: String(process.pid), [ENV_LAYOUT]: JSON.stringify(layout) },
      extraFds,
      checkReady: (m) =>
        m.index === this.#index && m.mode === this.mode && m.ports === this.ports.length && m.workerNum === n && m.taskWorkerNum === t && m.userProcesses === u
          ? null
          : `server worker built a different server (index ${String(m.index)}, mode ${String(m.mode)}, ${String(m.ports)} ports, worker_num ${String(m.workerNum)}, task_worker_num ${String(m.taskWorkerNum)}, ${String(m.userProcesses)} user processes) than the manager (index ${this.#index}, mode ${this.mode}, ${this.ports.length} ports, worker_num ${n}, task_worker_num ${t}, ${u} user processes): build servers deterministically, before any branch on the process role`,
      assignMessage: (slot, pids) => ({ t: 'assign', id: slot, pids }),
      onAssigned: () => {
        this.#pids = launcher.pids();
        if (!process_) this.master_pid = this.#pids[0] ?? 0;
      },
      onExit: (slot, pid, code, signal) => {
        const sh = this.#shared!;
        if (slot >= n && slot < n + t && sh.of(slot, Col.HOLD_SRC) >= 0) {
          // The task in hand died with its task worker: its caller learns it now (messaging.ts).
          this.#messaging?.reportLost(sh.of(slot, Col.HOLD_SRC), sh.of(slot, Col.HOLD_ID), sh.of(slot, Col.HOLD_PID), sh.of(slot, Col.HOLD_WAIT) === 1);
        }
        sh.markExited(slot);
        this.#pids = launcher.pids();
        if (this.#dispatcher && slot < n) this.#dispatcher.workerGone(slot, this.#conns.values());
        // S44: any non-zero status or a signal is an abnormal exit.
        if ((code !== null && code !== 0) || signal) {
          process.emitWarning(`worker(pid=${pid}, id=${slot}) abnormal exit, status=${code ?? 0}, signal=${signalNumber(signal)}`, { code: 'SWOOLE_WORKER_ABNORMAL_EXIT', type: 'SwooleWarning' });
          this.#emit('workererror', slot, pid, code ?? 0, signalNumber(signal));
        }
      },
      onMessage: () => {},
      onSetupError: (message) => {
        if (this.#setupError) return;
        this.#setupError = new SwooleError(ErrorCode.INVALID_WORKER_SETUP, message);
        process.emitWarning(message, { code: String(ErrorCode.INVALID_WORKER_SETUP), type: 'SwooleWarning' });
        this.shutdown();
      },
    });
    this.#launcher = launcher;
    const on = (sig: NodeJS.Signals, fn: () => void): void => {
      process.on(sig, fn);
      this.#signals.push([sig, fn]);
    };
    on('SIGTERM', () => this.shutdown());
    on('SIGUSR1', () => this.reload());
    on('SIGUSR2', () => this.reload(true));
    this.#state = 'running';
    this.#messaging.start();
    if (process_) {
      this.#armTimers();
      this.#emit('start');
      this.#readDatagrams();
    } else {
      // BASE: the workers read the datagram ports; the manager can still sendto() on them.
      this.#keepDatagramPorts();
    }
    this.#emit('managerstart');
    launcher.start();
    if (this.#stopRequested) this.shutdown();
    await launcher.done;
    // Every worker is gone. PROCESS: the master closes what is left (no onClose: no worker runs).
    for (const c of [...this.#conns.values()]) {
      this.#forget(c);
      c.socket.destroy();
    }
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    if (this.#maxIdleTimer) clearInterval(this.#maxIdleTimer);
    this.#emit('managerstop');
    this.#state = 'stopped';
    for (const [sig, fn] of this.#signals) process.off(sig, fn);
    this.#signals = [];
    await Promise.all(this.#listeners.map((l) => new Promise<void>((r) => (l.listening ? l.close(() => r()) : r()))));
    this.#emit('shutdown');
    for (const c of this.#cleanups.splice(0).reverse()) c();
    for (const d of this.#dgrams.splice(0)) d.close();
    for (const p of this.ports) {
      if (p.fd >= 0) native.close(p.fd);
      p.fd = -1;
    }
    for (const f of this.#socketFiles) if (existsSync(f)) unlinkSync(f);
    if (this.#setupError) throw this.#setupError;
    this.#done?.(true);
    return done;
  }

  #setupMasterCounters(): void {
    const sh = this.#shared!;
    let round = 0;
    this.#count = {
      accepted: () => {
        sh.add(Col.ACCEPT);
        sh.setSessionRound(++round);
      },
      closed: () => sh.add(Col.CLOSE),
      // PROCESS master: dispatch and byte counts are bumped per dispatched frame (Dispatcher).
      received: () => {},
      packet: () => {},
      sent: () => {},
    };
  }

  /** A worker process: wait for the slot, then serve it until stopped. */
  async #startWorker(child: ChildInfo): Promise<boolean> {
    this.#state = 'starting';
    this.#role = 'worker';
    this.#effectiveSetting();
    this.#computeRemoved(false);
    const native = this.#nativeAddon();
    const n = this.#workerNum;
    const t = this.#taskWorkerNum;
    const shared = new SharedStats(native, child.layout.shm, n + t + this.#userProcesses.length);
    this.#shared = shared;
    this.manager_pid = child.managerPid;
    const assign = await awaitAssignment(
      { index: this.#index, mode: this.mode, ports: this.ports.length, workerNum: n, taskWorkerNum: t, userProcesses: this.#userProcesses.length },
      child.managerPid,
      native,
      (pids) => {
        this.#pids = pids;
        if (this.mode === SWOOLE_BASE) this.master_pid = pids[0] ?? 0;
      },
    );
    const id = assign.id as number;
    this.#pids = assign.pids as (number | null)[];
    this.worker_id = id;
    this.worker_pid = process.pid;
    // S4: in BASE mode the "master" is worker 0; in PROCESS mode the master is the manager here.
    this.master_pid = this.mode === SWOOLE_BASE ? (this.#pids[0] ?? 0) : child.managerPid;
    shared.own(id);
    this.#kind = id < n ? 'event' : id < n + t ? 'task' : 'user';
    // An uncaught error ends the worker with 255, like a fatal error in a Swoole worker (h1).
    process.on('uncaughtException', (err) => {
      console.error(`PHP Fatal error equivalent: uncaught ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(255);
    });
    // Only this slot reads its inbox; the other reading ends stay with the manager.
    const layout = child.layout;
    layout.inboxIn.forEach((fd, a) => {
      if (a !== id) native.close(fd);
    });
    this.#messaging = this.#newMessaging(layout.inboxOut, this.#kind === 'user' ? -1 : layout.inboxIn[id]!, id);
    if (this.#kind !== 'event') {
      // Task workers and user processes serve no connections; they keep the datagram sockets
      // (never read here) so their sendto() works like an event worker's.
      this.#keepDatagramPorts();
      for (const p of this.ports) {
        if (isDgram(p.type) || p.fd < 0) continue;
        native.close(p.fd);
        p.fd = -1;
      }
      if (this.mode === SWOOLE_PROCESS) for (const fd of layout.channels) native.close(fd);
      return this.#kind === 'task' ? this.#startTaskWorker(id) : this.#startUserProcess(id - n - t);
    }
    this.#threshold = maxRequestThreshold(Number(this.setting.max_request ?? 0), this.setting.max_request_grace === undefined ? undefined : Number(this.setting.max_request_grace), Math.random);
    process.on('SIGTERM', () => this.#stopWorker(0));
    if (this.mode === SWOOLE_PROCESS) {
      const dm = Number(this.setting.dispatch_mode ?? 2);
      // The master reads the datagram ports; this worker only writes to them (sendto).
      this.#keepDatagramPorts();
      this.#remote = new RemoteSessions(native, child.layout.channels[id]!, {
        stats: shared,
        dispatchMode: dm,
        outputBufferSize: Number(this.setting.output_buffer_size ?? 0xffffffff),
        emit: (port, event, ...args) => this.#emitPort(this.ports[port] ?? this.ports[0]!, event, ...args),
        packet: (port, time, address, peerPort, data) => {
          const d = this.#dgrams.find((x) => x.port === this.ports[port]);
          if (!d) return;
          shared.add(Col.PACKET);
          shared.add(Col.W_REQUEST);
          shared.add(Col.W_DISPATCH);
          this.#emitPort(d.port, 'packet', data, packetClientInfo(d.kind, d.fd, d.port.port, address, peerPort, time));
        },
        afterRequest: () => this.#afterRequest(),
        fail: (code) => this.#fail(code),
      });
    } else {
      this.#sessions = new SessionTable(Number(this.setting.start_session_id ?? 0));
      const sh = shared;
      this.#count = {
        accepted: () => sh.add(Col.ACCEPT),
        closed: () => sh.add(Col.CLOSE),
        received: (bytes) => {
          sh.add(Col.DISPATCH);
          sh.add(Col.REQUEST);
          sh.add(Col.W_REQUEST);
          sh.add(Col.RECV_BYTES, bytes);
        },
        packet: () => {
          sh.add(Col.PACKET);
          sh.add(Col.W_REQUEST);
        },
        sent: (bytes) => {
          sh.add(Col.RESPONSE);
          sh.add(Col.W_RESPONSE);
          sh.add(Col.SEND_BYTES, bytes);
        },
      };
      if (id > 0) {
        for (const p of this.ports) {
          if (p.type !== SWOOLE_SOCK_TCP && p.type !== SWOOLE_SOCK_TCP6) continue;
          const own = native.listenTcp(p.host, p.port, { backlog: 512, reusePort: true }).fd;
          native.close(p.fd);
          p.fd = own;
        }
      }
      for (const p of this.ports) await this.#listenPort(p);
    }
    this.#state = 'running';
    // Before the heartbeat timers (ours, but gone by the exit wait) and any user callback.
    this.#baseline = loopResources();
    if (this.mode === SWOOLE_BASE) {
      this.#armTimers();
      if (id === 0 && shared.claimOnStart()) this.#emit('start');
    }
    this.#emit('workerstart', id);
    if (this.mode === SWOOLE_BASE) this.#readDatagrams();
    this.#remote?.start();
    this.#messaging.start();
    return new Promise<boolean>(() => {});
  }

  /** A task worker (S9, S19): onWorkerStart, then tasks, pipe messages and commands from its inbox. */
  #startTaskWorker(id: number): Promise<boolean> {
    this.taskworker = true;
    this.#taskThreshold = maxRequestThreshold(Number(this.setting.task_max_request ?? 0), this.setting.task_max_request_grace === undefined ? undefined : Number(this.setting.task_max_request_grace), Math.random);
    process.on('SIGTERM', () => this.#stopWorker(0));
    this.#state = 'running';
    this.#baseline = loopResources();
    this.#emit('workerstart', id);
    this.#messaging!.start();
    return new Promise<boolean>(() => {});
  }

  /**
   * A user process (S40, h12): the Process added at `index` runs its callback here with its
   * global id. worker_id stays -1; no onWorkerStart. The process ends when the callback is over
   * and nothing else keeps it alive (then the manager starts it again), or at SIGTERM.
   */
  #startUserProcess(index: number): Promise<boolean> {
    const proc = this.#userProcesses[index]!;
    const id = this.#workerNum + this.#taskWorkerNum + index;
    this.worker_id = -1;
    (proc as { id: number }).id = id;
    proc.pid = process.pid;
    this.#state = 'running';
    // The manager's IPC channel must not keep an idle user process alive.
    (process.channel as { unref?: () => void } | undefined)?.unref?.();
    process.once('SIGTERM', () => {
      // A user's own SIGTERM handler decides; without one the process just ends.
      if (process.listenerCount('SIGTERM') === 0) void this.#messaging!.mailbox.drained().then(() => process.exit(0));
    });
    const cb = proc.callback;
    if (cb) {
      const ret = cb(proc);
      if (ret && typeof (ret as Promise<unknown>).then === 'function') {
        (ret as Promise<unknown>).then(
          () => {},
          (err: unknown) => {
            throw err;
          },
        );
      }
    }
    return new Promise<boolean>(() => {});
  }

  #newMessaging(outFds: readonly number[], inFd: number, self: number): Messaging {
    const n = this.#workerNum;
    const sh = (): SharedStats => this.#shared!;
    return new Messaging(this.#nativeAddon(), {
      kind: this.#kind,
      self,
      workerNum: n,
      taskWorkerNum: this.#taskWorkerNum,
      baseMode: this.mode === SWOOLE_BASE,
      outFds,
      inFd,
      limitBytes: Number(this.setting.pipe_buffer_size ?? 64 << 20),
      spinUs: Number(this.setting.task_spin_us ?? 50),
      taskIdle: (i) => sh().status(n + i) === WORKER_IDLE,
      taskQueued: (i) => sh().taskQueued(n + i),
      taskQueuedAdd: (i, up) => sh().taskQueuedAdd(n + i, up),
      holding: (src, id, pid, wait) => {
        const s = sh();
        s.put(Col.HOLD_ID, id);
        s.put(Col.HOLD_PID, pid);
        s.put(Col.HOLD_WAIT, wait ? 1 : 0);
        s.put(Col.HOLD_SRC, src);
        // An async onTask keeps its task worker busy until it settles (idle selection, S17).
        s.setStatus(src >= 0 ? WORKER_BUSY : this.#state === 'stopped' || this.#exiting ? WORKER_EXIT : WORKER_IDLE);
      },
      hasCallback: (name) => this.#callbacks.has(name),
      onTask: (taskId, src, data) => {
        this.#shared?.add(Col.TASKS);
        const fn = this.#callbacks.get('task')!;
        const ret = this.#run(fn, [taskId, src, data]);
        if (ret && typeof (ret as Promise<unknown>).then === 'function') this.#shared?.setStatus(WORKER_BUSY);
        return ret;
      },
      onFinish: (taskId, data) => this.#emit('finish', taskId, data),
      callFinish: (cb, taskId, data) => void this.#run(cb as Callback, [taskId, data]),
      onPipeMessage: (src, msg) => this.#emit('pipemessage', src, msg),
      onForward: (kind, session, data, reset) => {
        if (this.#kind === 'manager') {
          // PROCESS master: the connection is here; onClose runs in its worker.
          const c = this.#liveConn(session);
          if (!c) return;
          if (kind === 'send') this.#masterSend(session, Buffer.from(data));
          else this.#closeConn(c, -1, reset);
          return;
        }
        if (!this.#conns.has(session)) return; // BASE: another worker owns it
        if (kind === 'send') this.send(session, Buffer.from(data));
        else this.close(session, reset);
      },
      commands: this.#commands,
      runCommand: (entry, json) => entry.fn(this, json),
      afterTask: () => {
        if (this.#taskThreshold <= 0 || ++this.#tasksDone < this.#taskThreshold) return false;
        setImmediate(() => this.#stopWorker(0));
        return true;
      },
      warn: (message, code) => process.emitWarning(message, { code: String(code), type: 'SwooleWarning' }),
      fail: (code) => this.#fail(code),
      fatal: (err) => {
        // Like an uncaught error anywhere in a worker: the process ends with 255 (h1).
        process.nextTick(() => {
          throw err;
        });
      },
    });
  }

  /** S24/h3: true once this worker has served its max_request; it then stops. */
  #afterRequest(): boolean {
    if (this.#threshold <= 0 || ++this.#served < this.#threshold) return false;
    setImmediate(() => this.#stopWorker(0));
    return true;
  }

  /**
   * A worker stops (SIGTERM from the manager: shutdown, reload, stop() from elsewhere;
   * max_request; stop() in itself). It stops accepting and reading at once. Then, unless `now`
   * (stop() without waitEvent, in the worker itself), it waits for its pending events (timers,
   * I/O its callbacks started), running onWorkerExit while any remain (S27), for at most
   * max_wait_time (then warning 9101). Then BASE closes its connections with onClose(reactor_id
   * -1) (h2, h3) and onWorkerStop runs; PROCESS leaves the connections to the master, and what
   * is still queued on its channel stays there for the replacement.
   */
  #stopWorker(code: number, now = false): void {
    if (this.#state !== 'running' || this.#exiting) return;
    this.#exiting = true;
    this.#shared?.setStatus(WORKER_EXIT);
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    if (this.#maxIdleTimer) clearInterval(this.#maxIdleTimer);
    // Not awaited: a listener's close callback waits for its connections (kept open here).
    for (const l of this.#listeners) if (l.listening) l.close();
    for (const d of this.#dgrams) d.stopReading();
    this.#remote?.stopReading();
    // BASE: connections stay open, unread, until the wait is over; they are ours, not pending work.
    for (const c of this.#conns.values()) {
      c.socket.pause();
      c.socket.unref();
    }
    const maxWaitMs = Math.max(100, Number(this.setting.max_wait_time ?? 3) * 1000);
    const waitUntil = Date.now() + maxWaitMs;
    // A task worker first finishes the task in hand (and what it already took).
    const finishing = this.#messaging ? this.#messaging.stop() : Promise.resolve();
    void finishing
      .then(() => (now ? undefined : this.#waitPending(waitUntil)))
      .then(() => {
        this.#state = 'stopped';
        const sockets = [...this.#conns.values()].map((c) => c.socket);
        for (const c of [...this.#conns.values()]) this.#closeConn(c, -1, false);
        const deadline = Date.now() + maxWaitMs;
        // An async onWorkerStop is waited for (bounded by max_wait_time): the process leaves after it.
        const fn = this.#callbacks.get('workerstop');
        const ret = fn ? this.#run(fn, [this.worker_id]) : undefined;
        const stopped = ret && typeof (ret as Promise<unknown>).then === 'function'
          ? Promise.race([(ret as Promise<unknown>).catch(() => {}), new Promise((r) => setTimeout(r, maxWaitMs))])
          : Promise.resolve();
        const leave = (): void => {
          // Wait until what was written (and the FIN) reached the kernel, not for the peers to close.
          const pending = sockets.some((s) => !s.destroyed && !s.writableFinished) || (this.#remote?.pendingOut ?? 0) > 0;
          if (pending && Date.now() < deadline) setTimeout(leave, 1);
          else process.exit(code);
        };
        void stopped.then(() => {
          this.#shared?.setStatus(WORKER_EXIT);
          this.#remote?.flush();
          setImmediate(leave);
        });
      });
  }

  /**
   * S27: resolves once nothing but this server's own handles keeps the event loop alive (the
   * user's timers, sockets, file and child-process work are done), or at `until` with warning
   * 9101. While work is pending, onWorkerExit runs (status EXIT inside): once at the start and
   * again whenever the set of pending resources changes (Swoole: once per loop iteration).
   */
  #waitPending(until: number): Promise<void> {
    // The manager's IPC channel is ours: it must not count as pending work.
    (process.channel as { unref?: () => void } | undefined)?.unref?.();
    return new Promise<void>((resolve) => {
      let last = '';
      const check = (): void => {
        const pending = userPendingResources(this.#baseline);
        if (pending.length === 0) return finish();
        if (Date.now() >= until) {
          process.emitWarning(`worker exit timeout, forced termination (pending: ${pending.join(', ')})`, { code: String(ErrorCode.WORKER_EXIT_TIMEOUT), type: 'SwooleWarning' });
          return finish();
        }
        const key = pending.join(',');
        if (key !== last) {
          last = key;
          const fn = this.#callbacks.get('workerexit');
          // Not through #run: the status stays EXIT (event/worker_exit.phpt).
          if (fn) (fn as (...a: unknown[]) => unknown)(this, this.worker_id);
        }
      };
      // Ref'd on purpose (it keeps the process alive while it waits) and left out of the count.
      const timer = setInterval(check, 5);
      const finish = (): void => {
        clearInterval(timer);
        resolve();
      };
      setImmediate(check);
    });
  }

  /** A failed start() is final (Swoole exits): the bound fds are closed. */
  #releasePorts(): void {
    this.#state = 'stopped';
    const native = loadNative();
    for (const p of this.ports) {
      if (p.fd >= 0) native.close(p.fd);
      p.fd = -1;
    }
  }

  #emitterFor(port: Port, name: string): Callback | undefined {
    return port.callbacks.get(name) ?? this.ports[0]!.callbacks.get(name);
  }

  async #listenPort(port: Port): Promise<void> {
    if (isDgram(port.type)) return this.#openDatagram(port);
    const native = this.#nativeAddon();
    if (port.type === SWOOLE_SOCK_UNIX_STREAM && port.fd < 0) {
      port.fd = native.listenUnix(port.host, { backlog: 512 });
      chmodSync(port.host, 0o600);
      this.#socketFiles.push(port.host);
    }
    this.#listeners.push(new StreamListener(native, port.fd, (a) => this.#accept(port, a)));
  }

  /** A datagram port served by this process: bound (unix dgram, at start) and wrapped; reading starts with #readDatagrams(). */
  #openDatagram(port: Port): void {
    this.#bindUnixDgram(port);
    this.#dgrams.push(new DatagramPort(this.#nativeAddon(), port, datagramKind(port.type)!));
  }

  /** A unix dgram port not bound yet: its socket file (0600), removed at shutdown. */
  #bindUnixDgram(port: Port): void {
    if (port.type !== SWOOLE_SOCK_UNIX_DGRAM || port.fd >= 0) return;
    port.fd = this.#nativeAddon().bindUnixDgram(port.host, { mode: 0o600 });
    this.#socketFiles.push(port.host);
  }

  /** Every datagram port this process holds, wrapped (for sendto; reading starts with #readDatagrams()). */
  #keepDatagramPorts(): void {
    for (const p of this.ports) if (isDgram(p.type) && p.fd >= 0) this.#dgrams.push(new DatagramPort(this.#nativeAddon(), p, datagramKind(p.type)!));
  }

  /**
   * Starts reading the datagram ports (after onWorkerStart; until then datagrams wait in the
   * kernel). Single process and BASE workers run onPacket here, every BASE worker on the same
   * inherited socket (whoever reads a datagram runs it); the PROCESS master dispatches each
   * datagram to a worker.
   */
  #readDatagrams(): void {
    for (const d of this.#dgrams) {
      const index = this.ports.indexOf(d.port);
      d.startReading(
        (a) => this.#onDatagram(d, index, a),
        () => process.emitWarning(`a datagram longer than the receive buffer of ${d.port.host}:${d.port.port} was dropped`, { code: String(ErrorCode.PACKAGE_LENGTH_TOO_LARGE), type: 'SwooleWarning' }),
      );
    }
  }

  #onDatagram(d: DatagramPort, index: number, a: Arrival): void {
    if (this.#state !== 'running' || this.#exiting) return;
    const now = nowSec();
    if (this.#dispatcher) {
      this.#dispatcher.packet(index, datagramDispatchKey(d.kind, a.address), now, a.address, a.port, a.data);
      return;
    }
    this.#count.packet();
    this.#emitPort(d.port, 'packet', a.data, packetClientInfo(d.kind, d.fd, d.port.port, a.address, a.port, now));
    // S24: an onPacket is a request.
    if (this.#role === 'worker' && this.#threshold > 0) this.#afterRequest();
  }

  /**
   * h9: a datagram to a UDP peer, from the server's own port. `serverSocket` (clientInfo's
   * server_socket) picks the port; -1 takes the first port of the address's family. An absolute
   * path as `ip` sends to a unix dgram peer (like send(path, data, server_socket)). False with
   * the last error: 505 for a bad address or port, 509 when no port of that family exists, the
   * errno when the kernel refuses (90 EMSGSIZE above 65,507 bytes, 111 / 2 for a unix peer that
   * is gone). The server keeps running either way.
   */
  sendto(ip: string, port: number, data: string | Buffer, serverSocket = -1): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const target = datagramTarget(ip, port);
    if (typeof target === 'number') return this.#fail(target);
    return this.#sendDatagram(target, data, serverSocket);
  }

  #sendDatagram(target: DatagramTarget, data: string | Buffer, serverSocket: number): boolean {
    const buf = this.#buffer(data);
    if (!buf) return this.#fail(ErrorCode.NO_PAYLOAD);
    const d = Number.isInteger(serverSocket) && serverSocket >= 0
      ? this.#dgrams.find((x) => x.fd === serverSocket)
      : this.#dgrams.find((x) => x.kind === target.kind);
    if (!d) {
      if (Number.isInteger(serverSocket) && serverSocket >= 0) {
        process.emitWarning(`server_socket ${serverSocket} is not a datagram port of this server`, { code: String(ErrorCode.INVALID_PARAMS), type: 'SwooleWarning' });
        return this.#fail(ErrorCode.INVALID_PARAMS);
      }
      const name: Record<DatagramKind, string> = { udp: 'UDP', udp6: 'UDP6', unix: 'UNIX_DGRAM' };
      process.emitWarning(`${name[target.kind]} listener has to be added before executing sendto`, { code: String(ErrorCode.WRONG_OPERATION), type: 'SwooleWarning' });
      return this.#fail(ErrorCode.WRONG_OPERATION);
    }
    const r = d.send(target, buf);
    if (r >= 0) return true;
    const errno = -r;
    const to = target.kind === 'unix' ? target.path : `${target.host}:${target.port}`;
    const name = Object.entries(osConstants.errno).find(([, v]) => v === errno)?.[0] ?? 'errno';
    process.emitWarning(`sendto to client[${to}] failed, Error: ${name}[${errno}]`, { code: String(errno), type: 'SwooleWarning' });
    // Swoole's convention for a failed system call: the last error is the errno itself.
    this.#lastError = errno;
    return false;
  }

  #accept(port: Port, accepted: Accepted): void {
    const socket = accepted.socket;
    if (this.#state !== 'running' || this.#exiting) {
      socket.destroy();
      return;
    }
    // At max_connection a new connection is closed at once: no session, no onConnect.
    if (this.#conns.size >= Number(this.setting.max_connection ?? Infinity)) {
      process.emitWarning(`too many connections [now: ${this.#conns.size}]`, { code: String(ErrorCode.SERVER_TOO_MANY_SOCKET), type: 'SwooleWarning' });
      socket.destroy();
      return;
    }
    const handleFd = accepted.fd;
    const init = {
      socketFd: handleFd,
      serverFd: port.fd,
      serverPort: port.port,
      socketType: port.type,
      remoteIp: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      reactorId: this.#role === 'worker' ? this.worker_id : 0,
      workerId: this.#role === 'worker' ? this.worker_id : 0,
      now: nowSec(),
    };
    // Multi-worker BASE: session ids are global, from a counter in shared memory (S6).
    const session = this.#role === 'worker' && this.#shared
      ? this.#sessions.add(init, this.#shared.nextSessionId(Number(this.setting.start_session_id ?? 0)))
      : this.#sessions.add(init);
    // S5: PROCESS mode: a connection belongs to reactor fd % reactor_num.
    if (this.#dispatcher) session.reactorId = handleFd % this.#reactorNum;
    const ps = this.#portSetting(port);
    // Replies are written whole (one write per read), so Nagle would only add latency.
    if (port.type !== SWOOLE_SOCK_UNIX_STREAM && ps.open_tcp_nodelay !== false) socket.setNoDelay(true);
    const decoder = wantsFraming(ps) && this.#decoderFactory ? this.#decoderFactory(ps) : null;
    const conn: Conn = { session, socket, port, portIndex: this.ports.indexOf(port), paused: false, protected: false, decoder, informed: new Set(), queuedBytes: 0, queuePaused: false, out: null, outBytes: 0, files: null, water: null, onFrame: () => {}, readBase: -1 };
    conn.onFrame = this.#frameSink(conn);
    // The queue is where the socket is (PROCESS: the master, which tells the worker); S12 may remove the events.
    const full = !this.#removed.has('bufferfull') && this.#emitterFor(port, 'bufferfull') !== undefined;
    const empty = !this.#removed.has('bufferempty') && this.#emitterFor(port, 'bufferempty') !== undefined;
    if (full || empty) {
      conn.water = new WaterLevel(waterMarks(ps, Number(this.setting.socket_buffer_size ?? 8 * 1024 * 1024)), full, empty);
      socket.on('drain', () => this.#checkDrained(conn));
    }
    this.#conns.set(session.id, conn);
    this.#count.accepted();
    if (this.#dispatcher) this.#shared!.sessionOpen(session.id);
    const delay = this.setting.enable_delay_receive === true;
    conn.paused = delay;
    accepted.onChunk = (chunk) => this.#onData(conn, chunk);
    socket.on('error', () => {}); // 'close' follows; the error itself is the peer's business
    socket.on('close', () => this.#onSocketClose(conn));
    // A partial frame at the peer's end is dropped, never delivered (decoder contract).
    socket.on('end', () => {
      conn.decoder?.end();
      socket.end();
    });
    this.#emitPort(port, 'connect', session.id, session.reactorId);
    if (!conn.paused && !socket.destroyed) socket.resume();
  }

  #onData(conn: Conn, chunk: Buffer): void {
    const s = conn.session;
    if (s.closing) return;
    s.lastRecvTime = this.#readTime = nowSec();
    // Every send() to this connection from the callbacks below leaves in one write (one
    // buffer: cheaper than a corked writev of many small ones).
    conn.out = [];
    // A worker is BUSY while it handles the frames of one read (S33 idle_worker_num), set once per read.
    const shared = this.#role === 'worker' ? this.#shared : null;
    const before = shared ? shared.mine(Col.STATUS) : 0;
    if (shared) shared.setStatus(WORKER_BUSY);
    const outer = this.#reading;
    this.#reading = conn;
    conn.readBase = conn.socket.writableLength;
    try {
      if (!conn.decoder) {
        conn.onFrame(chunk);
        return;
      }
      const err = conn.decoder.push(chunk, conn.onFrame);
      if (err && !s.closing) {
        // L7/L8/E4: close at once, no onReceive for the bad frame; onClose still fires.
        s.closeErrno = err.code;
        this.#lastError = err.code;
        process.emitWarning(`${err.name}: ${err.detail}`, { code: String(err.code), type: 'SwooleWarning' });
        s.closing = true;
        this.#emitPort(conn.port, 'close', s.id, s.reactorId);
        this.#forget(conn);
        conn.socket.resetAndDestroy();
      }
    } finally {
      this.#reading = outer;
      conn.readBase = -1;
      if (shared) shared.setStatus(before === WORKER_BUSY ? WORKER_BUSY : this.#state === 'stopped' || this.#exiting ? WORKER_EXIT : WORKER_IDLE);
      this.#flushOut(conn);
    }
  }

  /**
   * The per-frame path. Where onReceive runs in this process (single, BASE worker) it is called
   * directly; the PROCESS master hands frames to the dispatcher through #deliver.
   */
  #frameSink(conn: Conn): (frame: Buffer) => void {
    const s = conn.session;
    const d = this.#dispatcher;
    if (d) return (frame) => {
      // PROCESS master: straight to the dispatcher (frames of one read share its dispatch time).
      if (s.closing) return;
      s.lastDispatchTime = this.#readTime;
      d.data(conn, frame);
    };
    const fn = this.#dispatcher || this.#removed.has('receive') ? undefined : (this.#emitterFor(conn.port, 'receive') as ReceiveFn | undefined);
    if (!fn) return (frame) => {
      if (!s.closing) this.#deliver(conn, frame);
    };
    const worker = this.#role === 'worker';
    return (frame) => {
      if (s.closing) return;
      s.lastDispatchTime = this.#readTime;
      this.#count.received(frame.length);
      fn(this, s.id, s.reactorId, frame);
      if (worker && this.#threshold > 0) this.#afterRequest();
    };
  }

  #flushOut(conn: Conn): void {
    const out = conn.out;
    const bytes = conn.outBytes;
    conn.out = null;
    conn.outBytes = 0;
    if (!out || out.length === 0 || conn.socket.destroyed) return;
    this.#write(conn, out.length === 1 ? out[0]! : Buffer.concat(out, bytes));
  }

  /** Every write to a connection's socket: behind a streaming file if one is queued; watermark checks when armed. */
  #write(c: Conn, buf: Buffer, cb?: (ok: boolean) => void): void {
    const water = c.water;
    const done = water || cb ? (ok: boolean) => {
      cb?.(ok);
      if (water) this.#checkDrained(c);
    } : undefined;
    if (c === this.#reading) c.readBase = -1; // written during its own read: ask the stream again
    if (c.files?.active) c.files.push(buf, done);
    else c.socket.write(buf, done ? (err) => done(!err) : undefined);
  }

  /** Bytes the server holds for `c` that the kernel has not taken (send_queued_bytes, watermarks). */
  #unsent(c: Conn): number {
    return (c.readBase >= 0 ? c.readBase : c.socket.writableLength) + c.outBytes + (c.files?.queuedBytes ?? 0);
  }

  /** After send()/sendfile() queued data: bufferFull once the queue reached the high mark (runs inside the call, as in Swoole BASE). */
  #checkQueued(c: Conn): void {
    if (c.water?.queued(this.#unsent(c)) === 'bufferfull') this.#emitPort(c.port, 'bufferfull', c.session.id);
  }

  #checkDrained(c: Conn): void {
    if (!c.water || c.session.closing) return;
    if (c.water.drained(this.#unsent(c)) === 'bufferempty') this.#emitPort(c.port, 'bufferempty', c.session.id);
  }

  #deliver(conn: Conn, data: Buffer): void {
    const s = conn.session;
    s.lastDispatchTime = nowSec();
    this.#count.received(data.length);
    this.#emitPort(conn.port, 'receive', s.id, s.reactorId, data);
    if (this.#role === 'worker' && this.#threshold > 0) this.#afterRequest();
  }

  /** The peer closed (or the socket died): onClose with the real reactor id, unless close() ran. */
  #onSocketClose(conn: Conn): void {
    conn.files?.destroy();
    const s = conn.session;
    if (!this.#conns.has(s.id)) return;
    if (!s.closing) {
      s.closing = true;
      this.#emitPort(conn.port, 'close', s.id, s.reactorId);
    }
    this.#forget(conn);
  }

  #forget(conn: Conn): void {
    if (this.#conns.delete(conn.session.id)) {
      this.#sessions.remove(conn.session.id);
      this.#count.closed();
      if (this.#dispatcher) this.#shared!.sessionClosed(conn.session.id);
    }
  }

  #liveConn(fd: unknown): Conn | undefined {
    if (typeof fd !== 'number') return undefined;
    const c = this.#conns.get(fd);
    return c && !c.session.closing ? c : undefined;
  }

  /** PROCESS master: a worker's send() arrives here; the worker already answered the caller. */
  #masterSend(fd: number, data: Buffer): void {
    const c = this.#conns.get(fd);
    if (!c || c.socket.destroyed || c.socket.writableEnded) return;
    if (this.#corking) {
      if (!c.out) {
        c.out = [];
        this.#corked.add(c);
      }
      c.out.push(data);
      c.outBytes += data.length;
    } else this.#write(c, data);
    c.session.lastSendTime = this.#corking ? this.#batchTime : nowSec();
    if (c.water) this.#checkQueued(c);
  }

  #buffer(data: string | Buffer): Buffer | null {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    return Buffer.isBuffer(buf) && buf.length > 0 ? buf : null;
  }

  /** S36/h5: atomic per call; false + last error on failure. */
  send(fd: number | string, data: string | Buffer, serverSocket = -1): boolean {
    if (typeof fd === 'string' && this.#state === 'running') {
      // h9: a unix dgram peer's path (clientInfo's address) and the port's server_socket.
      const target = datagramTarget(fd, 0);
      if (typeof target === 'number' || target.kind !== 'unix') return this.#fail(ErrorCode.SESSION_INVALID_ID);
      return this.#sendDatagram(target, data, serverSocket);
    }
    if (this.#state !== 'running' || this.#role === 'manager') return this.#fail(ErrorCode.WRONG_OPERATION);
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd <= 0) return this.#fail(ErrorCode.SESSION_INVALID_ID);
    const buf = this.#buffer(data);
    if (!buf) return this.#fail(ErrorCode.NO_PAYLOAD);
    if (this.#kind === 'task' || this.#kind === 'user') return this.#forward('send', fd, buf, false);
    if (this.#remote) return this.#remote.send(fd, buf);
    // A reply to the connection whose read is being handled skips the map lookup and the stream
    // checks: its socket is open (only close(), which marks the session, ends it meanwhile).
    const cur = this.#reading;
    const own = cur !== null && cur.session.id === fd && !cur.session.closing && cur.readBase >= 0;
    const c = own ? cur : this.#conns.get(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    // Inside onClose of a server-initiated close the socket is still open (observed h5, BASE).
    if (!own && (c.socket.destroyed || c.socket.writableEnded)) return this.#fail(ErrorCode.SESSION_CLOSED);
    // S36: once the unsent queue reaches socket_buffer_size, send() refuses the whole call (1009).
    if (this.#sendLimit < 0) this.#sendLimit = Number(this.setting.socket_buffer_size ?? 8 * 1024 * 1024);
    if (this.#unsent(c) >= this.#sendLimit) {
      c.water?.overflowed();
      return this.#fail(ErrorCode.OUTPUT_BUFFER_OVERFLOW);
    }
    if (c.out) {
      // A reply made while this connection's read is handled: that read's clock is fresh.
      c.out.push(buf);
      c.outBytes += buf.length;
      c.session.lastSendTime = this.#readTime;
    } else {
      this.#write(c, buf);
      c.session.lastSendTime = nowSec();
    }
    this.#count.sent(buf.length);
    if (c.water) this.#checkQueued(c);
    return true;
  }

  /**
   * Sends `length` bytes (0: to the end) of `filename` from `offset`, after what was sent
   * before; later sends follow the file. The file is checked here (false + last error: 502 it
   * cannot be stat'ed or opened or `offset` is at/after its end, 9013 not a regular file, 505
   * negative or past-the-end range) and streamed in chunks (file-output.ts). PROCESS worker:
   * the master reads the file. The manager/master itself: 9009. Task workers and user
   * processes: 507 (not built).
   */
  sendfile(fd: number, filename: string, offset = 0, length = 0): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    if (this.#role === 'manager') {
      process.emitWarning("can't send data to the connections in master process", { code: String(ErrorCode.SERVER_SEND_IN_MASTER), type: 'SwooleWarning' });
      return this.#fail(ErrorCode.SERVER_SEND_IN_MASTER);
    }
    if (this.#kind === 'task' || this.#kind === 'user') return this.#fail(ErrorCode.OPERATION_NOT_SUPPORT);
    if (!Number.isInteger(fd) || fd <= 0) return this.#fail(ErrorCode.SESSION_INVALID_ID);
    const range = fileRange(String(filename), offset, length);
    if (typeof range === 'number') return this.#fail(range);
    if (this.#remote) return this.#remote.sendfile(fd, String(filename), range.offset, range.length);
    const c = this.#conns.get(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    // As send(): inside onClose of a server-initiated close the socket is still open (h5, BASE).
    if (c.socket.destroyed || c.socket.writableEnded) return this.#fail(ErrorCode.SESSION_CLOSED);
    let file: number;
    try {
      file = openSync(String(filename), 'r');
    } catch {
      return this.#fail(ErrorCode.SYSTEM_CALL_FAIL);
    }
    this.#queueFile(c, file, range.offset, range.length);
    c.session.lastSendTime = nowSec();
    this.#count.sent(range.length);
    if (c.water) this.#checkQueued(c);
    return true;
  }

  /** Replies batched during this read go first; then the file, then anything sent after it. */
  #queueFile(c: Conn, file: number, offset: number, length: number): void {
    this.#flushOut(c);
    if (!c.files) {
      c.files = new FileOutput(c.socket);
      if (c.water) c.files.onWritten = () => this.#checkDrained(c);
    }
    c.files.file(file, offset, length);
  }

  /** PROCESS master: a worker's sendfile(); the worker checked the file, the master reads it. */
  #masterSendfile(fd: number, filename: string, offset: number, length: number): void {
    const c = this.#liveConn(fd);
    if (!c || c.socket.destroyed || c.socket.writableEnded) return;
    let file: number;
    try {
      file = openSync(filename, 'r');
    } catch (e) {
      process.emitWarning(`sendfile(${filename}) failed: ${(e as Error).message}`, { code: String(ErrorCode.SYSTEM_CALL_FAIL), type: 'SwooleWarning' });
      return;
    }
    this.#queueFile(c, file, offset, length);
    c.session.lastSendTime = nowSec();
  }

  /**
   * Swoole's blocking send, as a Promise: resolves true once every byte of `data` (behind what
   * was queued before) reached the kernel, false when the connection closed first. Not limited
   * by socket_buffer_size (it waits instead of queueing without bound in the caller). BASE and
   * single-process only: PROCESS mode gives false with 507, as Swoole refuses it there.
   */
  sendwait(fd: number, data: string | Buffer): Promise<boolean> {
    const no = (code: ErrorCodeValue): Promise<boolean> => Promise.resolve(this.#fail(code));
    if (this.#state !== 'running' || this.#role === 'manager') return no(ErrorCode.WRONG_OPERATION);
    if (this.mode === SWOOLE_PROCESS || this.#kind === 'task' || this.#kind === 'user') {
      process.emitWarning("can't sendwait", { code: String(ErrorCode.OPERATION_NOT_SUPPORT), type: 'SwooleWarning' });
      return no(ErrorCode.OPERATION_NOT_SUPPORT);
    }
    if (!Number.isInteger(fd) || fd <= 0) return no(ErrorCode.SESSION_INVALID_ID);
    const buf = this.#buffer(data);
    if (!buf) return no(ErrorCode.NO_PAYLOAD);
    const c = this.#conns.get(fd);
    if (!c) return no(ErrorCode.SESSION_NOT_EXIST);
    if (c.socket.destroyed || c.socket.writableEnded) return no(ErrorCode.SESSION_CLOSED);
    this.#flushOut(c);
    c.session.lastSendTime = nowSec();
    this.#count.sent(buf.length);
    return new Promise<boolean>((resolve) => {
      this.#write(c, buf, (ok) => resolve(ok || this.#fail(ErrorCode.SESSION_CLOSED)));
      if (c.water) this.#checkQueued(c);
    });
  }

  /** S37/h5: onClose(reactor_id -1) runs before close() returns; pending output is flushed unless reset. */
  close(fd: number, reset = false): boolean {
    if (this.#state !== 'running' || this.#role === 'manager') return this.#fail(ErrorCode.WRONG_OPERATION);
    if (this.#kind === 'task' || this.#kind === 'user') {
      if (!Number.isInteger(fd) || fd <= 0) return this.#fail(ErrorCode.SESSION_INVALID_ID);
      return this.#forward('close', fd, Buffer.alloc(0), reset);
    }
    if (this.#remote) return this.#remote.close(fd, reset, !this.#removed.has('close'));
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    this.#closeConn(c, -1, reset);
    return true;
  }

  /**
   * S40: send()/close() in a task worker or user process go to the connection's owner. PROCESS:
   * the master (1005 when the shared session table does not list the session). BASE: every event
   * worker is asked and the owner acts; no process knows all sessions, so the call answers true.
   */
  #forward(kind: 'send' | 'close', fd: number, data: Buffer, reset: boolean): boolean {
    const m = this.#messaging!;
    if (this.mode === SWOOLE_PROCESS) {
      if (!this.#shared!.sessionLive(fd)) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
      return m.forward(kind, fd, data, reset, [m.managerAddress]);
    }
    return m.forward(kind, fd, data, reset, Array.from({ length: this.#workerNum }, (_, i) => i));
  }

  #closeConn(c: Conn, reactorId: number, reset: boolean, emit = true): void {
    c.session.closing = true;
    if (emit) this.#emitPort(c.port, 'close', c.session.id, reactorId);
    this.#forget(c);
    // Replies queued during this read go out before the FIN (a reset drops them).
    if (reset) {
      c.out = null;
      c.outBytes = 0;
    } else this.#flushOut(c);
    // reset drops what Node still queues; the kernel still ends with FIN (observed h5).
    if (reset) {
      c.files?.destroy();
      c.socket.destroy();
    } else if (c.files?.active) c.files.end();
    else c.socket.end();
    if (c.paused) c.socket.resume();
  }

  exist(fd: number): boolean {
    if (this.#remote) return this.#state === 'running' && this.#remote.exist(fd);
    return this.#liveConn(fd) !== undefined;
  }

  exists(fd: number): boolean {
    return this.exist(fd);
  }

  #pauseLocal(fd: number): boolean {
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    c.paused = true;
    c.socket.pause();
    return true;
  }

  #resumeLocal(fd: number): boolean {
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    c.paused = false;
    if (!c.queuePaused) c.socket.resume();
    return true;
  }

  /** h8: pause stops reading; data waits in the kernel. */
  pause(fd: number): boolean {
    return this.#remote ? this.#remote.pause(fd) : this.#pauseLocal(fd);
  }

  resume(fd: number): boolean {
    return this.#remote ? this.#remote.resume(fd) : this.#resumeLocal(fd);
  }

  /** S38/h8: confirm = resume; true also when already confirmed. */
  confirm(fd: number): boolean {
    return this.resume(fd);
  }

  /** S30: a protected connection is exempt from heartbeat closing. */
  protect(fd: number, on = true): boolean {
    if (this.#remote) return this.#remote.protect(fd, on);
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    c.protected = on;
    return true;
  }

  /** S34/h5: false for unknown or closed sessions; works inside onClose. */
  getClientInfo(fd: number): ClientInfo | false {
    if (this.#remote) return this.#remote.getClientInfo(fd);
    const c = typeof fd === 'number' ? this.#conns.get(fd) : undefined;
    if (!c) return false;
    c.session.sendQueuedBytes = this.#unsent(c);
    c.session.recvQueuedBytes = c.decoder?.bufferedBytes ?? 0;
    return clientInfo(c.session, Number(this.setting.dispatch_mode ?? 2));
  }

  /** h6: BASE lists the calling worker's own connections; a PROCESS worker sees all. */
  getClientList(start = 0, count = 10): number[] | false {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const r = this.#remote ? this.#remote.getClientList(start, count) : this.#sessions.list(start, count);
    return r === false ? this.#fail(ErrorCode.INVALID_PARAMS) : r;
  }

  bind(fd: number, uid: number): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const r = this.#remote ? this.#remote.bind(fd, uid) : this.#sessions.bind(fd, uid);
    if (r === 'range') return this.#fail(ErrorCode.INVALID_PARAMS);
    return r;
  }

  // ---- tasks, pipe messages, user processes, commands (messaging.ts) ----

  #msg(): Messaging | null {
    if (this.#state !== 'running' || !this.#messaging) {
      this.#fail(ErrorCode.WRONG_OPERATION);
      return null;
    }
    return this.#messaging;
  }

  /**
   * S16–S18: sends a task; returns its id (per-process counter from 0) or false. `dst` is a
   * task-worker index, negative to let the server pick an idle one. `cb` replaces onFinish
   * for this task. From the manager or a user process the task is one-way.
   */
  task(data: unknown, dst = -1, cb?: FinishCallback | null): number | false {
    return this.#msg()?.task(data, dst, cb) ?? false;
  }

  /** S21: the task's first result, or false after `timeout` seconds (late results are dropped). Event workers only. */
  taskwait(data: unknown, timeout = 0.5, dst = -1): Promise<unknown> {
    return this.#msg()?.taskwait(data, timeout, dst) ?? Promise.resolve(false);
  }

  /** S22: results keyed by input position; tasks that failed or timed out are omitted. */
  taskWaitMulti(tasks: unknown[], timeout = 0.5): Promise<Record<number, unknown> | false> {
    return (this.#msg()?.waitMany('taskWaitMulti', tasks, timeout, false) ?? Promise.resolve(false)) as Promise<Record<number, unknown> | false>;
  }

  /** S22: like taskWaitMulti, with false in place of a failed or timed-out task. */
  taskCo(tasks: unknown[], timeout = 0.5): Promise<unknown[] | false> {
    return (this.#msg()?.waitMany('taskCo', tasks, timeout, true) ?? Promise.resolve(false)) as Promise<unknown[] | false>;
  }

  /** S20: in a task worker's onTask, sends a result to the task's caller (may be called more than once). */
  finish(data: unknown): boolean {
    return this.#msg()?.finish(data) ?? false;
  }

  /** S14: a message for onPipeMessage in worker `dstWorkerId` (event or task worker, not this one). */
  sendMessage(message: unknown, dstWorkerId: number): boolean {
    return this.#msg()?.sendMessage(message, dstWorkerId) ?? false;
  }

  /**
   * S40: a user process for the server's lifetime; returns its 0-based index. Its global id is
   * worker_num + task_worker_num + index. Before start() only.
   */
  addProcess(proc: Process): number | false {
    if (!(proc instanceof Process)) throw new TypeError('addProcess() takes a Swoole\\Process (reference/process) object');
    if (this.#state !== 'created') {
      process.emitWarning('server is running, cannot add process', { code: String(ErrorCode.WRONG_OPERATION), type: 'SwooleWarning' });
      return this.#fail(ErrorCode.WRONG_OPERATION);
    }
    if (!proc.callback) throw new TypeError('addProcess() needs a Process built with a callback');
    this.#userProcesses.push(proc);
    return this.#userProcesses.length - 1;
  }

  /** S41/h13: registers a command for the process types in `types` (SWOOLE_SERVER_COMMAND_*). */
  addCommand(name: string, types: number, fn: (server: Server, data: string) => unknown): boolean {
    if (this.#state !== 'created') {
      process.emitWarning("Server::addCommand(): server is running, can't add command", { code: String(ErrorCode.WRONG_OPERATION), type: 'SwooleWarning' });
      return this.#fail(ErrorCode.WRONG_OPERATION);
    }
    if (typeof fn !== 'function') throw new TypeError('addCommand() needs a callable');
    if (!Number.isInteger(types) || types <= 0 || types & ~(2 | 4 | 8 | 16 | 32)) return this.#fail(ErrorCode.INVALID_PARAMS);
    if (types & 4) {
      process.emitWarning('only support worker/task_worker process', { code: String(ErrorCode.OPERATION_NOT_SUPPORT), type: 'SwooleWarning' });
      return this.#fail(ErrorCode.OPERATION_NOT_SUPPORT);
    }
    const key = String(name);
    if (this.#commands.has(key)) return false;
    this.#commands.set(key, { types, fn: fn as CommandEntry['fn'] });
    return true;
  }

  /**
   * S41/h13: runs command `name` in process `processId` of `processType` with `data` (JSON);
   * resolves the handler's string, JSON-decoded when `jsonDecode`. From the master only.
   */
  command(name: string, processId: number, processType: number, data: unknown, jsonDecode = true): Promise<unknown> {
    return this.#msg()?.command(name, processId, processType, data, jsonDecode) ?? Promise.resolve(false);
  }

  stats(): Record<string, number> | false {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const fds = [...this.#conns.values()].map((c) => c.session.socketFd);
    const minFd = fds.length ? Math.min(...fds) : 0;
    const maxFd = fds.length ? Math.max(...fds) : 0;
    const sh = this.#shared;
    if (sh) {
      const inWorker = this.#role === 'worker';
      const n = this.#workerNum;
      const t = this.#taskWorkerNum;
      let tasking = 0;
      for (let i = n; i < n + t; i++) tasking += Math.max(0, sh.taskQueued(i));
      return sh.totals().snapshot({
        workerNum: n,
        taskWorkerNum: t,
        userWorkerNum: this.#userProcesses.length,
        idleWorkerNum: sh.idleWorkers(0, n),
        task: { idleWorkerNum: sh.idleWorkers(n, n + t), taskingNum: tasking, taskCount: sh.sum(Col.TASKS, n, n + t) },
        worker: {
          requestCount: inWorker ? sh.mine(Col.W_REQUEST) : 0,
          responseCount: inWorker ? sh.mine(Col.W_RESPONSE) : 0,
          dispatchCount: inWorker ? sh.mine(Col.W_DISPATCH) : 0,
          concurrency: 0,
        },
        minFd,
        maxFd,
      });
    }
    return this.#stats.snapshot({
      workerNum: 1,
      taskWorkerNum: 0,
      userWorkerNum: 0,
      // S33: the worker running the current callback counts as busy; stats() is called from one.
      idleWorkerNum: 0,
      worker: {
        requestCount: this.#stats.requestCount,
        responseCount: this.#stats.responseCount,
        dispatchCount: 0,
        concurrency: 0,
      },
      minFd,
      maxFd,
    });
  }

  #idleSessions(): Conn[] {
    const now = nowSec();
    return [...this.#conns.values()].filter((c) => {
      const idle = this.#idleTime.get(c.port);
      if (idle === undefined || c.protected || c.session.closing) return false;
      // Only received data refreshes a connection; sending does not (S30).
      const last = c.session.lastRecvTime || c.session.connectTime;
      return last <= now - idle;
    });
  }

  /** S30/h4: periodic check; the close is a FIN and onClose gets the real reactor id. */
  #heartbeatCheck(): void {
    for (const c of this.#idleSessions()) this.#closeConn(c, c.session.reactorId, false);
  }

  #maxIdleCheck(): void {
    const now = nowSec();
    for (const c of [...this.#conns.values()]) {
      const limit = this.#maxIdle.get(c.port);
      if (limit === undefined || c.session.closing) continue;
      const last = Math.max(c.session.connectTime, c.session.lastRecvTime, c.session.lastSendTime);
      if (now - last >= limit) this.#closeConn(c, c.session.reactorId, false);
    }
  }

  /** S31/h4: idle session ids, closed when asked; false when heartbeat is off (PROCESS workers: 507, the master tracks idleness). */
  heartbeat(close = false): number[] | false {
    if (this.#remote) return this.#fail(ErrorCode.OPERATION_NOT_SUPPORT);
    if (this.#state !== 'running' || this.#heartbeatTimer === undefined) return this.#fail(ErrorCode.WRONG_OPERATION);
    const idle = this.#idleSessions();
    const ids = idle.map((c) => c.session.id);
    if (close) for (const c of idle) this.#closeConn(c, -1, false);
    return ids;
  }

  /** S4/h15: single process: this process; BASE with a manager: worker 0; PROCESS: the master. */
  getMasterPid(): number {
    if (this.#state !== 'running') return 0;
    if (this.#role === 'single') return process.pid;
    if (this.#role === 'manager' && this.mode === SWOOLE_BASE) return this.#pids[0] ?? 0;
    return this.master_pid;
  }

  getManagerPid(): number {
    return this.#state === 'running' ? this.manager_pid : 0;
  }

  /** S9: false outside a running worker. */
  getWorkerId(): number | false {
    // A stopping worker keeps its id (onWorkerStop, late results).
    if (this.#role === 'worker' && this.#kind !== 'user' && this.#state === 'stopped' && this.worker_id >= 0) return this.worker_id;
    if (this.#state !== 'running' || this.#role === 'manager' || this.#kind === 'user') return false;
    return this.#role === 'single' ? 0 : this.worker_id;
  }

  getWorkerPid(workerId = -1): number | false {
    if (this.#state !== 'running') return false;
    if (this.#role === 'single') return workerId === -1 || workerId === 0 ? process.pid : false;
    if (workerId === -1) return this.#role === 'worker' ? process.pid : false;
    if (!Number.isInteger(workerId) || workerId < 0 || workerId >= this.#slotCount()) return false;
    if (this.#role === 'worker' && workerId === this.worker_id) return process.pid;
    return this.#pids[workerId] ?? false;
  }

  /** S9: BUSY=1 while a callback runs (every API call comes from one here), IDLE=2, EXIT=3. */
  getWorkerStatus(workerId = -1): number | false {
    if (this.#state !== 'running') return false;
    if (this.#role === 'single') return workerId === -1 || workerId === 0 ? 1 : false;
    const id = workerId === -1 ? (this.#role === 'worker' ? this.worker_id : -1) : workerId;
    if (!Number.isInteger(id) || id < 0 || id >= this.#slotCount()) return false;
    return this.#shared!.status(id) || false;
  }

  /** S9: event workers, task workers, user processes. */
  #slotCount(): number {
    return this.#workerNum + this.#taskWorkerNum + this.#userProcesses.length;
  }

  /**
   * S25/h2: restarts every event worker (in parallel). From a worker it signals the manager.
   * Single-process servers cannot reload (S4). `onlyTaskWorkers` is a no-op: no task workers.
   */
  reload(onlyTaskWorkers = false): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    if (this.#role === 'single') return this.#fail(ErrorCode.OPERATION_NOT_SUPPORT);
    if (this.#role === 'worker') {
      try {
        process.kill(this.manager_pid, onlyTaskWorkers ? 'SIGUSR2' : 'SIGUSR1');
        return true;
      } catch {
        return this.#fail(ErrorCode.WRONG_OPERATION);
      }
    }
    // S25/S26, h2: SIGUSR1 restarts every event and task worker at once, SIGUSR2 only the task
    // workers; user processes are never reloaded (S40).
    const n = this.#workerNum;
    const t = this.#taskWorkerNum;
    const slots: number[] = [];
    for (let i = onlyTaskWorkers ? n : 0; i < n + t; i++) slots.push(i);
    // S26: reload_async (the default) restarts them all at once; reload_async=false, and always
    // a task-worker-only reload, one at a time in id order.
    if (slots.length) this.#launcher?.reload(slots, !onlyTaskWorkers && this.setting.reload_async !== false);
    return true; // h2: a reload absorbed by one in progress still answers true
  }

  /**
   * S29: stops worker `workerId` (-1: this one); the manager starts its replacement (same id,
   * new pid). In the worker itself without `waitEvent` it stops at once after the current
   * callback; otherwise (another worker, or `waitEvent`) the worker gets SIGTERM and stops
   * like a reload: it waits for its pending events, running onWorkerExit (S27). Any process
   * may name an id: event workers, task workers, user processes. False with 505 and a warning
   * for an id out of range, and for -1 where there is no current worker (manager/master). A
   * single-process server's only worker is the server itself: stop() there ends it like
   * shutdown() (start() resolves true).
   */
  stop(workerId = -1, waitEvent = false): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const invalid = (message: string): false => {
      process.emitWarning(message, { code: String(ErrorCode.INVALID_PARAMS), type: 'SwooleWarning' });
      return this.#fail(ErrorCode.INVALID_PARAMS);
    };
    if (!Number.isInteger(workerId)) return invalid(`the worker_id[${String(workerId)}] is invalid`);
    if (this.#role === 'single') {
      if (workerId !== -1 && workerId !== 0) return invalid(`the worker_id[${workerId}] is invalid`);
      setImmediate(() => this.shutdown());
      return true;
    }
    const self = this.#role === 'worker' && this.#kind !== 'user' ? this.worker_id : -1;
    const id = workerId === -1 ? self : workerId;
    if (id === -1) return invalid('kill worker in non worker process requires specifying an id');
    if (id < 0 || id >= this.#slotCount()) return invalid(`the worker_id[${id}] is invalid`);
    if (id === self) {
      setImmediate(() => this.#stopWorker(0, !waitEvent));
      return true;
    }
    const pid = this.#pids[id];
    if (!pid) return this.#fail(ErrorCode.WRONG_OPERATION);
    try {
      process.kill(pid, 'SIGTERM');
      return true;
    } catch {
      return this.#fail(ErrorCode.SYSTEM_CALL_FAIL);
    }
  }

  /**
   * S28: single process: stops accepting, closes every connection (onClose, reactor_id -1),
   * runs onWorkerStop and onShutdown, then start() resolves true. With a manager: any process
   * may call it; the manager runs onBeforeShutdown, stops the workers (SIGTERM, SIGKILL after
   * max_wait_time), runs onManagerStop and onShutdown. Not started: false with 509.
   */
  shutdown(): boolean {
    if (this.#state === 'starting') {
      // Called while the listeners are still being set up: finish start-up, then stop.
      this.#stopRequested = true;
      return true;
    }
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    if (this.#role === 'worker') {
      try {
        process.kill(this.manager_pid, 'SIGTERM');
        return true;
      } catch {
        return this.#fail(ErrorCode.WRONG_OPERATION);
      }
    }
    if (this.#role === 'manager') {
      if (this.#stopRequested) return true;
      this.#stopRequested = true;
      this.#emit('beforeshutdown');
      // PROCESS: stop accepting first; the workers still finish what they hold.
      for (const l of this.#listeners) l.close();
      this.#launcher?.shutdown();
      return true;
    }
    this.#state = 'stopped';
    process.off('SIGTERM', this.#onSigterm);
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    if (this.#maxIdleTimer) clearInterval(this.#maxIdleTimer);
    const closing = this.#listeners.map((l) => new Promise<void>((r) => l.close(() => r())));
    for (const p of this.ports) {
      if (p.fd >= 0 && !isDgram(p.type)) {
        loadNative().close(p.fd);
        p.fd = -1;
      }
    }
    for (const d of this.#dgrams.splice(0)) d.close();
    for (const c of [...this.#conns.values()]) this.#closeConn(c, -1, false);
    this.#emit('workerstop', 0);
    void Promise.all(closing).then(() => {
      for (const f of this.#socketFiles) if (existsSync(f)) unlinkSync(f);
      this.#emit('shutdown');
      this.#done?.(true);
    });
    return true;
  }
}
