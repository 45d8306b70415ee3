/**
 * A listening TCP or unix stream port served by this process. The addon accepts (openAcceptor)
 * and each connection becomes a net.Socket that reads into one buffer shared by every
 * connection of the process (node's `onread` option): no readable-stream machinery and no
 * fresh 64 KiB allocation per read, about a tenth of a BASE echo's CPU. Each read is copied out
 * at its size, since the frames handed to onReceive outlive it.
 * It stands in for the net.Server the Server used before: `listening`, and close(cb) with cb
 * once every connection it accepted has closed.
 */
import net from 'node:net';
import { Buffer } from 'node:buffer';
import type { Acceptor, NativeAddon } from '../native/api.ts';
import { ErrorCode } from '../errors.ts';

/** One accepted connection; the server sets onChunk before it resumes the socket. */
export interface Accepted {
  readonly socket: net.Socket;
  /** The fd the connection was accepted on (the session's socket fd). */
  readonly fd: number;
  onChunk: (chunk: Buffer) => void;
}

const EMFILE = 24;
const ENFILE = 23;
/** Out of fds: stop accepting this long, then try again (the backlog keeps the rest waiting). */
const FD_RETRY_MS = 100;

/** Every connection reads here, then is copied out: reads are synchronous, one at a time. */
let shared: Buffer | null = null;
/** Its memory, kept apart: Buffer#subarray reads `.buffer`, a call into C++, on every read. */
let sharedMemory: ArrayBuffer | null = null;
const readBuffer = (): Buffer => {
  if (!shared) {
    shared = Buffer.allocUnsafeSlow(64 * 1024);
    sharedMemory = shared.buffer as ArrayBuffer;
  }
  return shared;
};

const ignore = (): void => {};

export class StreamListener {
  readonly #native: NativeAddon;
  readonly #acceptor: Acceptor;
  readonly #onConnection: (a: Accepted) => void;
  #open = 0;
  #retry: NodeJS.Timeout | null = null;
  #waiters: (() => void)[] = [];
  listening = true;

  constructor(native: NativeAddon, fd: number, onConnection: (a: Accepted) => void) {
    this.#native = native;
    this.#onConnection = onConnection;
    this.#acceptor = native.openAcceptor(fd, (fds, errno) => this.#accepted(fds, errno));
    this.#acceptor.start();
  }

  #accepted(fds: number[], errno: number): void {
    for (const fd of fds) {
      if (!this.listening) {
        this.#native.close(fd);
        continue;
      }
      this.#onConnection(this.#wrap(fd));
    }
    if (errno === 0 || !this.listening) return;
    // EMFILE/ENFILE: level-triggered readiness would fire again at once; wait instead.
    process.emitWarning(`accept() failed: errno ${errno}${errno === EMFILE || errno === ENFILE ? ' (out of file descriptors)' : ''}; retrying in ${FD_RETRY_MS} ms`, { code: String(ErrorCode.SYSTEM_CALL_FAIL), type: 'SwooleWarning' });
    this.#acceptor.stop();
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.listening) this.#acceptor.start();
    }, FD_RETRY_MS);
  }

  #wrap(fd: number): Accepted {
    const a: Accepted = {
      fd,
      onChunk: ignore,
      socket: new net.Socket({
        fd,
        readable: true,
        writable: true,
        pauseOnCreate: true,
        onread: {
          buffer: readBuffer(),
          callback: (n: number, buf: Uint8Array) => {
            const chunk = Buffer.allocUnsafe(n);
            chunk.set(n === buf.length ? buf : new Uint8Array(sharedMemory!, 0, n));
            a.onChunk(chunk);
          },
        },
      } as net.SocketConstructorOpts),
    };
    this.#open++;
    a.socket.once('close', () => {
      if (--this.#open === 0 && !this.listening) this.#drained();
    });
    return a;
  }

  #drained(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Stops accepting (the fd stays the port's); cb once every accepted connection has closed. */
  close(cb?: () => void): void {
    if (cb) this.#waiters.push(cb);
    if (this.listening) {
      this.listening = false;
      if (this.#retry) clearTimeout(this.#retry);
      this.#acceptor.close();
    }
    if (this.#open === 0) queueMicrotask(() => this.#drained());
  }
}
