/**
 * What Process::exportSocket() returns: the pipe as an asynchronous socket (Swoole gives a
 * Coroutine\Socket; here send/recv return Promises). It works on its own dup of the pipe fd,
 * as Swoole's does, so closing it leaves the Process's pipe open. Failures resolve false and
 * set errCode (an errno) / errMsg, like Coroutine\Socket. While nothing is pending the socket
 * does not keep the process alive.
 */
import net from 'node:net';
import { constants } from 'node:os';
import type { DatagramSocket, NativeAddon } from '../native/api.ts';
import type { PipeType } from './pipe.ts';

/** Largest datagram recv() can return (longer ones are cut), as Swoole's read() buffer cap. */
const DGRAM_MAX = 65536;
/** Stop reading from the kernel while this many datagrams / bytes wait for recv(). */
const HIGH_WATER_DGRAMS = 4096;
const HIGH_WATER_BYTES = 4 << 20;

interface Waiter {
  length: number;
  resolve: (v: Buffer | false) => void;
  timer: NodeJS.Timeout | null;
}

export class ProcessSocket {
  readonly type: PipeType;
  errCode = 0;
  errMsg = '';
  #fd: number;
  #dgram: DatagramSocket | null = null;
  #stream: net.Socket | null = null;
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  readonly #waiters: Waiter[] = [];
  #pendingSends = 0;
  #reading = false;
  #eof = false;

