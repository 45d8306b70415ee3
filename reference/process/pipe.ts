/**
 * One end of a Process pipe (a SOCK_DGRAM or SOCK_STREAM socketpair end) driven synchronously,
 * like Swoole's sync mode: write() and read() block the calling thread. Each call waits with
 * poll(2) first, so it works whether or not something (an exported socket, Node's stdio)
 * has made the shared file description non-blocking, and so a wait can notice that the peer
 * process is gone instead of blocking forever on a datagram socket (which never reports EOF).
 */
import { readSync, writeSync } from 'node:fs';
import type { NativeAddon } from '../native/api.ts';

export type PipeType = 'dgram' | 'stream';

/** How often a blocked read/write re-checks that the peer process still exists. */
const LIVENESS_SLICE_MS = 100;

const isAgain = (e: unknown): boolean => {
  const code = (e as { code?: string }).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR';
};

export class ProcessPipe {
  readonly type: PipeType;
  readonly #native: NativeAddon;
  #fd: number;
  readonly #owned: boolean;
  readonly #peerGone: () => boolean;

  /**
   * `owned`: close() closes the fd (false for a handle onto an fd someone else manages).
   * `peerGone`: true once the process at the other end has exited.
   */
  constructor(native: NativeAddon, fd: number, type: PipeType, owned: boolean, peerGone: () => boolean) {
    this.#native = native;
    this.#fd = fd;
    this.type = type;
    this.#owned = owned;
    this.#peerGone = peerGone;
  }

  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Blocks until `events` is possible; false when the peer process is gone first. */
  #await(events: 'in' | 'out'): boolean {
    for (;;) {
      const r = this.#native.pollFd(this.#fd, events, LIVENESS_SLICE_MS);
      if (r !== 'timeout') return true;
      if (this.#peerGone()) return this.#native.pollFd(this.#fd, events, 0) !== 'timeout';
    }
  }

  /** Datagram: one message. Stream: every byte. Returns the bytes written; throws an errno error. */
  write(data: Buffer): number {
    let off = 0;
    for (;;) {
      if (!this.#await('out')) throw Object.assign(new Error('the peer process is gone'), { code: 'EPIPE' });
      try {
        const n = writeSync(this.#fd, data, off, data.length - off);
        if (this.type === 'dgram') return n;
        off += n;
        if (off >= data.length) return off;
      } catch (e) {
        if (!isAgain(e)) throw e;
      }
    }
  }

  /** One read of at most `size` bytes: a datagram (cut to size) or what the stream has. Empty at EOF or when the peer is gone. */
  read(size: number): Buffer {
    const buf = Buffer.allocUnsafe(size);
    for (;;) {
      if (!this.#await('in')) return Buffer.alloc(0);
      try {
        const n = readSync(this.#fd, buf, 0, size, null);
        return n === size ? buf : Buffer.from(buf.subarray(0, n));
      } catch (e) {
        if (!isAgain(e)) throw e;
      }
    }
  }

  shutdown(how: 'read' | 'write'): void {
    this.#native.shutdown(this.#fd, how);
  }

  /** Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    if (this.#owned) this.#native.close(fd);
  }
}
