/**
 * PROCESS mode, master side: turns the reactor's connect / frame / close events into records for
 * the chosen worker (dispatch.ts chooseWorker, or dispatch_func), and applies the commands the
 * workers send back (send, close, pause, resume, protect, bind). The master owns every socket;
 * a worker only ever sees session ids. Rules: S10–S12, S24, S36, observed f, h1, h7.
 */
import type { NativeAddon } from '../native/api.ts';
import { ErrorCode } from '../errors.ts';
import { Limits } from '../constants.ts';
import { choosePacketWorker, chooseWorker, interpretDispatchFunc, type WorkerLoad } from './dispatch.ts';
import {
  F_CONT, F_ON, R_ACK, R_BIND, R_BUFFER, R_CLOSE, R_CLOSE_CMD, R_CONNECT, R_DATA, R_INFO, R_PACKET, R_PART, R_PAUSE, R_PROTECT, R_RESUME, R_SEND, R_SENDFILE,
  RecordReader, RecordWriter, DATAGRAM_MAX, packPacket, splitRecords, type ChannelRecord,
} from './channel.ts';
import type { DatagramSocket } from '../native/api.ts';
import type { Session } from './session.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

/** What the dispatcher needs to know about a connection the reactor owns. */
export interface DispatchConn {
  readonly session: Session;
  readonly portIndex: number;
  /** Mode 8: the worker the first dispatch bound the connection to. */
  boundWorker?: number;
  /** Workers that have this session's INFO record. */
  readonly informed: Set<number>;
  /** S45: bytes dispatched to workers that they have not taken yet. */
  queuedBytes: number;
}

export interface MasterHooks {
  workerNum: number;
  /** A connection's queuedBytes changed (max_queued_bytes pauses and resumes its reading). */
  queued?(c: DispatchConn): void;
  dispatchMode: number;
  dispatchFunc: ((...a: unknown[]) => unknown) | null;
  /** connect/close callbacks exist in the workers and were not removed (S12). */
  connectEvents: boolean;
  closeEvents: boolean;
  /** bufferFull / bufferEmpty callbacks exist in the workers and were not removed (S12). */
  bufferEvents: boolean;
  reactorNum: number;
  /** Calls dispatch_func with the server object first. */
  callDispatchFunc(fn: (...a: unknown[]) => unknown, session: number, type: number, data?: Buffer): unknown;
  conn(session: number): DispatchConn | undefined;
  send(session: number, data: Buffer): void;
  sendfile(session: number, filename: string, offset: number, length: number): void;
  close(session: number, reset: boolean): void;
  pause(session: number, on: boolean): void;
  protect(session: number, on: boolean): void;
  bind(session: number, uid: number): void;
  dispatched(bytes: number): void;
  /** A datagram went to a worker (dispatch_count; datagram bytes are not counted, h9). */
  dispatchedPacket?(): void;
  /**
   * Datagrams are dropped (warning 9006) while the chosen worker's channel already holds this
   * many bytes in the master's memory (pipe_buffer_size): a sender faster than the worker
   * cannot grow the master without bound, and UDP has no other backpressure.
   */
  packetLimitBytes?: number;
  /** Around each batch of worker commands. */
  batchStart(): void;
  batchEnd(): void;
  /** Master/worker channel ends as [masterEnd, workerEnd] per slot (the dispatcher closes both). */
  pairs: [number, number][];
  /** Worker `slot`'s progress on its channel (shared memory): datagram in hand, records taken. */
  progress(slot: number): { seq: number; done: number };
}

const NO_RID = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const TYPE_DATA = 0;
const TYPE_DGRAM = 1;
const TYPE_CLOSE = 4;
const TYPE_CONNECT = 5;
const TYPE_BUFFER_FULL = 12;
const TYPE_BUFFER_EMPTY = 13;

export class Dispatcher {
  readonly #h: MasterHooks;
  readonly #writers: RecordWriter[];
  /** The workers' ends, only ever read here to take back what a dead worker left queued. */
  readonly #workerEnds: DatagramSocket[];
  readonly #inflight: number[];
  readonly #loads: { idle: boolean; load: number; concurrency: number }[];
  #rr = 0;
  #noIdleWarned = 0;
  #dropWarned = 0;
  #packetsDropped = 0;
  readonly #closers: (() => void)[] = [];
  /**
   * Per worker, the frames sent and not yet acknowledged, oldest first (session, bytes): a
   * worker takes its frames in order, so an ack of k pops the k oldest (max_queued_bytes, S45).
   */
  readonly #unacked: { session: number; bytes: number }[][];
  readonly #unackedHead: number[];

