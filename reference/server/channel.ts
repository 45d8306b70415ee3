/**
 * PROCESS mode's master ↔ worker channel: one SOCK_DGRAM socketpair per worker slot, created
 * by the master and kept open (both ends) for the server's whole life, so datagrams queued for
 * a worker that dies stay in the kernel and are read by its replacement (same slot, same fd).
 *
 * Records (10-byte header: type u8, flags u8, session u32 LE, length u32 LE, then the payload)
 * are packed into datagrams of at most DATAGRAM_MAX bytes; everything pushed during one
 * event-loop turn leaves in one flush (setImmediate) with sendmmsg. A payload too big for one
 * datagram travels as PART records followed by the final record with F_CONT; a reader that
 * starts mid-message drops the orphan pieces (warning 9102). The master → worker direction is
 * sequenced (R_SEQ first in each datagram, copies retained) so the master can recover what a
 * dead worker had not taken (dispatcher.ts workerGone).
 */
import type { DatagramSocket, ReceivedDatagram } from '../native/api.ts';
import { DatagramQueue } from '../ipc/datagram-queue.ts';
import { ErrorCode } from '../errors.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

export const DATAGRAM_MAX = 65536;
const HEADER = 10;
const MAX_PIECE = DATAGRAM_MAX - HEADER;
/** A sequenced datagram also starts with its R_SEQ record, so its pieces are one header smaller. */
const MAX_SEQUENCED_PIECE = MAX_PIECE - HEADER;

/** Record types. Master → worker: */
export const R_INFO = 1;
export const R_CONNECT = 2;
export const R_DATA = 3;
export const R_CLOSE = 4;
/** The connection's unsent queue crossed a water mark: F_ON bufferFull, else bufferEmpty. */
export const R_BUFFER = 5;
/**
 * A datagram for onPacket; `session` carries the port index. Payload: dispatch time f64 LE,
 * sender port i32 LE (-1 for unix), address length u16 LE, address (UTF-8), then the datagram.
 */
export const R_PACKET = 6;
/** Worker → master: */
export const R_SEND = 10;
export const R_CLOSE_CMD = 11;
export const R_PAUSE = 12;
export const R_RESUME = 13;
export const R_PROTECT = 14;
export const R_BIND = 15;
export const R_ACK = 16;
/** sendfile(): offset f64 LE, length f64 LE, then the path (UTF-8); the master reads the file. */
export const R_SENDFILE = 17;
/** Either way: a leading piece of a long payload (flags carry the final record's type). */
export const R_PART = 20;
/** Master → worker, first record of every datagram: its sequence number (u32 in `session`). */
export const R_SEQ = 21;

/** Flags. */
export const F_CONT = 0x80;
/** R_CLOSE: run onClose in this worker. R_CLOSE_CMD: reset. R_PROTECT: on. */
export const F_ON = 0x01;

export interface ChannelRecord {
  type: number;
  flags: number;
  session: number;
  payload: Buffer;
}

export class RecordWriter {
  #cur: Buffer = Buffer.allocUnsafe(DATAGRAM_MAX);
  #off = 0;
  /** Sealed datagrams the kernel has not taken yet. */
  readonly #ready: DatagramQueue;
  #scheduled = false;
  #closed = false;
  /** Sequenced writers (master → worker) start every datagram with R_SEQ and keep a copy of each until released. */
  readonly #sequenced: boolean;
  #seq = 0;
  readonly #retained = new Map<number, Buffer>();

