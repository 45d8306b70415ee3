/**
 * Messages between the processes of one server: tasks, their results, pipe messages and
 * commands (S14–S23, S41). Every addressable process (each event worker slot, each task worker
 * slot, the manager) has an inbox: a SOCK_DGRAM socketpair the manager creates before the first
 * spawn and keeps open, both ends, for the server's whole life. Every process inherits the
 * sending end of every inbox; the slot's current process reads the other end. Unix datagrams
 * are atomic, so any number of processes can write into one inbox, and what is queued for a
 * process that dies stays in the kernel for its replacement (same slot, same fd).
 *
 * Messages to one inbox made during one turn of the caller's JS (a loop of task() calls, the
 * results of one batch of tasks) are packed into one datagram, flushed in a microtask: one
 * syscall and one wake-up of the reader for the lot, and no added latency for a lone message.
 * A message longer than one datagram travels as pieces, reassembled per sender (a sender's
 * pieces to one inbox are contiguous and in order). Sends never block: when an inbox is full the
 * datagrams wait in a local queue until it drains, bounded by `limitBytes` (pipe_buffer_size);
 * past it send() refuses (9006), so a flood gets explicit backpressure instead of unbounded
 * memory. Nothing touches the disk (Swoole spills > 8 KiB to temp files, S15).
 *
 * Record header (20 bytes, little endian; a datagram is one or more records):
 *   u8 kind, u8 flags, u16 extra, i32 src worker id (-1: manager), u32 id, u32 total payload
 *   length, u32 aux (the caller's pid for tasks and commands)
 */
import v8 from 'node:v8';
import type { DatagramSocket, NativeAddon, ReceivedDatagram } from '../native/api.ts';
import { SpinGovernor } from './spin.ts';
import { DatagramQueue } from '../ipc/datagram-queue.ts';
import { ErrorCode } from '../errors.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

export const K_TASK = 1;
export const K_RESULT = 2;
export const K_PIPE = 3;
export const K_COMMAND = 4;
export const K_REPLY = 5;
/** Manager → caller: the task worker holding this task died (the task is lost). */
export const K_FAILED = 6;
/** A task worker or user process asks the connection's owner to send / close (id = session). */
export const K_SEND = 7;
export const K_CLOSE = 8;

/** Value encodings (flags bits 0-1). */
const ENC_STRING = 0;
const ENC_BUFFER = 1;
const ENC_V8 = 2;
const ENC_MASK = 0x03;
/** The task wants no reply (sent from the manager or a user process, S18). */
export const F_NOREPLY = 0x04;
const F_FIRST = 0x08;
const F_LAST = 0x10;
/** The task (and its results) belong to taskwait / taskWaitMulti / taskCo. */
export const F_WAIT = 0x20;

export const HEADER = 20;
export const DATAGRAM_MAX = 65536;
const MAX_PIECE = DATAGRAM_MAX - HEADER;
/** Inbox socket buffers: large, so bursts of tasks rarely meet a full inbox. */
export const INBOX_BUFFER = 4 << 20;

export interface Message {
  kind: number;
  flags: number;
  extra: number;
  src: number;
  id: number;
  aux: number;
  /** The payload bytes (a view: copy what you keep). */
  payload: Buffer;
}

export interface Encoded {
  enc: number;
  /** The bytes; or, for a string, `str` (written straight into the datagram). */
  bytes?: Buffer;
  str?: string;
}

/** Strings and Buffers travel as they are; anything else as a v8 structured clone. */
export function encodeValue(v: unknown): Encoded {
  if (typeof v === 'string') return { enc: ENC_STRING, str: v };
  if (Buffer.isBuffer(v)) return { enc: ENC_BUFFER, bytes: v };
  return { enc: ENC_V8, bytes: v8.serialize(v) };
}

export function decodeValue(flags: number, payload: Buffer): unknown {
  switch (flags & ENC_MASK) {
    case ENC_STRING:
      return payload.toString('utf8');
    case ENC_BUFFER:
      return Buffer.from(payload);
    default:
      return v8.deserialize(payload);
  }
}