  constructor(native: NativeAddon, fd: number, type: PipeType) {
    this.type = type;
    this.#fd = fd;
    if (type === 'dgram') {
      this.#dgram = native.openDatagram(fd);
      this.#dgram.ref(false);
    } else {
      // onread: libuv reads into one buffer and pause() really stops reading, so the socket
      // takes from the kernel only while a recv() waits (at most one buffer ahead).
      const scratch = Buffer.allocUnsafe(DGRAM_MAX);
      // (@types/node lists onread for connect() only; Node 20's constructor takes it too.)
      const opts = { fd, readable: true, writable: true, allowHalfOpen: true, onread: { buffer: scratch, callback: (n: number) => void this.#arrived([Buffer.from(scratch.subarray(0, n))]) } };
      const s = new net.Socket(opts as net.SocketConstructorOpts);
      s.pause();
      s.unref();
      s.on('end', () => {
        this.#eof = true;
        this.#deliver();
      });
      s.on('error', (e) => this.#failed(e));
      this.#stream = s;
    }
  }

  get fd(): number {
    return this.#fd;
  }

  /** Datagram: one message (may be empty). Stream: every byte. Resolves the byte count, or false. */
  send(data: Buffer | string): Promise<number | false> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (!Buffer.isBuffer(buf)) throw new TypeError('send() takes a string or a Buffer');
    if (this.#fd < 0) return Promise.resolve(this.#setError(constants.errno.EBADF, 'the socket is closed'));
    this.#pendingSends++;
    this.#refresh();
    const done = (v: number | false): number | false => {
      this.#pendingSends--;
      this.#refresh();
      return v;
    };
    if (this.#stream) {
      const s = this.#stream;
      return new Promise((resolve) => s.write(buf, (err) => resolve(done(err ? this.#setError(errnoOf(err), err.message) : buf.length))));
    }
    const d = this.#dgram!;
    return new Promise((resolve) => {
      const attempt = (): void => {
        if (this.#fd < 0) return resolve(done(this.#setError(constants.errno.EBADF, 'the socket is closed')));
        try {
          if (d.send(buf)) return resolve(done(buf.length));
          d.onWritable(attempt); // the peer's queue is full: retry when it drains
        } catch (e) {
          resolve(done(this.#setError(errnoOf(e), (e as Error).message)));
        }
      };
      attempt();
    });
  }

  /**
   * Datagram: the next message, cut to `length`. Stream: up to `length` bytes, as soon as any
   * are there. An empty Buffer at end of stream; false on timeout (errCode ETIMEDOUT) or error.
   * `timeout` in seconds; ≤ 0 waits without limit.
   */
  recv(length = DGRAM_MAX, timeout = 0): Promise<Buffer | false> {
    if (!Number.isInteger(length) || length < 1) throw new TypeError('length must be a positive integer');
    if (this.#fd < 0) return Promise.resolve(this.#setError(constants.errno.EBADF, 'the socket is closed'));
    return new Promise((resolve) => {
      const w: Waiter = { length, resolve, timer: null };
      if (timeout > 0) {
        w.timer = setTimeout(() => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          this.#refresh();
          resolve(this.#setError(constants.errno.ETIMEDOUT, 'recv() timed out'));
        }, timeout * 1000);
      }
      this.#waiters.push(w);
      this.#deliver();
      this.#refresh();
    });
  }

  /** Idempotent; pending recv() calls resolve false (EBADF). */
  close(): boolean {
    if (this.#fd < 0) return false;
    this.#fd = -1;
    this.#dgram?.close();
    this.#stream?.destroy();
    for (const w of this.#waiters.splice(0)) this.#settle(w, this.#setError(constants.errno.EBADF, 'the socket is closed'));
    return true;
  }

  #arrived(items: Buffer[]): void {
    for (const b of items) {
      this.#queue.push(b);
      this.#queuedBytes += b.length;
    }
    this.#deliver();
    this.#refresh();
  }

  #failed(e: unknown): void {
    this.#setError(errnoOf(e), (e as Error).message);
    for (const w of this.#waiters.splice(0)) this.#settle(w, false);
    this.#refresh();
  }

  #deliver(): void {
    while (this.#waiters.length && (this.#queue.length || this.#eof)) {
      const w = this.#waiters.shift()!;
      if (!this.#queue.length) {
        this.#settle(w, Buffer.alloc(0));
        continue;
      }
      if (this.type === 'dgram') {
        const d = this.#queue.shift()!;
        this.#queuedBytes -= d.length;
        // Copy: the native batch slab would otherwise stay alive as long as the caller keeps this.
        this.#settle(w, Buffer.from(d.length > w.length ? d.subarray(0, w.length) : d));
      } else this.#settle(w, this.#take(w.length));
    }
  }

  /** Up to `length` bytes off the front of the stream queue. */
  #take(length: number): Buffer {
    const parts: Buffer[] = [];
    let need = length;
    while (need > 0 && this.#queue.length) {
      const head = this.#queue[0]!;
      if (head.length <= need) {
        parts.push(head);
        this.#queue.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        this.#queue[0] = head.subarray(need);
        need = 0;
      }
    }
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.#queuedBytes -= out.length;
    return out;
  }

  #settle(w: Waiter, v: Buffer | false): void {
    if (w.timer) clearTimeout(w.timer);
    w.resolve(v);
  }

  /** Reads from the kernel only while someone waits and the queue is short; holds the loop open only while something is pending. */
  #refresh(): void {
    if (this.#fd < 0) return;
    const want = this.#waiters.length > 0 && this.#queue.length < HIGH_WATER_DGRAMS && this.#queuedBytes < HIGH_WATER_BYTES;
    const busy = this.#waiters.length > 0 || this.#pendingSends > 0;
    if (this.#dgram) {
      if (want && !this.#reading) this.#dgram.startReading(DGRAM_MAX, (batch) => this.#arrived(batch.map((d) => d.data)), 256);
      else if (!want && this.#reading) this.#dgram.stopReading();
      this.#dgram.ref(busy);
    } else if (this.#stream) {
      if (want && !this.#reading) this.#stream.resume();
      else if (!want && this.#reading) this.#stream.pause();
      if (busy) this.#stream.ref();
      else this.#stream.unref();
    }
    this.#reading = want;
  }

  #setError(code: number, message: string): false {
    this.errCode = code;
    this.errMsg = message;
    return false;
  }
}

function errnoOf(e: unknown): number {
  const n = (e as { errno?: number }).errno;
  // Node reports negative errnos (libuv style); the addon positive ones.
  return typeof n === 'number' ? Math.abs(n) : constants.errno.EIO;
}
