/**
 * One end of a Process pipe (a SOCK_DGRAM or SOCK_STREAM socketpair end) driven synchronously,
 * like Swoole's sync mode: write() and read() block the calling thread. Each call tries a
 * non-blocking send/recv and waits with poll(2) only when that would block, so it works
 * whether or not something (an exported socket, Node's stdio) made the shared file
 * description non-blocking, and a wait can notice that the peer process is gone instead of
 * blocking forever on a datagram socket (which never reports EOF).
 */
import { constants } from 'node:os';
import type { ErrnoError, NativeAddon } from '../native/api.ts';

export type PipeType = 'dgram' | 'stream';

/** How often a blocked read/write re-checks that the peer process still exists. */
const LIVENESS_SLICE_MS = 100;

const { EAGAIN, EPIPE } = constants.errno;
const errnoNames = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!errnoNames.has(n)) errnoNames.set(n, name); // EAGAIN, not EWOULDBLOCK

/** The addon's error shape, for failures it reported as -errno values. */
function errnoError(errno: number, syscall: string): ErrnoError {
  const code = errnoNames.get(errno) ?? `E${errno}`;
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno, syscall });
}

export class ProcessPipe {
  readonly type: PipeType;
  readonly #native: NativeAddon;
  #fd: number;
  readonly #owned: boolean;
  readonly #peerGone: () => boolean;
  #scratch = Buffer.allocUnsafe(0);

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

  /** After a wait slice passed with nothing: false when the peer process is gone and the fd is still not ready. */
  #peerStillThere(events: 'in' | 'out'): boolean {
    return !this.#peerGone() || this.#native.pollFd(this.#fd, events, 0) !== 'timeout';
  }

  /** Datagram: one message. Stream: every byte. Returns the bytes written; throws an errno error. */
  write(data: Buffer): number {
    let off = 0;
    for (;;) {
      // Each call waits up to one slice when the socket is full, then we check on the peer.
      const n = this.#native.trySend(this.#fd, data, off, data.length - off, LIVENESS_SLICE_MS);
      if (n >= 0) {
        if (this.type === 'dgram') return n;
        off += n;
        if (off >= data.length) return off;
      } else if (n !== -EAGAIN) throw errnoError(-n, 'send');
      else if (!this.#peerStillThere('out')) throw errnoError(EPIPE, 'send');
    }
  }

  /** One read of at most `size` bytes: a datagram (cut to size) or what the stream has. Empty at EOF or when the peer is gone. */
  read(size: number): Buffer {
    if (this.#scratch.length < size) this.#scratch = Buffer.allocUnsafe(Math.max(size, 65536));
    for (;;) {
      const n = this.#native.tryRecv(this.#fd, this.#scratch, size, LIVENESS_SLICE_MS);
      if (n >= 0) return Buffer.from(this.#scratch.subarray(0, n));
      if (n !== -EAGAIN) throw errnoError(-n, 'recv');
      if (!this.#peerStillThere('in')) return Buffer.alloc(0);
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
