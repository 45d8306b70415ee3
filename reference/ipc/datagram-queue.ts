/**
 * The datagrams a process made for one socket that the kernel has not taken yet, in order.
 * Every datagram sender of the kit (the Pool's UNIXSOCK sender, the Server's master ↔ worker
 * channel, the Server's inboxes) packs records its own way and hands its sealed datagrams here:
 * they go out at once when nothing waits before them, else in sendmmsg windows once the socket
 * is writable again. A full socket (EAGAIN) or a kernel short of buffers (ENOBUFS) makes them
 * wait; a datagram the kernel refuses for good (EMSGSIZE, ECONNREFUSED, …) is dropped and
 * reported, so the rest can go.
 */
import type { DatagramSocket } from '../native/api.ts';

/** Queued datagrams handed to one sendmmsg: the addon prepares every entry it is given. */
const WINDOW = 16;

export interface QueueHooks {
  /** The kernel refused `d` for good; it is dropped. */
  onRefused(d: Buffer, err: Error): void;
  /** `d`, which had waited in the queue, left it (taken or refused): its memory may be reused. */
  onSent?(d: Buffer): void;
  /** Keep the event loop alive while datagrams wait (a sender that must not exit with them). */
  holdLoop?: boolean;
}

export class DatagramQueue {
  readonly #sock: DatagramSocket;
  readonly #h: QueueHooks;
  readonly #q: Buffer[] = [];
  #bytes = 0;
  #closed = false;
  #waiters: (() => void)[] = [];
  readonly #onWritable = (): void => this.flush();

  constructor(sock: DatagramSocket, hooks: QueueHooks) {
    this.#sock = sock;
    this.#h = hooks;
  }

  /** Datagrams waiting. */
  get length(): number {
    return this.#q.length;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Sends `d` now when nothing waits before it; else queues it behind the others and hands the
   * socket what it takes. True when `d` left this process at once (its buffer is free again).
   * `keep` makes what is queued when `d` must wait (a copy, for a sender that reuses `d`'s memory).
   */
  send(d: Buffer, keep?: (d: Buffer) => Buffer): boolean {
    if (this.#closed) return true;
    if (this.#q.length === 0) {
      const r = this.#one(d);
      if (r !== FULL) return true;
      this.#push(keep ? keep(d) : d);
      this.#arm();
      return false;
    }
    this.#push(keep ? keep(d) : d);
    // A synchronous burst never yields to the loop: hand over what the receiver made room for now,
    // so the queue (and the memory it pins) stays small.
    this.flush();
    return false;
  }

  /** Queues `d` without a syscall; flush() sends (a sender batching one turn's datagrams). */
  add(d: Buffer): void {
    if (!this.#closed) this.#push(d);
  }

  /** Hands the socket what it takes, oldest first; the rest waits for writability. */
  flush(): void {
    const q = this.#q;
    if (this.#closed || q.length === 0) return;
    let sent = 0;
    // A long queue means a receiver that is behind: probe with the head alone (sendmmsg prepares
    // every entry it is given, wasted while the socket is still full).
    if (q.length > WINDOW) {
      const r = this.#one(q[0]!);
      if (r === FULL) {
        this.#arm();
        return;
      }
      sent = 1;
    }
    // Then windows of sendmmsg: one syscall for a turn's worth, bounded when the queue is long.
    while (sent < q.length) {
      const want = Math.min(WINDOW, q.length - sent);
      let n: number;
      try {
        n = want === 1 ? (this.#sock.send(q[sent]!) ? 1 : 0) : this.#sock.sendBatch(q.slice(sent, sent + want));
      } catch (e) {
        if (transient(e)) break;
        // Nothing of the window went: its first datagram is refused for good; go on after it.
        this.#h.onRefused(q[sent]!, e as Error);
        sent += 1;
        continue;
      }
      sent += n;
      if (n < want) break; // the socket is full again
    }
    if (sent > 0) {
      for (let i = 0; i < sent; i++) {
        const d = q[i]!;
        this.#bytes -= d.length;
        this.#h.onSent?.(d);
      }
      q.splice(0, sent);
    }
    if (q.length > 0) this.#arm();
    else this.#idle();
  }

  /** Takes back everything still waiting (the caller re-sends it in another order). */
  take(): Buffer[] {
    const out = this.#q.splice(0);
    this.#bytes = 0;
    this.#idle();
    return out;
  }

  /** Resolves once nothing waits (so a stopping process loses nothing it sent). */
  drained(): Promise<void> {
    this.flush();
    if (this.#q.length === 0) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Stops sending; what waits is dropped (the socket is going away). */
  close(): void {
    this.#closed = true;
    this.#q.length = 0;
    this.#bytes = 0;
    this.#idle();
  }

  #push(d: Buffer): void {
    this.#q.push(d);
    this.#bytes += d.length;
  }

  /** One datagram: SENT, FULL (wait), or REFUSED (dropped, reported). */
  #one(d: Buffer): number {
    try {
      return this.#sock.send(d) ? SENT : FULL;
    } catch (e) {
      if (transient(e)) return FULL;
      this.#h.onRefused(d, e as Error);
      return REFUSED;
    }
  }

  #arm(): void {
    if (this.#h.holdLoop) this.#sock.ref(true);
    this.#sock.onWritable(this.#onWritable);
  }

  #idle(): void {
    if (this.#h.holdLoop) this.#sock.ref(false);
    if (this.#q.length === 0 && this.#waiters.length) for (const w of this.#waiters.splice(0)) w();
  }
}

const SENT = 0;
const FULL = 1;
const REFUSED = 2;

/** ENOBUFS: the kernel ran short for a moment; wait like a full socket. */
function transient(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOBUFS';
}
