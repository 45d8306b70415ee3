/**
 * PROCESS mode, worker side: the sessions as a worker sees them. Events arrive as records on
 * the worker's channel (channel.ts) and become onConnect / onReceive / onClose; the connection
 * API answers at once from the worker's view (the shared session-slot table says which ids are
 * live, the local mirror knows what this worker saw) and queues the real work for the master.
 * Rules: S36 (1004 / 1005 / 1203), S37, S38, observed h5 (send inside onClose fails with 1004).
 */
import type { DatagramSocket, NativeAddon } from '../native/api.ts';
import { ErrorCode } from '../errors.ts';
import type { ErrorCodeValue } from '../errors.ts';
import {
  F_ON, R_ACK, R_BIND, R_BUFFER, R_CLOSE, R_CLOSE_CMD, R_CONNECT, R_DATA, R_INFO, R_PACKET, R_PAUSE, R_PROTECT, R_RESUME, R_SEND, R_SENDFILE,
  RecordReader, RecordWriter, DATAGRAM_MAX, unpackPacket, type ChannelRecord,
} from './channel.ts';
import { Col, type SharedStats } from './shared-stats.ts';
import { clientInfo, MAX_FIND_COUNT, type ClientInfo, type Session } from './session.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

export interface RemoteHooks {
  stats: SharedStats;
  dispatchMode: number;
  outputBufferSize: number;
  /** Runs a port callback; `port` is the listener's index. */
  emit(port: number, event: 'connect' | 'receive' | 'close' | 'bufferfull' | 'bufferempty', ...args: unknown[]): void;
  /** A datagram the master dispatched here: onPacket on port `port` (index). */
  packet(port: number, time: number, address: string, peerPort: number, data: Buffer): void;
  /** After each onReceive: true when this worker has reached max_request and must stop reading. */
  afterRequest(): boolean;
  fail(code: ErrorCodeValue): false;
}

interface Mirror extends Session {
  port: number;
}

/** Closed ids remembered for 1004 answers (bounded). */
const CLOSED_MEMORY = 4096;
const nowSec = () => Date.now() / 1000;

export class RemoteSessions {
  readonly #h: RemoteHooks;
  readonly #sock: DatagramSocket;
  readonly #writer: RecordWriter;
  readonly #reader: RecordReader;
  readonly #mirror = new Map<number, Mirror>();
  readonly #closed = new Set<number>();
  #acks = 0;
  #reading = false;