export interface MailboxOptions {
  /** Sending ends, by address (worker ids 0..n-1, then the manager at `managerAddress`). */
  outFds: readonly number[];
  /** This process's own inbox (reading end), or -1 when it has none (user processes). */
  inFd: number;
  /** This process's worker id as src (-1: manager). */
  self: number;
  /** Bytes that may wait locally for full inboxes before send() refuses. */
  limitBytes: number;
  /** Datagrams per read (1: one message per readiness). */
  batch?: number;
  /**
   * After each batch, keep busy-polling the inbox while messages keep coming within this many
   * microseconds (0: off). A task worker serving a chain of taskwait calls then takes the next
   * one without sleeping in epoll and being woken (the wake-up is most of a round trip).
   */
  spinAfterBatchUs?: number;
  onMessage(m: Message): void;
}

interface Outbox {
  sock: DatagramSocket;
  /** Datagrams the kernel refused for now (the inbox is full), oldest first. */
  queue: DatagramQueue;
  /** The datagram being packed (reused once the kernel took it) and its fill. */
  cur: Buffer;
  off: number;
}

interface Partial {
  head: Message;
  buf: Buffer;
  off: number;
}

export class Mailbox {
  readonly #native: NativeAddon;
  readonly #o: MailboxOptions;
  readonly #out: (Outbox | undefined)[] = [];
  #queued = 0;
  #in: DatagramSocket | null = null;
  readonly #partial = new Map<number, Partial>();
  #reading = false;
  #closed = false;
  /** Datagrams read but not handed over yet (delivery paused). */
  #held: Buffer[] = [];
  #paused = false;
  #scratch: Buffer | null = null;
  readonly #batchSpin = new SpinGovernor();
  readonly #dirty = new Set<Outbox>();
  #flushQueued = false;
  readonly #flushAll = (): void => {
    this.#flushQueued = false;
    for (const b of this.#dirty) this.#flush(b);
    this.#dirty.clear();
  };

  constructor(native: NativeAddon, o: MailboxOptions) {
    this.#native = native;
    this.#o = o;
  }

  get addresses(): number {
    return this.#o.outFds.length;
  }

  /** Bytes waiting locally for full inboxes. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** True while a multi-datagram message is half read. */
  get midMessage(): boolean {
    return this.#partial.size > 0;
  }