  constructor(native: NativeAddon, hooks: MasterHooks) {
    this.#h = hooks;
    this.#inflight = hooks.pairs.map(() => 0);
    this.#unacked = hooks.pairs.map(() => []);
    this.#unackedHead = hooks.pairs.map(() => 0);
    this.#loads = hooks.pairs.map(() => ({ idle: true, load: 0, concurrency: 0 }));
    this.#writers = hooks.pairs.map(([masterEnd], slot) => {
      const sock = native.openDatagram(masterEnd);
      const reader = new RecordReader((r) => this.#command(slot, r), (d) => process.emitWarning(`abnormal pipeline data: ${d}`, { code: String(ErrorCode.WORKER_ABNORMAL_PIPE_DATA), type: 'SwooleWarning' }));
      sock.startReading(DATAGRAM_MAX, (batch) => {
        // Writes to one client from one batch of commands leave together (the hooks cork).
        hooks.batchStart();
        try {
          reader.datagrams(batch);
        } finally {
          hooks.batchEnd();
        }
      }, 16);
      this.#closers.push(() => sock.close());
      return new RecordWriter(sock, true);
    });
    this.#workerEnds = hooks.pairs.map(([, workerEnd]) => {
      const sock = native.openDatagram(workerEnd);
      sock.ref(false);
      this.#closers.push(() => sock.close());
      return sock;
    });
  }

  #info(c: DispatchConn): Buffer {
    const s = c.session;
    return Buffer.from(JSON.stringify({
      p: c.portIndex, fd: s.socketFd, sfd: s.serverFd, sp: s.serverPort, st: s.socketType, ip: s.remoteIp, rp: s.remotePort,
      r: s.socketFd % this.#h.reactorNum, t: s.connectTime, u: s.uid,
    }));
  }

  /** The worker for one event, or -1 when dispatch_func discards it. */
  #choose(c: DispatchConn, type: number, data?: Buffer): number {
    const h = this.#h;
    // The default mode on the hot path: no allocation (same result as chooseWorker's mode 2).
    if (h.dispatchMode === 2 && !h.dispatchFunc) return c.session.socketFd % h.workerNum;
    const picked = this.#byDispatchFunc(c.session.id, type, data);
    if (picked !== null) return picked;
    const r = chooseWorker(h.dispatchMode, { socketFd: c.session.socketFd, remoteIp: c.session.remoteIp, uid: c.session.uid, boundWorker: c.boundWorker }, this.#currentLoads(), this.#rr);
    if (r.bind) {
      c.boundWorker = r.workerId;
      c.session.workerId = r.workerId;
    }
    return this.#took(r);
  }

  /** The worker for a datagram (choosePacketWorker, or dispatch_func with fd = key, type 1), or -1. */
  #choosePacket(key: number, data: Buffer): number {
    const picked = this.#byDispatchFunc(key, TYPE_DGRAM, data);
    if (picked !== null) return picked;
    return this.#took(choosePacketWorker(this.#h.dispatchMode, key, this.#currentLoads(), this.#rr));
  }

  /** S11: dispatch_func's answer (a worker, or -1 to discard), or null to fall back to the mode. */
  #byDispatchFunc(fd: number, type: number, data?: Buffer): number | null {
    const h = this.#h;
    if (!h.dispatchFunc) return null;
    const arg = data && h.dispatchFunc.length > 3 ? data.subarray(0, Limits.IPC_BUFFER_SIZE) : undefined;
    const v = interpretDispatchFunc(h.callDispatchFunc(h.dispatchFunc, fd, type, arg), h.workerNum);
    if (v.kind === 'worker') return v.workerId;
    if (v.kind === 'discard') {
      process.emitWarning(v.detail, { code: String(v.code), type: 'SwooleWarning' });
      return -1;
    }
    return null;
  }

  /** The workers' in-flight counts as the pure choosers read them (modes 3/9). */
  #currentLoads(): WorkerLoad[] {
    for (let i = 0; i < this.#loads.length; i++) {
      const l = this.#loads[i]!;
      l.load = this.#inflight[i]!;
      l.idle = l.load === 0;
    }
    return this.#loads as WorkerLoad[];
  }

  /** Keeps the round-robin cursor of a choice and warns (at most once a second) when no worker was idle. */
  #took(r: { workerId: number; roundRobin: number; noIdleWorker?: boolean }): number {
    this.#rr = r.roundRobin;
    if (r.noIdleWorker && Date.now() - this.#noIdleWarned > 1000) {
      this.#noIdleWarned = Date.now();
      process.emitWarning('No idle worker is available', { code: String(ErrorCode.SERVER_NO_IDLE_WORKER), type: 'SwooleWarning' });
    }
    return r.workerId;
  }

  /** A datagram read on port `portIndex`: an R_PACKET record for the chosen worker's onPacket. */
  packet(portIndex: number, key: number, time: number, address: string, port: number, data: Buffer): void {
    const w = this.#choosePacket(key, data);
    if (w < 0) return;
    const limit = this.#h.packetLimitBytes ?? Infinity;
    if (this.#writers[w]!.queuedBytes > limit) {
      this.#packetsDropped++;
      if (Date.now() - this.#dropWarned > 1000) {
        this.#dropWarned = Date.now();
        process.emitWarning(`worker ${w} is not taking datagrams: ${this.#packetsDropped} dropped (its channel holds more than pipe_buffer_size ${limit} bytes)`, { code: String(ErrorCode.SERVER_PIPE_BUFFER_FULL), type: 'SwooleWarning' });
      }
      return;
    }
    this.#inflight[w]!++;
    this.#h.dispatchedPacket?.();
    // Acknowledged like a frame (the ack count pops this entry); no connection queue to release.
    this.#unacked[w]!.push({ session: 0, bytes: 0 });
    this.#writers[w]!.push(R_PACKET, 0, portIndex, packPacket(time, address, port, data));
  }

  #inform(c: DispatchConn, w: number): void {
    if (c.informed.has(w)) return;
    c.informed.add(w);
    this.#writers[w]!.push(R_INFO, 0, c.session.id, this.#info(c));
  }

  connect(c: DispatchConn): void {
    if (!this.#h.connectEvents) return;
    const w = this.#choose(c, TYPE_CONNECT);
    if (w < 0) return;
    c.informed.add(w);
    this.#writers[w]!.push(R_CONNECT, 0, c.session.id, this.#info(c));
  }

  data(c: DispatchConn, frame: Buffer): void {
    const w = this.#choose(c, TYPE_DATA, frame);
    if (w < 0) return;
    this.#inform(c, w);
    this.#inflight[w]!++;
    this.#h.dispatched(frame.length);
    this.#queue(w, c, frame.length);
    this.#writers[w]!.push(R_DATA, 0, c.session.id, frame);
  }

  #queue(w: number, c: DispatchConn, bytes: number): void {
    this.#unacked[w]!.push({ session: c.session.id, bytes });
    c.queuedBytes += bytes;
    this.#h.queued?.(c);
  }

  /** Worker `w` took `n` more frames: their bytes leave their connections' queues. */
  #taken(w: number, n: number): void {
    const q = this.#unacked[w]!;
    let head = this.#unackedHead[w]!;
    for (let i = 0; i < n && head < q.length; i++, head++) this.#release(q[head]!);
    if (head === q.length) {
      q.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > q.length) {
      q.splice(0, head);
      head = 0;
    }
    this.#unackedHead[w] = head;
  }

  #release(e: { session: number; bytes: number }): void {
    const c = this.#h.conn(e.session);
    if (!c) return;
    c.queuedBytes = Math.max(0, c.queuedBytes - e.bytes);
    this.#h.queued?.(c);
  }

  /** The master's queue for `c` crossed a water mark: onBufferFull / onBufferEmpty in the chosen worker. */
  buffer(c: DispatchConn, full: boolean): void {
    if (!this.#h.bufferEvents) return;
    const w = this.#choose(c, full ? TYPE_BUFFER_FULL : TYPE_BUFFER_EMPTY);
    if (w < 0) return;
    this.#inform(c, w);
    this.#writers[w]!.push(R_BUFFER, full ? F_ON : 0, c.session.id);
  }

  /** The connection is gone: onClose in the chosen worker (if kept), the others drop it. */
  close(c: DispatchConn, reactorId: number): void {
    let target = -1;
    if (this.#h.closeEvents) target = this.#choose(c, TYPE_CLOSE);
    const rid = Buffer.alloc(4);
    rid.writeInt32LE(reactorId);
    for (let w = 0; w < this.#writers.length; w++) {
      const on = w === target;
      if (on || c.informed.has(w)) {
        if (on) this.#inform(c, w);
        this.#writers[w]!.push(R_CLOSE, on ? F_ON : 0, c.session.id, rid);
      }
    }
    c.informed.clear();
  }

  /**
   * A worker process left slot `slot` (crash, reload, max_request). Everything it had not taken
   * from its channel goes to the replacement, in order: the rest of the datagram it had in hand
   * (per its progress in shared memory), the datagrams still queued in the kernel (read back
   * here), then what was not sent yet. Frames of sessions that are gone are dropped (S43).
   */
  workerGone(slot: number, conns: Iterable<DispatchConn>): void {
    for (const c of conns) c.informed.delete(slot);
    const w = this.#writers[slot]!;
    const { seq, done } = this.#h.progress(slot);
    const records: ChannelRecord[] = [];
    const inHand = w.retained(seq);
    if (inHand) records.push(...splitRecords(inHand).slice(done));
    for (let d = this.#workerEnds[slot]!.recvInto(DATAGRAM_MAX); d; d = this.#workerEnds[slot]!.recvInto(DATAGRAM_MAX)) records.push(...splitRecords(d.data));
    records.push(...w.takePending());
    w.release(Infinity);
    // What the old process had not acknowledged leaves the queues; what is re-sent below goes back in.
    const old = this.#unacked[slot]!;
    for (let i = this.#unackedHead[slot]!; i < old.length; i++) this.#release(old[i]!);
    old.length = 0;
    this.#unackedHead[slot] = 0;
    let pieces = 0;
    let inflight = 0;
    const out: ChannelRecord[] = [];
    for (const r of records) {
      if (r.type === R_INFO || r.type === R_CONNECT) {
        if (!this.#h.conn(r.session)) continue;
        this.#h.conn(r.session)!.informed.add(slot);
      } else if (r.type === R_PACKET) {
        inflight++;
        this.#unacked[slot]!.push({ session: 0, bytes: 0 });
      } else if (r.type === R_DATA || (r.type === R_PART && (r.flags & 0x7f) === R_DATA)) {
        const c = this.#h.conn(r.session);
        if (!c) continue;
        if (!c.informed.has(slot)) {
          c.informed.add(slot);
          out.push({ type: R_INFO, flags: 0, session: r.session, payload: this.#info(c) });
        }
        if (r.type === R_PART) pieces += r.payload.length;
        else {
          inflight++;
          this.#queue(slot, c, pieces + r.payload.length);
          pieces = 0;
        }
      }
      out.push(r);
    }
    w.pushRaw(out);
    this.#inflight[slot] = inflight;
  }

  #command(slot: number, r: ChannelRecord): void {
    const h = this.#h;
    switch (r.type) {
      case R_SEND:
        h.send(r.session, r.payload);
        break;
      case R_SENDFILE:
        h.sendfile(r.session, r.payload.subarray(16).toString(), r.payload.readDoubleLE(0), r.payload.readDoubleLE(8));
        break;
      case R_CLOSE_CMD: {
        // The closing worker ran onClose itself; the others only drop their copy.
        const c = h.conn(r.session);
        if (c) {
          for (const w of c.informed) if (w !== slot) this.#writers[w]!.push(R_CLOSE, 0, r.session, NO_RID);
          c.informed.clear();
        }
        h.close(r.session, (r.flags & F_ON) !== 0);
        break;
      }
      case R_PAUSE:
        h.pause(r.session, true);
        break;
      case R_RESUME:
        h.pause(r.session, false);
        break;
      case R_PROTECT:
        h.protect(r.session, (r.flags & F_ON) !== 0);
        break;
      case R_BIND:
        h.bind(r.session, r.payload.readUInt32LE(0));
        break;
      case R_ACK:
        this.#inflight[slot] = Math.max(0, this.#inflight[slot]! - r.session);
        this.#taken(slot, r.session);
        this.#writers[slot]!.release(h.progress(slot).seq);
        break;
      default:
        process.emitWarning(`unknown command record ${r.type} from worker ${slot}${r.flags & F_CONT ? ' (continued)' : ''}`, { code: String(ErrorCode.WORKER_ABNORMAL_PIPE_DATA), type: 'SwooleWarning' });
    }
  }

  stop(): void {
    for (const w of this.#writers) w.close();
    for (const c of this.#closers) c();
  }
}
