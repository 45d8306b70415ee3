/**
 * Swoole\Server, single-process BASE mode (worker_num 1): master and worker are this process.
 * TCP and unix-stream ports. Rules: S1–S8, S30–S39, observed h4–h6, h8, h10, h15.
 *
 * Not yet here (see README.md): framing on stream ports (waits for reference/framing; a port
 * asking for length/EOF framing makes start() fail with OPERATION_NOT_SUPPORT rather than
 * deliver unframed bytes), UDP/unix-dgram ports, multi-worker BASE and PROCESS mode.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import { existsSync, unlinkSync } from 'node:fs';
import { ErrorCode, SwooleError } from '../errors.ts';
import type { ErrorCodeValue } from '../errors.ts';
import {
  SWOOLE_BASE, SWOOLE_PROCESS, SWOOLE_SOCK_TCP, SWOOLE_SOCK_TCP6, SWOOLE_SOCK_UDP, SWOOLE_SOCK_UDP6,
  SWOOLE_SOCK_UNIX_STREAM,
} from '../constants.ts';
import { loadNative } from '../native/loader.ts';
import { applySet, cpuCount, heartbeatPlan, portDefaults, serverDefaults, settingAtStart } from './options.ts';
import { normalizeEvent, PORT_EVENTS, SERVER_EVENTS } from './events.ts';
import { Port } from './port.ts';
import type { Callback } from './port.ts';
import { SessionTable, clientInfo } from './session.ts';
import type { ClientInfo, Session } from './session.ts';
import { StatsCounter } from './stats.ts';
import { wantsFraming } from './protocol.ts';
import { referenceDecoders, type DecoderFactory } from './protocol.ts';
import type { StreamDecoder } from '../framing/decoder.ts';

export interface ServerInternals {
  /** Chooses each connection's decoder from its port settings (until reference/framing is wired in). */
  decoderFactory?: DecoderFactory;
}

type State = 'created' | 'starting' | 'running' | 'stopped';

interface Conn {
  session: Session;
  socket: net.Socket;
  port: Port;
  paused: boolean;
  protected: boolean;
  decoder: StreamDecoder | null;
}


