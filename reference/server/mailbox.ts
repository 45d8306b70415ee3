/**
 * Messages between the processes of one server: tasks, their results, pipe messages and
 * commands (S14–S23, S41). Every addressable process (each event worker slot, each task worker
 * slot, the manager) has an inbox: a SOCK_DGRAM socketpair the manager creates before the first
 * spawn and keeps open, both ends, for the server's whole life. Every process inherits the
 * sending end of every inbox; the slot's current process reads the other end. Unix datagrams
 * are atomic, so any number of processes can write into one inbox, and what is queued for a
 * process that dies stays in the kernel for its replacement (same slot, same fd).
 *
 * A message longer than one datagram travels as pieces, reassembled per sender (a sender's
 * pieces to one inbox are contiguous and in order). Sends never block: when an inbox is full the
 * datagrams wait in a local queue until it drains, bounded by `limitBytes` (pipe_buffer_size);
 * past it send() refuses (9006), so a flood gets explicit backpressure instead of unbounded
 * memory. Nothing touches the disk (Swoole spills > 8 KiB to temp files, S15).
 *
 * Datagram header (20 bytes, little endian):
 *   u8 kind, u8 flags, u16 extra, i32 src worker id (-1: manager), u32 id, u32 total payload
 *   length, u32 aux (the caller's pid for tasks and commands)
 */
import v8 from 'node:v8';
import type { DatagramSocket, NativeAddon, ReceivedDatagram } from '../native/api.ts';

export const K_TASK = 1;
export const K_RESULT = 2;
export const K_PIPE = 3;
export const K_COMMAND = 4;
export const K_REPLY = 5;
/** Manager → caller: the task worker holding this task died (the task is lost). */
export const K_FAILED = 6;

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
  bytes: Buffer;
}

/** Strings and Buffers travel as they are; anything else as a v8 structured clone. */
export function encodeValue(v: unknown): Encoded {
  if (typeof v === 'string') return { enc: ENC_STRING, bytes: Buffer.from(v, 'utf8') };
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
  onMessage(m: Message): void;
}

interface Outbox {
  sock: DatagramSocket;
  queue: Buffer[];
  waiting: boolean;
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
  #drainWaiters: (() => void)[] = [];

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
    const body = enc.bytes;
    const f = (flags & ~ENC_MASK) | enc.enc;
    if (body.length <= MAX_PIECE) {
      const d = Buffer.allocUnsafe(HEADER + body.length);
      writeHeader(d, kind, f | F_FIRST | F_LAST, extra, this.#o.self, id, body.length, aux);
      body.copy(d, HEADER);
      if (box.queue.length === 0 && this.#trySend(box, d)) return true;
      if (this.#queued > 0 && this.#queued + d.length > this.#o.limitBytes) return false;
      this.#enqueue(box, d);
      return true;
    }
    const pieces = Math.ceil(body.length / MAX_PIECE);
    if (this.#queued > 0 && this.#queued + body.length + pieces * HEADER > this.#o.limitBytes) return false;
    for (let i = 0, off = 0; i < pieces; i++, off += MAX_PIECE) {
      const piece = body.subarray(off, Math.min(body.length, off + MAX_PIECE));
      const d = Buffer.allocUnsafe(HEADER + piece.length);
      writeHeader(d, kind, f | (i === 0 ? F_FIRST : 0) | (i === pieces - 1 ? F_LAST : 0), extra, this.#o.self, id, body.length, aux);
      piece.copy(d, HEADER);
      if (box.queue.length === 0 && this.#trySend(box, d)) continue;
      this.#enqueue(box, d);
    }
    return true;
  }

  #outbox(dst: number): Outbox {
    let box = this.#out[dst];
    if (box) return box;
    const fd = this.#o.outFds[dst];
    if (fd === undefined || fd < 0) throw new RangeError(`no inbox at address ${dst}`);
    // dup: the inherited fd stays valid for the process's other uses (and for children).
    const sock = this.#native.openDatagram(this.#native.dup(fd));
    sock.ref(false);
    box = { sock, queue: [], waiting: false };
    this.#out[dst] = box;
    return box;
  }

  #trySend(box: Outbox, d: Buffer): boolean {
    try {
      return box.sock.send(d);
    } catch (e) {
      // ENOBUFS is transient (the kernel ran short): queue it like EAGAIN.
      if ((e as NodeJS.ErrnoException).code === 'ENOBUFS') return false;
      throw e;
    }
  }

  #enqueue(box: Outbox, d: Buffer): void {
    box.queue.push(d);
    this.#queued += d.length;
    if (!box.waiting) {
      box.waiting = true;
      box.sock.ref(true);
      box.sock.onWritable(() => this.#drain(box));
    }
  }

  #drain(box: Outbox): void {
    box.waiting = false;
    if (this.#closed) return;
    let i = 0;
    try {
      i = box.sock.sendBatch(box.queue);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOBUFS') throw e;
    }
    for (let k = 0; k < i; k++) this.#queued -= box.queue[k]!.length;
    box.queue.splice(0, i);
    if (box.queue.length) {
      box.waiting = true;
      box.sock.onWritable(() => this.#drain(box));
    } else {
      box.sock.ref(false);
      if (this.#queued === 0) for (const w of this.#drainWaiters.splice(0)) w();
    }
  }

  /** Resolves once nothing waits locally (so a stopping process loses no message it sent). */
  drained(): Promise<void> {
    if (this.#queued === 0) return Promise.resolve();
    return new Promise((r) => this.#drainWaiters.push(r));
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
  }

  #onDatagram(d: Buffer): void {
    if (d.length < HEADER) return; // not ours: nothing to deliver
    const flags = d[1]!;
    const head: Message = {
      kind: d[0]!,
      flags: flags & ~(F_FIRST | F_LAST),
      extra: d.readUInt16LE(2),
      src: d.readInt32LE(4),
      id: d.readUInt32LE(8),
      aux: d.readUInt32LE(16),
      payload: d.subarray(HEADER),
    };
    const total = d.readUInt32LE(12);
    if (flags & F_FIRST && flags & F_LAST) {
      this.#o.onMessage(head);
      return;
    }
    let p = this.#partial.get(head.src);
    if (flags & F_FIRST) {
      // A new message from this sender: whatever was half assembled is an orphan (its sender died).
      p = { head, buf: Buffer.allocUnsafe(total), off: 0 };
      this.#partial.set(head.src, p);
    } else if (!p) return; // orphan piece of a message whose start we never saw
    head.payload.copy(p.buf, p.off);
    p.off += head.payload.length;
    if (flags & F_LAST) {
      this.#partial.delete(head.src);
      p.head.payload = p.buf.subarray(0, p.off);
      this.#o.onMessage(p.head);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stopReading();
    this.#in?.close();
    for (const b of this.#out) b?.sock.close();
  }
}

function writeHeader(d: Buffer, kind: number, flags: number, extra: number, src: number, id: number, total: number, aux: number): void {
  d[0] = kind;
  d[1] = flags;
  d.writeUInt16LE(extra & 0xffff, 2);
  d.writeInt32LE(src, 4);
  d.writeUInt32LE(id >>> 0, 8);
  d.writeUInt32LE(total, 12);
  d.writeUInt32LE(aux >>> 0, 16);
}