  constructor(socket: DatagramSocket, sequenced = false) {
    this.#sequenced = sequenced;
    this.#ready = new DatagramQueue(socket, {
      // Datagrams stay below the channel's limit: a refusal is a broken fd, and its records are lost.
      onRefused: (d, err) => process.emitWarning(`channel: a datagram of ${d.length} bytes was refused: ${err.message}`, { code: String(ErrorCode.SYSTEM_CALL_FAIL), type: 'SwooleWarning' }),
    });
  }

  /** The retained copy of datagram `seq` (sent, maybe not yet fully handled by the reader). */
  retained(seq: number): Buffer | undefined {
    return this.#retained.get(seq);
  }

  /** Forgets retained datagrams older than `seq` (the reader has moved past them); Infinity: all. */
  release(seq: number): void {
    for (const k of this.#retained.keys()) {
      if (k >= seq) break;
      this.#retained.delete(k);
    }
  }

  /**
   * Takes back everything not yet handed to the kernel, so a caller can put records in front
   * of it (crash recovery); returns those records in order, the R_SEQ records left out.
   */
  takePending(): ChannelRecord[] {
    this.#seal();
    const out: ChannelRecord[] = [];
    for (const d of this.#ready.take()) {
      this.#retained.delete(datagramSeq(d));
      out.push(...splitRecords(d));
    }
    return out;
  }

  /** Re-sends records verbatim (PART pieces included), in order, ahead of anything pushed later. */
  pushRaw(records: readonly ChannelRecord[]): void {
    for (const r of records) this.#append(r.type, r.flags, r.session, r.payload);
    if (!this.#scheduled && records.length) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Datagrams not yet accepted by the kernel (plus the one being filled). */
  get backlog(): number {
    return this.#ready.length + (this.#off > 0 ? 1 : 0);
  }

  /** Bytes waiting in this process for the kernel to take them (the datagram being filled included). */
  get queuedBytes(): number {
    return this.#ready.bytes + this.#off;
  }

  push(type: number, flags: number, session: number, payload?: Buffer): void {
    if (this.#closed) return;
    let body = payload ?? EMPTY;
    const max = this.#sequenced ? MAX_SEQUENCED_PIECE : MAX_PIECE;
    if (body.length > max) {
      let first = true;
      while (body.length > max) {
        this.#append(R_PART, type | (first ? 0 : F_CONT), session, body.subarray(0, max));
        body = body.subarray(max);
        first = false;
      }
      flags |= F_CONT;
    }
    this.#append(type, flags, session, body);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  #append(type: number, flags: number, session: number, body: Buffer): void {
    if (this.#off + HEADER + body.length > DATAGRAM_MAX) this.#seal();
    if (this.#off === 0 && this.#sequenced) this.#header(R_SEQ, 0, ++this.#seq >>> 0, EMPTY);
    this.#header(type, flags, session, body);
  }

  #header(type: number, flags: number, session: number, body: Buffer): void {
    const b = this.#cur;
    const o = this.#off;
    b[o] = type;
    b[o + 1] = flags;
    b.writeUInt32LE(session >>> 0, o + 2);
    b.writeUInt32LE(body.length, o + 6);
    body.copy(b, o + HEADER);
    this.#off = o + HEADER + body.length;
  }

  #seal(): void {
    if (this.#off === 0) return;
    const d = this.#cur.subarray(0, this.#off);
    this.#ready.add(d); // sent at flush: one turn's datagrams leave in one sendmmsg
    if (this.#sequenced) this.#retained.set(this.#seq, d);
    this.#cur = Buffer.allocUnsafe(DATAGRAM_MAX);
    this.#off = 0;
  }

  /** Hands everything pushed so far to the kernel (what does not fit waits for writability). */
  flush(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    this.#seal();
    this.#ready.flush();
  }

  close(): void {
    this.#closed = true;
    this.#ready.close();
  }
}

const EMPTY = Buffer.alloc(0);

/** An R_PACKET payload (see R_PACKET). */
export function packPacket(time: number, address: string, port: number, data: Buffer): Buffer {
  const addr = Buffer.from(address);
  const out = Buffer.allocUnsafe(14 + addr.length + data.length);
  out.writeDoubleLE(time, 0);
  out.writeInt32LE(port, 8);
  out.writeUInt16LE(addr.length, 12);
  addr.copy(out, 14);
  data.copy(out, 14 + addr.length);
  return out;
}

export function unpackPacket(buf: Buffer): { time: number; address: string; port: number; data: Buffer } {
  const len = buf.readUInt16LE(12);
  return { time: buf.readDoubleLE(0), port: buf.readInt32LE(8), address: buf.toString('utf8', 14, 14 + len), data: buf.subarray(14 + len) };
}

/** The records of one datagram as sent (no reassembly), R_SEQ left out. */
export function splitRecords(buf: Buffer): ChannelRecord[] {
  const out: ChannelRecord[] = [];
  let o = 0;
  while (o + HEADER <= buf.length) {
    const len = buf.readUInt32LE(o + 6);
    const type = buf[o]!;
    if (type !== R_SEQ) out.push({ type, flags: buf[o + 1]!, session: buf.readUInt32LE(o + 2), payload: Buffer.from(buf.subarray(o + HEADER, o + HEADER + len)) });
    o += HEADER + len;
  }
  return out;
}

/** Sequence number of a sequenced datagram (its leading R_SEQ), or -1. */
export function datagramSeq(buf: Buffer): number {
  return buf.length >= HEADER && buf[0] === R_SEQ ? buf.readUInt32LE(2) : -1;
}

/** Splits received datagrams back into records, joining PART pieces. */
export class RecordReader {
  readonly #parts = new Map<number, { type: number; pieces: Buffer[] }>();
  readonly #onRecord: (r: ChannelRecord) => void;
  readonly #onOrphan: (detail: string) => void;
  /** Sequenced channels: called with each datagram's R_SEQ, then after each record is taken (before it is handled). */
  onSeq: ((seq: number) => void) | null = null;
  onTaken: (() => void) | null = null;
  /** Set to stop in the middle of a datagram (the rest is recovered by the master). */
  stopped = false;

  constructor(onRecord: (r: ChannelRecord) => void, onOrphan: (detail: string) => void) {
    this.#onRecord = onRecord;
    this.#onOrphan = onOrphan;
  }

  datagrams(batch: readonly ReceivedDatagram[]): void {
    for (const d of batch) this.datagram(d.data);
  }

  datagram(buf: Buffer): void {
    let o = 0;
    while (o + HEADER <= buf.length && !this.stopped) {
      const type = buf[o]!;
      const flags = buf[o + 1]!;
      const session = buf.readUInt32LE(o + 2);
      const len = buf.readUInt32LE(o + 6);
      const payload = buf.subarray(o + HEADER, o + HEADER + len);
      o += HEADER + len;
      if (type === R_SEQ) {
        this.onSeq?.(session);
        continue;
      }
      this.onTaken?.();
      if (type === R_PART) {
        const finalType = flags & 0x7f;
        const open = this.#parts.get(session);
        if (flags & F_CONT) {
          if (!open || open.type !== finalType) {
            this.#onOrphan(`orphan piece of a type-${finalType} record for session ${session}`);
            continue;
          }
          open.pieces.push(Buffer.from(payload));
        } else this.#parts.set(session, { type: finalType, pieces: [Buffer.from(payload)] });
        continue;
      }
      if (flags & F_CONT) {
        const open = this.#parts.get(session);
        this.#parts.delete(session);
        if (!open || open.type !== type) {
          this.#onOrphan(`tail of a type-${type} record for session ${session} without its head`);
          continue;
        }
        open.pieces.push(payload);
        this.#onRecord({ type, flags: flags & ~F_CONT, session, payload: Buffer.concat(open.pieces) });
        continue;
      }
      this.#onRecord({ type, flags, session, payload });
    }
  }
}