const nowSec = () => Date.now() / 1000;
const isDgram = (type: number) => type === SWOOLE_SOCK_UDP || type === SWOOLE_SOCK_UDP6;

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

  #state: State = 'created';
  #callbacks = new Map<string, Callback>();
  #listeners: net.Server[] = [];
  #conns = new Map<number, Conn>();
  #sessions = new SessionTable();
  #stats = new StatsCounter(nowSec());
  #lastError = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #idleTime = new Map<Port, number>();
  #maxIdle = new Map<Port, number>();
  #maxIdleTimer: NodeJS.Timeout | undefined;
  #done: ((ok: boolean) => void) | undefined;
  #socketFiles: string[] = [];
  #stopRequested = false;
  #onSigterm = (): void => {
    this.shutdown();
  };
  /** TCP ports whose fd a net.Server owns (and closes); the rest are closed by hand. */
  #adopted = new Set<Port>();
  #dgrams: Array<{ port: Port; sock: dgram.Socket; serverSocket: number }> = [];

  /** S1 / h15: the main port is bound here, so a taken port throws from the constructor. */
  readonly #decoderFactory: DecoderFactory | undefined;

  constructor(host: string, port = 0, mode = SWOOLE_BASE, sockType = SWOOLE_SOCK_TCP, internals: ServerInternals = {}) {
    this.#decoderFactory = internals.decoderFactory ?? referenceDecoders;
    if (mode !== SWOOLE_BASE && mode !== SWOOLE_PROCESS) {
      throw new SwooleError(ErrorCode.INVALID_PARAMS, `invalid $mode parameters ${mode}`);
    }
    this.host = host;
    this.mode = mode;
    this.type = sockType;
    const main = this.#bind(host, port, sockType);
    if (main instanceof SwooleError) throw main;
    this.port = main.port;
  }

  #bind(host: string, port: number, type: number): Port | SwooleError {
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
      // node:dgram cannot adopt an fd, so the port is probed (and its number learnt) here and
      // bound again by dgram at start(); the gap is a few ms on a port the kernel just chose.
      try {
        const native = loadNative();
        const r = native.bindUdp(host, port);
        native.close(r.fd);
        const p = new Port(host, r.port, type, -1, () => this.#state !== 'created');
        this.ports.push(p);
        return p;
      } catch (e) {
        if (e instanceof SwooleError) return e;
        const err = e as { code?: string; message?: string };
        return new SwooleError(ErrorCode.SERVER_INVALID_LISTEN_PORT, `failed to listen server port[${host}:${port}], Error: ${err.code ?? err.message}`, { cause: e });
      }
    }
    if (type === SWOOLE_SOCK_UNIX_STREAM) {
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
    if (fn) (fn as (...a: unknown[]) => unknown)(this, ...args);
  }

  /** Runs the port's (or the server's) callback; returns what it returned (a Promise for async ones). */
  #emitPort(port: Port, name: string, ...args: unknown[]): unknown {
    const fn = port.callbacks.get(name) ?? this.ports[0]!.callbacks.get(name);
    return fn ? (fn as (...a: unknown[]) => unknown)(this, ...args) : undefined;
  }

  /** S33: a request counts once its callback finished — for an async callback, once it settled. */
  #countHandled(ret: unknown): void {
    // finally() keeps a rejection unhandled, so a throwing async callback still surfaces.
    if (ret instanceof Promise) void ret.finally(() => this.#stats.handled());
    else this.#stats.handled();
  }

  /** Port settings: own set() or, without one, the main server's protocol settings (h10). */
  #portSetting(port: Port): Record<string, unknown> {
    return { ...portDefaults(), ...(port.setting ?? this.setting) };
  }

  /**
   * Starts serving. Resolves true after shutdown(); resolves false when already started or
   * stopped (S8). Start-up errors (missing onReceive, unsupported configuration) reject with
   * a SwooleError and leave nothing listening.
   */
  async start(): Promise<boolean> {
    if (this.#state !== 'created') return false;
    if (this.mode !== SWOOLE_BASE) {
      this.#releasePorts();
      throw new SwooleError(ErrorCode.OPERATION_NOT_SUPPORT, 'SWOOLE_PROCESS mode is not implemented yet');
    }
    const workerNum = Number(this.setting.worker_num ?? 1);
    if (workerNum !== 1 || Number(this.setting.task_worker_num ?? 0) > 0 || Number(this.setting.max_request ?? 0) > 0) {
      this.#releasePorts();
      throw new SwooleError(ErrorCode.OPERATION_NOT_SUPPORT, 'only the single-process BASE server (worker_num 1, no task workers, no max_request) is implemented yet');
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
    this.#state = 'starting';
    this.setting = settingAtStart(this.setting, serverDefaults(this.mode, cpuCount()), 100000);
    this.#sessions = new SessionTable(Number(this.setting.start_session_id ?? 0));
    this.#stats = new StatsCounter(nowSec());
    this.master_pid = process.pid;
    this.worker_id = 0;

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

    // S30: one check timer for the server; each port has its own idle time.
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
    // f: SIGTERM to a single-process server runs the normal shutdown.
    process.on('SIGTERM', this.#onSigterm);
    this.#emit('start');
    this.#emit('workerstart', 0);
    return done;
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
    if (isDgram(port.type)) return this.#bindDgram(port);
    const srv = net.createServer({ pauseOnConnect: true }, (socket) => this.#accept(port, socket));
    this.#listeners.push(srv);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      if (port.type === SWOOLE_SOCK_UNIX_STREAM) {
        srv.listen(port.host, () => resolve());
        this.#socketFiles.push(port.host);
      } else {
        this.#adopted.add(port);
        srv.listen({ fd: port.fd }, () => resolve());
      }
    });
  }

  async #bindDgram(port: Port): Promise<void> {
    const sock = dgram.createSocket(port.type === SWOOLE_SOCK_UDP6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ port: port.port, address: port.host, exclusive: true }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', () => {}); // ICMP errors on sendto surface here; a server keeps running
    const serverSocket = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    port.fd = serverSocket;
    this.#dgrams.push({ port, sock, serverSocket });
    sock.on('message', (msg, rinfo) => {
      if (msg.length === 0 || this.#state !== 'running') return; // observed h9: empty datagrams are ignored
      this.#countHandled(this.#emitPort(port, 'packet', msg, {
        server_socket: serverSocket,
        dispatch_time: nowSec(),
        server_port: port.port,
        address: rinfo.address,
        port: rinfo.port,
      }));
    });
  }

  /**
   * h9: reply to a UDP peer from the server's own port. `serverSocket` picks the listener
   * (default: the first one of the address family). True when handed to the kernel queue.
   */
  sendto(ip: string, port: number, data: string | Buffer, serverSocket = -1): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const family = net.isIP(ip);
    if (family === 0 || !Number.isInteger(port) || port <= 0 || port > 65535) return this.#fail(ErrorCode.INVALID_PARAMS);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (!Buffer.isBuffer(buf) || buf.length === 0) return this.#fail(ErrorCode.NO_PAYLOAD);
    const want = family === 6 ? SWOOLE_SOCK_UDP6 : SWOOLE_SOCK_UDP;
    const d = this.#dgrams.find((x) => (serverSocket < 0 || x.serverSocket === serverSocket) && x.port.type === want);
    if (!d) return this.#fail(ErrorCode.WRONG_OPERATION);
    d.sock.send(buf, port, ip);
    return true;
  }

  #accept(port: Port, socket: net.Socket): void {
    if (this.#state !== 'running') {
      socket.destroy();
      return;
    }
    // At max_connection a new connection is closed at once: no session, no onConnect.
    if (this.#conns.size >= Number(this.setting.max_connection ?? Infinity)) {
      process.emitWarning(`too many connections [now: ${this.#conns.size}]`, { code: String(ErrorCode.SERVER_TOO_MANY_SOCKET), type: 'SwooleWarning' });
      socket.destroy();
      return;
    }
    const handleFd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    const session = this.#sessions.add({
      socketFd: handleFd,
      serverFd: port.fd,
      serverPort: port.port,
      socketType: port.type,
      remoteIp: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      reactorId: 0,
      workerId: 0,
      now: nowSec(),
    });
    const ps = this.#portSetting(port);
    const decoder = wantsFraming(ps) && this.#decoderFactory ? this.#decoderFactory(ps) : null;
    const conn: Conn = { session, socket, port, paused: false, protected: false, decoder };
    this.#conns.set(session.id, conn);
    this.#stats.accepted();
    const delay = this.setting.enable_delay_receive === true;
    conn.paused = delay;
    socket.on('data', (chunk: Buffer) => this.#onData(conn, chunk));
    socket.on('error', () => {}); // 'close' follows; the error itself is the peer's business
    socket.on('close', () => this.#onSocketClose(conn));
    // A partial frame at the peer's end is dropped, never delivered (decoder contract).
    socket.on('end', () => {
      conn.decoder?.end();
      socket.end();
    });
    this.#emitPort(port, 'connect', session.id, 0);
    if (!conn.paused && !socket.destroyed) socket.resume();
  }

  #onData(conn: Conn, chunk: Buffer): void {
    const s = conn.session;
    if (s.closing) return;
    s.lastRecvTime = nowSec();
    if (!conn.decoder) {
      this.#deliver(conn, chunk);
      return;
    }
    const err = conn.decoder.push(chunk, (frame) => {
      if (!s.closing) this.#deliver(conn, frame);
    });
    if (err && !s.closing) {
      // L7/L8/E4: close at once, no onReceive for the bad frame; onClose still fires.
      s.closeErrno = err.code;
      this.#lastError = err.code;
      process.emitWarning(`${err.name}: ${err.detail}`, { code: String(err.code), type: 'SwooleWarning' });
      s.closing = true;
      this.#emitPort(conn.port, 'close', s.id, 0);
      this.#forget(conn);
      conn.socket.resetAndDestroy();
    }
  }

  #deliver(conn: Conn, data: Buffer): void {
    const s = conn.session;
    s.lastDispatchTime = nowSec();
    this.#stats.received(data.length);
    this.#countHandled(this.#emitPort(conn.port, 'receive', s.id, 0, data));
  }

  /** The peer closed (or the socket died): onClose with the real reactor id, unless close() ran. */
  #onSocketClose(conn: Conn): void {
    const s = conn.session;
    if (!this.#conns.has(s.id)) return;
    if (!s.closing) {
      s.closing = true;
      this.#emitPort(conn.port, 'close', s.id, 0);
    }
    this.#forget(conn);
  }

  #forget(conn: Conn): void {
    if (this.#conns.delete(conn.session.id)) {
      this.#sessions.remove(conn.session.id);
      this.#stats.closed();
    }
  }

  #liveConn(fd: unknown): Conn | undefined {
    if (typeof fd !== 'number') return undefined;
    const c = this.#conns.get(fd);
    return c && !c.session.closing ? c : undefined;
  }

  /** S36/h5: atomic per call; false + last error on failure. */
  send(fd: number, data: string | Buffer): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    if (!Number.isInteger(fd) || fd <= 0) return this.#fail(ErrorCode.SESSION_INVALID_ID);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (!Buffer.isBuffer(buf) || buf.length === 0) return this.#fail(ErrorCode.NO_PAYLOAD);
    const c = this.#conns.get(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    // Inside onClose of a server-initiated close the socket is still open (observed h5, BASE).
    if (c.socket.destroyed || c.socket.writableEnded) return this.#fail(ErrorCode.SESSION_CLOSED);
    // S36: once the unsent queue reaches socket_buffer_size, send() refuses the whole call (1009).
    const limit = Number(this.setting.socket_buffer_size ?? 8 * 1024 * 1024);
    if (c.socket.writableLength >= limit) return this.#fail(ErrorCode.OUTPUT_BUFFER_OVERFLOW);
    c.socket.write(buf);
    c.session.lastSendTime = nowSec();
    this.#stats.sent(buf.length);
    return true;
  }

  /** S37/h5: onClose(reactor_id -1) runs before close() returns; pending output is flushed unless reset. */
  close(fd: number, reset = false): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    this.#closeConn(c, -1, reset);
    return true;
  }

  #closeConn(c: Conn, reactorId: number, reset: boolean): void {
    c.session.closing = true;
    this.#emitPort(c.port, 'close', c.session.id, reactorId);
    this.#forget(c);
    // reset drops what Node still queues; the kernel still ends with FIN (observed h5).
    if (reset) c.socket.destroy();
    else c.socket.end();
    if (c.paused) c.socket.resume();
  }

  exist(fd: number): boolean {
    return this.#liveConn(fd) !== undefined;
  }

  exists(fd: number): boolean {
    return this.exist(fd);
  }

  /** h8: pause stops reading; data waits in the kernel. */
  pause(fd: number): boolean {
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    c.paused = true;
    c.socket.pause();
    return true;
  }

  resume(fd: number): boolean {
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    c.paused = false;
    c.socket.resume();
    return true;
  }

  /** S38/h8: confirm = resume; true also when already confirmed. */
  confirm(fd: number): boolean {
    return this.resume(fd);
  }

  /** S30: a protected connection is exempt from heartbeat closing. */
  protect(fd: number, on = true): boolean {
    const c = this.#liveConn(fd);
    if (!c) return this.#fail(ErrorCode.SESSION_NOT_EXIST);
    c.protected = on;
    return true;
  }

  /** S34/h5: false for unknown or closed sessions; works inside onClose. */
  getClientInfo(fd: number): ClientInfo | false {
    const c = typeof fd === 'number' ? this.#conns.get(fd) : undefined;
    if (!c) return false;
    c.session.sendQueuedBytes = c.socket.writableLength;
    c.session.recvQueuedBytes = c.decoder?.bufferedBytes ?? 0;
    return clientInfo(c.session, Number(this.setting.dispatch_mode ?? 2));
  }

  getClientList(start = 0, count = 10): number[] | false {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const r = this.#sessions.list(start, count);
    return r === false ? this.#fail(ErrorCode.INVALID_PARAMS) : r;
  }

  bind(fd: number, uid: number): boolean {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const r = this.#sessions.bind(fd, uid);
    if (r === 'range') return this.#fail(ErrorCode.INVALID_PARAMS);
    return r;
  }

  stats(): Record<string, number> | false {
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    const fds = [...this.#conns.values()].map((c) => c.session.socketFd);
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
      minFd: fds.length ? Math.min(...fds) : 0,
      maxFd: fds.length ? Math.max(...fds) : 0,
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

  /** S30/h4: periodic check; the close is a FIN and onClose gets the real reactor id (0). */
  #heartbeatCheck(): void {
    for (const c of this.#idleSessions()) this.#closeConn(c, 0, false);
  }

  #maxIdleCheck(): void {
    const now = nowSec();
    for (const c of [...this.#conns.values()]) {
      const limit = this.#maxIdle.get(c.port);
      if (limit === undefined || c.session.closing) continue;
      const last = Math.max(c.session.connectTime, c.session.lastRecvTime, c.session.lastSendTime);
      if (now - last >= limit) this.#closeConn(c, 0, false);
    }
  }

  /** S31/h4: idle session ids, closed when asked; false when heartbeat is off. */
  heartbeat(close = false): number[] | false {
    if (this.#state !== 'running' || this.#heartbeatTimer === undefined) return this.#fail(ErrorCode.WRONG_OPERATION);
    const idle = this.#idleSessions();
    const ids = idle.map((c) => c.session.id);
    if (close) for (const c of idle) this.#closeConn(c, -1, false);
    return ids;
  }

  /** S4/h15: single process: the master is this process and there is no manager. */
  getMasterPid(): number {
    return this.#state === 'running' ? process.pid : 0;
  }

  getManagerPid(): number {
    return 0;
  }

  /** S9: false outside a running worker. */
  getWorkerId(): number | false {
    return this.#state === 'running' ? 0 : false;
  }

  getWorkerPid(workerId = -1): number | false {
    if (this.#state !== 'running' || (workerId !== -1 && workerId !== 0)) return false;
    return process.pid;
  }

  /** S9: BUSY=1 while a callback runs (every API call comes from one here), IDLE=2 otherwise. */
  getWorkerStatus(workerId = -1): number | false {
    if (this.#state !== 'running' || (workerId !== -1 && workerId !== 0)) return false;
    return 1;
  }

  /** S4: reload is not supported by a single-process server. */
  reload(_onlyTaskWorkers = false): boolean {
    return this.#fail(ErrorCode.OPERATION_NOT_SUPPORT);
  }

  /**
   * S28: stops accepting, closes every connection (onClose, reactor_id -1), runs onWorkerStop
   * and onShutdown, then start() resolves true. Not started: false with 509.
   */
  shutdown(): boolean {
    if (this.#state === 'starting') {
      // Called while the listeners are still being set up: finish start-up, then stop.
      this.#stopRequested = true;
      return true;
    }
    if (this.#state !== 'running') return this.#fail(ErrorCode.WRONG_OPERATION);
    this.#state = 'stopped';
    process.off('SIGTERM', this.#onSigterm);
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    if (this.#maxIdleTimer) clearInterval(this.#maxIdleTimer);
    const closing = this.#listeners.map((l) => new Promise<void>((r) => l.close(() => r())));
    for (const p of this.ports) {
      if (p.fd >= 0 && !isDgram(p.type) && p.type !== SWOOLE_SOCK_UNIX_STREAM && !this.#adopted.has(p)) {
        loadNative().close(p.fd);
        p.fd = -1;
      }
    }
    for (const d of this.#dgrams) closing.push(new Promise<void>((r) => d.sock.close(() => r())));
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