  /**
   * Sends one message to `dst`. False when it would take the local queue past `limitBytes`
   * (nothing is sent then). Throws for an address without an inbox.
   */
  send(dst: number, kind: number, flags: number, id: number, aux: number, enc: Encoded, extra = 0): boolean {
    const box = this.#outbox(dst);
    const f = (flags & ~ENC_MASK) | enc.enc;
    let body = enc.bytes;
    if (enc.str !== undefined) {
      const str = enc.str;
      // Short strings go straight into the datagram; the worst case is 3 bytes per UTF-16 unit.
      if (str.length * 3 <= MAX_PIECE) {
        if (box.off + HEADER + str.length * 3 > DATAGRAM_MAX) this.#flush(box);
        if (box.queue.length > 0 && this.#queued + HEADER + str.length * 3 > this.#o.limitBytes) return false;
        const n = box.cur.write(str, box.off + HEADER, 'utf8');
        writeHeader(box.cur, box.off, kind, f | F_FIRST | F_LAST, extra, this.#o.self, id, n, aux);
        box.off += HEADER + n;
        this.#dirtied(box);
        return true;
      }
      body = Buffer.from(str, 'utf8');
    }
    body ??= EMPTY;
    if (body.length <= MAX_PIECE) {
      if (box.queue.length > 0 && this.#queued + HEADER + body.length > this.#o.limitBytes) return false;
      if (box.off + HEADER + body.length > DATAGRAM_MAX) this.#flush(box);
      writeHeader(box.cur, box.off, kind, f | F_FIRST | F_LAST, extra, this.#o.self, id, body.length, aux);
      body.copy(box.cur, box.off + HEADER);
      box.off += HEADER + body.length;
      this.#dirtied(box);
      return true;
    }
    // Long: what is packed goes first (order), then one datagram per piece.
    const pieces = Math.ceil(body.length / MAX_PIECE);
    if (this.#queued > 0 && this.#queued + body.length + pieces * HEADER > this.#o.limitBytes) return false;
    this.#flush(box);
    for (let i = 0, off = 0; i < pieces; i++, off += MAX_PIECE) {
      const piece = body.subarray(off, Math.min(body.length, off + MAX_PIECE));
      const d = Buffer.allocUnsafe(HEADER + piece.length);
      writeHeader(d, 0, kind, f | (i === 0 ? F_FIRST : 0) | (i === pieces - 1 ? F_LAST : 0), extra, this.#o.self, id, body.length, aux);
      piece.copy(d, HEADER);
      if (!box.queue.send(d)) this.#queued += d.length;
    }
    return true;
  }

  #dirtied(box: Outbox): void {
    this.#dirty.add(box);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushAll);
    }
  }

  /** Hands the packed datagram to the kernel (or to the local queue when the inbox is full). */
  #flush(box: Outbox): void {
    if (box.off === 0) return;
    const d = box.cur.subarray(0, box.off);
    box.off = 0;
    // `d` is a view of the packing buffer, reused at once: what must wait is a copy.
    if (!box.queue.send(d, copy)) this.#queued += d.length;
  }

  #outbox(dst: number): Outbox {
    let box = this.#out[dst];
    if (box) return box;
    const fd = this.#o.outFds[dst];
    if (fd === undefined || fd < 0) throw new RangeError(`no inbox at address ${dst}`);
    // dup: the inherited fd stays valid for the process's other uses (and for children).
    const sock = this.#native.openDatagram(this.#native.dup(fd));
    sock.ref(false);
    const queue = new DatagramQueue(sock, {
      // An inbox datagram is far below the kernel's limit and both ends stay open: this is a bug
      // or a broken fd, and the message is lost, so it is said.
      onRefused: (d, err) => process.emitWarning(`inbox ${dst}: a datagram of ${d.length} bytes was refused: ${err.message}`, { code: String(ErrorCode.SYSTEM_CALL_FAIL), type: 'SwooleWarning' }),
      onSent: (d) => {
        this.#queued -= d.length;
      },
      // A process with messages waiting for a full inbox stays alive until they are taken.
      holdLoop: true,
    });
    box = { sock, queue, cur: Buffer.allocUnsafe(DATAGRAM_MAX), off: 0 };
    this.#out[dst] = box;
    return box;
  }

  /** Resolves once nothing waits locally (so a stopping process loses no message it sent). */
  async drained(): Promise<void> {
    this.#flushAll();
    await Promise.all(this.#out.map((b) => b?.queue.drained()));
  }

  /** Starts reading this process's inbox. */
  start(): void {
    if (this.#o.inFd < 0 || this.#reading || this.#closed) return;
    this.#in ??= this.#native.openDatagram(this.#o.inFd);
    this.#reading = true;
    this.#in.startReading(DATAGRAM_MAX, (batch) => this.#onBatch(batch), this.#o.batch ?? 64);
  }

  /** Stops taking datagrams from the kernel (what is queued stays there for the replacement). */
  stopReading(): void {
    if (!this.#reading) return;
    this.#reading = false;
    this.#in?.stopReading();
  }

  /** Holds delivery (an async onTask is running): read datagrams wait here, reading stops. */
  pause(): void {
    this.#paused = true;
    this.stopReading();
  }

  /** Delivers what was held, then reads again (unless paused again meanwhile or `read` is false). */
  resume(read = true): void {
    this.#paused = false;
    while (this.#held.length && !this.#paused) this.#onDatagram(this.#held.shift()!);
    if (!this.#paused && read) this.start();
  }

  get held(): number {
    return this.#held.length;
  }

  #onBatch(batch: ReceivedDatagram[]): void {
    for (const d of batch) {
      if (this.#paused) this.#held.push(Buffer.from(d.data));
      else this.#onDatagram(d.data);
    }
    const spin = this.#o.spinAfterBatchUs ?? 0;
    if (spin > 0 && this.#batchSpin.shouldSpin()) this.#batchSpin.result(this.spin(spin, () => false, SPIN_CAP_US) > 0);
  }

  /**
   * Busy-polls the inbox, delivering what arrives, until `until()` holds, or nothing has come
   * for `idleUs` microseconds, or `capUs` have passed. Sends made meanwhile are flushed at once
   * (the microtask flush cannot run inside the loop). Returns how many datagrams it took.
   */
  spin(idleUs: number, until: () => boolean, capUs = idleUs): number {
    if (this.#o.inFd < 0 || !this.#in || !this.#reading || this.#paused || this.#closed) return 0;
    this.#flushAll();
    if (until()) return 0;
    let got = 0;
    const scratch = (this.#scratch ??= Buffer.allocUnsafe(DATAGRAM_MAX));
    const fd = this.#in.fd;
    const start = performance.now();
    let last = start;
    for (;;) {
      const n = this.#native.tryRecv(fd, scratch, DATAGRAM_MAX);
      const now = performance.now();
      if (n >= 0) {
        // Handlers copy what they keep (decodeValue, held, reassembly), so the scratch is reused.
        got++;
        this.#onDatagram(scratch.subarray(0, n));
        this.#flushAll();
        if (until() || this.#paused || !this.#reading) return got;
        last = now;
      } else if (n !== -EAGAIN) return got;
      if ((now - last) * 1000 >= idleUs || (now - start) * 1000 >= capUs) return got;
    }
  }

  #onDatagram(d: Buffer): void {
    let off = 0;
    while (off + HEADER <= d.length) {
      if (this.#paused) {
        // Delivery stopped inside this datagram: its other records wait with it.
        this.#held.push(Buffer.from(d.subarray(off)));
        return;
      }
      const flags = d[off + 1]!;
      const total = d.readUInt32LE(off + 12);
      const whole = (flags & F_FIRST) !== 0 && (flags & F_LAST) !== 0;
      // A piece of a long message is alone in its datagram; a whole message is `total` long.
      const len = whole ? Math.min(total, d.length - off - HEADER) : d.length - off - HEADER;
      const head: Message = {
        kind: d[off]!,
        flags: flags & ~(F_FIRST | F_LAST),
        extra: d.readUInt16LE(off + 2),
        src: d.readInt32LE(off + 4),
        id: d.readUInt32LE(off + 8),
        aux: d.readUInt32LE(off + 16),
        payload: d.subarray(off + HEADER, off + HEADER + len),
      };
      off += HEADER + len;
      if (whole) {
        this.#o.onMessage(head);
        continue;
      }
      let p = this.#partial.get(head.src);
      if (flags & F_FIRST) {
        // A new message from this sender: whatever was half assembled is an orphan (its sender died).
        p = { head, buf: Buffer.allocUnsafe(total), off: 0 };
        this.#partial.set(head.src, p);
      } else if (!p) continue; // orphan piece of a message whose start we never saw
      if (p.off + head.payload.length > p.buf.length) {
        this.#partial.delete(head.src);
        continue;
      }
      head.payload.copy(p.buf, p.off);
      p.off += head.payload.length;
      if (flags & F_LAST) {
        this.#partial.delete(head.src);
        p.head.payload = p.buf.subarray(0, p.off);
        this.#o.onMessage(p.head);
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stopReading();
    this.#in?.close();
    for (const b of this.#out) {
      b?.queue.close();
      b?.sock.close();
    }
  }
}

const EMPTY = Buffer.alloc(0);
const EAGAIN = 11;
const copy = (d: Buffer): Buffer => Buffer.from(d);
/** Longest a task worker spins after one batch (it still serves its event loop between). */
const SPIN_CAP_US = 2000;

function writeHeader(d: Buffer, at: number, kind: number, flags: number, extra: number, src: number, id: number, total: number, aux: number): void {
  d[at] = kind;
  d[at + 1] = flags;
  d.writeUInt16LE(extra & 0xffff, at + 2);
  d.writeInt32LE(src, at + 4);
  d.writeUInt32LE(id >>> 0, at + 8);
  d.writeUInt32LE(total, at + 12);
  d.writeUInt32LE(aux >>> 0, at + 16);
}