  constructor(native: NativeAddon, fd: number, hooks: RemoteHooks) {
    this.#h = hooks;
    this.#sock = native.openDatagram(fd);
    this.#writer = new RecordWriter(this.#sock);
    this.#reader = new RecordReader(
      (r) => this.#record(r),
      (d) => process.emitWarning(`abnormal pipeline data: ${d}`, { code: String(ErrorCode.WORKER_ABNORMAL_PIPE_DATA), type: 'SwooleWarning' }),
    );
    // Progress in shared memory, before each record is handled: if this process dies, the
    // master re-sends what it had not taken yet to the replacement (h1).
    const st = hooks.stats;
    let done = 0;
    this.#reader.onSeq = (seq) => {
      done = 0;
      st.put(Col.CHAN_DONE, 0);
      st.put(Col.CHAN_SEQ, seq);
    };
    this.#reader.onTaken = () => st.put(Col.CHAN_DONE, ++done);
  }

  /** One datagram per readiness; the master recovers what a dead reader had not taken (h1). */
  start(): void {
    this.#reading = true;
    this.#sock.startReading(DATAGRAM_MAX, (batch) => {
      for (const d of batch) {
        if (!this.#reading) break;
        this.#reader.datagram(d.data);
      }
      if (this.#acks) {
        this.#writer.push(R_ACK, 0, this.#acks);
        this.#acks = 0;
      }
    }, 1);
  }

  /** Stops taking records; what is still queued stays in the kernel for the replacement. */
  stopReading(): void {
    if (!this.#reading) return;
    this.#reading = false;
    this.#reader.stopped = true;
    this.#sock.stopReading();
  }

  flush(): void {
    if (this.#acks) {
      this.#writer.push(R_ACK, 0, this.#acks);
      this.#acks = 0;
    }
    this.#writer.flush();
  }

  get pendingOut(): number {
    return this.#writer.backlog;
  }

  #fromInfo(id: number, json: Buffer): Mirror {
    const i = JSON.parse(json.toString()) as Record<string, number | string>;
    return {
      id, port: Number(i.p), socketFd: Number(i.fd), serverFd: Number(i.sfd), serverPort: Number(i.sp), socketType: Number(i.st),
      remoteIp: String(i.ip), remotePort: Number(i.rp), reactorId: Number(i.r), workerId: 0, now: Number(i.t), connectTime: Number(i.t),
      lastRecvTime: 0, lastSendTime: 0, lastDispatchTime: 0, uid: Number(i.u), closeErrno: 0, recvQueuedBytes: 0, sendQueuedBytes: 0, closing: false,
    };
  }

  #record(r: ChannelRecord): void {
    const id = r.session;
    switch (r.type) {
      case R_INFO:
        this.#mirror.set(id, this.#fromInfo(id, r.payload));
        return;
      case R_CONNECT: {
        const m = this.#fromInfo(id, r.payload);
        this.#mirror.set(id, m);
        this.#h.emit(m.port, 'connect', id, m.reactorId);
        return;
      }
      case R_DATA: {
        const m = this.#mirror.get(id);
        const now = nowSec();
        if (m) m.lastRecvTime = m.lastDispatchTime = now;
        const st = this.#h.stats;
        st.add(Col.REQUEST);
        st.add(Col.W_REQUEST);
        st.add(Col.W_DISPATCH);
        this.#acks++;
        this.#h.emit(m?.port ?? 0, 'receive', id, m?.reactorId ?? 0, r.payload);
        if (this.#h.afterRequest()) this.stopReading();
        return;
      }
      case R_PACKET: {
        const p = unpackPacket(r.payload);
        this.#acks++;
        this.#h.packet(id, p.time, p.address, p.port, p.data);
        if (this.#h.afterRequest()) this.stopReading();
        return;
      }
      case R_BUFFER: {
        const m = this.#mirror.get(id);
        if (m && !m.closing) this.#h.emit(m.port, r.flags & F_ON ? 'bufferfull' : 'bufferempty', id);
        return;
      }
      case R_CLOSE: {
        const m = this.#mirror.get(id);
        this.#remember(id);
        if (r.flags & F_ON) {
          if (m) m.closing = true;
          this.#h.emit(m?.port ?? 0, 'close', id, r.payload.readInt32LE(0));
        }
        this.#mirror.delete(id);
        return;
      }
    }
  }

  #remember(id: number): void {
    this.#closed.add(id);
    if (this.#closed.size > CLOSED_MEMORY) this.#closed.delete(this.#closed.values().next().value!);
  }

  /** Live from this worker's point of view: the master says live and this worker saw no close. */
  #live(fd: number): boolean {
    return this.#h.stats.sessionLive(fd) && !this.#closed.has(fd) && this.#mirror.get(fd)?.closing !== true;
  }

  send(fd: number, buf: Buffer): boolean {
    const h = this.#h;
    if (!this.#live(fd)) return h.fail(this.#closed.has(fd) || this.#mirror.get(fd)?.closing ? ErrorCode.SESSION_CLOSED : ErrorCode.SESSION_NOT_EXIST);
    if (buf.length > h.outputBufferSize) return h.fail(ErrorCode.DATA_LENGTH_TOO_LARGE);
    this.#writer.push(R_SEND, 0, fd, buf);
    const m = this.#mirror.get(fd);
    if (m) m.lastSendTime = nowSec();
    h.stats.add(Col.RESPONSE);
    h.stats.add(Col.W_RESPONSE);
    h.stats.add(Col.SEND_BYTES, buf.length);
    return true;
  }

  /** The worker checked the file (server.ts); the master opens and streams it, in order with sends. */
  sendfile(fd: number, filename: string, offset: number, length: number): boolean {
    const h = this.#h;
    if (!this.#live(fd)) return h.fail(this.#closed.has(fd) || this.#mirror.get(fd)?.closing ? ErrorCode.SESSION_CLOSED : ErrorCode.SESSION_NOT_EXIST);
    const path = Buffer.from(filename);
    const p = Buffer.alloc(16 + path.length);
    p.writeDoubleLE(offset, 0);
    p.writeDoubleLE(length, 8);
    path.copy(p, 16);
    this.#writer.push(R_SENDFILE, 0, fd, p);
    const m = this.#mirror.get(fd);
    if (m) m.lastSendTime = nowSec();
    h.stats.add(Col.RESPONSE);
    h.stats.add(Col.W_RESPONSE);
    h.stats.add(Col.SEND_BYTES, length);
    return true;
  }

  /** S37/h5: onClose(reactor_id -1) runs in this worker before close() returns. */
  close(fd: number, reset: boolean, closeEvent: boolean): boolean {
    if (!this.#live(fd)) return this.#h.fail(ErrorCode.SESSION_NOT_EXIST);
    const m = this.#mirror.get(fd);
    this.#remember(fd);
    this.#writer.push(R_CLOSE_CMD, reset ? F_ON : 0, fd);
    if (closeEvent) {
      if (m) m.closing = true;
      this.#h.emit(m?.port ?? 0, 'close', fd, -1);
    }
    this.#mirror.delete(fd);
    return true;
  }

  exist(fd: number): boolean {
    return typeof fd === 'number' && this.#live(fd);
  }

  #command(fd: number, type: number, flags = 0, payload?: Buffer): boolean {
    if (!this.#live(fd)) return this.#h.fail(ErrorCode.SESSION_NOT_EXIST);
    this.#writer.push(type, flags, fd, payload);
    return true;
  }

  pause(fd: number): boolean {
    return this.#command(fd, R_PAUSE);
  }

  resume(fd: number): boolean {
    return this.#command(fd, R_RESUME);
  }

  protect(fd: number, on: boolean): boolean {
    return this.#command(fd, R_PROTECT, on ? F_ON : 0);
  }

  /** S13: decided from this worker's view (the master applies the same rule). */
  bind(fd: number, uid: number): boolean | 'range' {
    if (!Number.isInteger(uid) || uid > 0xffffffff || uid < -2147483648) return 'range';
    if (!this.#live(fd)) return false;
    const m = this.#mirror.get(fd);
    if (m && m.uid !== 0) return false;
    if (m) m.uid = uid >>> 0;
    const b = Buffer.alloc(4);
    b.writeUInt32LE(uid >>> 0);
    this.#writer.push(R_BIND, 0, fd, b);
    return true;
  }

  /** Works for sessions this worker saw, and inside onClose (h5). */
  getClientInfo(fd: number): ClientInfo | false {
    const m = this.#mirror.get(fd);
    if (!m || (!m.closing && !this.#h.stats.sessionLive(fd))) return false;
    return clientInfo(m, this.#h.dispatchMode);
  }

  /** S39/h6 over every live session of the server (the shared slot table). */
  getClientList(start: number, count: number): number[] | false {
    if (count > MAX_FIND_COUNT) return false;
    const ids = this.#h.stats.liveSessionIds();
    const highest = ids.length ? ids[ids.length - 1]! : 0;
    if (start < 0 || start > highest) return false;
    if (count <= 0) return [];
    return ids.filter((id) => id > start).slice(0, count);
  }
}
