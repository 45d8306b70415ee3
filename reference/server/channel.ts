/**
 * PROCESS mode's master ↔ worker channel: one SOCK_DGRAM socketpair per worker slot, created
 * by the master and kept open (both ends) for the server's whole life, so datagrams queued for
 * a worker that dies stay in the kernel and are read by its replacement (same slot, same fd).
 *
 * Records (10-byte header: type u8, flags u8, session u32 LE, length u32 LE, then the payload)
 * are packed into datagrams of at most DATAGRAM_MAX bytes; everything pushed during one
 * event-loop turn leaves in one flush (setImmediate) with sendmmsg. A payload too big for one
 * datagram travels as PART records followed by the final record with F_CONT; a reader that
 * starts mid-message (a replacement after a crash) drops the orphan pieces (warning 9102).
 */
import type { DatagramSocket, ReceivedDatagram } from '../native/api.ts';

export const DATAGRAM_MAX = 65536;
const HEADER = 10;
const MAX_PIECE = DATAGRAM_MAX - HEADER;

/** Record types. Master → worker: */
export const R_INFO = 1;
export const R_CONNECT = 2;
export const R_DATA = 3;
export const R_CLOSE = 4;
/** Worker → master: */
export const R_SEND = 10;
export const R_CLOSE_CMD = 11;
export const R_PAUSE = 12;
export const R_RESUME = 13;
export const R_PROTECT = 14;
export const R_BIND = 15;
export const R_ACK = 16;
/** Either way: a leading piece of a long payload (flags carry the final record's type). */
export const R_PART = 20;

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
  readonly #socket: DatagramSocket;
  #cur: Buffer = Buffer.allocUnsafe(DATAGRAM_MAX);
  #off = 0;
  readonly #ready: Buffer[] = [];
  #scheduled = false;
  #waiting = false;
  #closed = false;

  constructor(socket: DatagramSocket) {
    this.#socket = socket;
  }

  /** Datagrams not yet accepted by the kernel (plus the one being filled). */
  get backlog(): number {
    return this.#ready.length + (this.#off > 0 ? 1 : 0);
  }

  push(type: number, flags: number, session: number, payload?: Buffer): void {
    if (this.#closed) return;
    let body = payload ?? EMPTY;
    if (body.length > MAX_PIECE) {
      let first = true;
      while (body.length > MAX_PIECE) {
        this.#append(R_PART, type | (first ? 0 : F_CONT), session, body.subarray(0, MAX_PIECE));
        body = body.subarray(MAX_PIECE);
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
    this.#ready.push(this.#cur.subarray(0, this.#off));
    this.#cur = Buffer.allocUnsafe(DATAGRAM_MAX);
    this.#off = 0;
  }

  /** Hands everything pushed so far to the kernel (what does not fit waits for writability). */
  flush(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    this.#seal();
    if (this.#waiting || this.#ready.length === 0) return;
    let sent = 0;
    try {
      sent = this.#socket.sendBatch(this.#ready);
    } catch {
      sent = 1; // a datagram the kernel refuses outright is dropped so the rest can go
    }
    this.#ready.splice(0, sent);
    if (this.#ready.length) {
      this.#waiting = true;
      this.#socket.onWritable(() => {
        this.#waiting = false;
        this.flush();
      });
    }
  }

  close(): void {
    this.#closed = true;
  }
}

const EMPTY = Buffer.alloc(0);

/** Splits received datagrams back into records, joining PART pieces. */
export class RecordReader {
  readonly #parts = new Map<number, { type: number; pieces: Buffer[] }>();
  readonly #onRecord: (r: ChannelRecord) => void;
  readonly #onOrphan: (detail: string) => void;

  constructor(onRecord: (r: ChannelRecord) => void, onOrphan: (detail: string) => void) {
    this.#onRecord = onRecord;
    this.#onOrphan = onOrphan;
  }

  datagrams(batch: readonly ReceivedDatagram[]): void {
    for (const d of batch) this.datagram(d.data);
  }

  datagram(buf: Buffer): void {
    let o = 0;
    while (o + HEADER <= buf.length) {
      const type = buf[o]!;
      const flags = buf[o + 1]!;
      const session = buf.readUInt32LE(o + 2);
      const len = buf.readUInt32LE(o + 6);
      const payload = buf.subarray(o + HEADER, o + HEADER + len);
      o += HEADER + len;
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
