import net from 'node:net';

/** How the peer ended the connection, as the runner observed it. */
export type CloseKind = 'eof' | 'rst' | 'open';

export interface ClientOutcome {
  data: Buffer;
  close: CloseKind;
}

/**
 * A stream client with exact byte control: split writes, half-close, RST. It records every
 * byte received and how the connection ended.
 */
export class RawClient {
  readonly #sock: net.Socket;
  readonly #chunks: Buffer[] = [];
  #close: CloseKind = 'open';
  #onData: (() => void) | undefined;
  readonly #ended: Promise<void>;
  readonly #connected: Promise<void>;

  constructor(target: { path: string } | { host: string; port: number }) {
    this.#sock = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
    this.#sock.setNoDelay(true);
    this.#connected = new Promise((resolve, reject) => {
      this.#sock.once('connect', resolve);
      this.#sock.once('error', reject);
    });
    this.#ended = new Promise((resolve) => {
      this.#sock.on('data', (c: Buffer) => {
        this.#chunks.push(c);
        this.#onData?.();
      });
      this.#sock.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNRESET' || e.code === 'EPIPE') this.#close = 'rst';
      });
      this.#sock.on('end', () => {
        if (this.#close === 'open') this.#close = 'eof';
      });
      this.#sock.on('close', () => resolve());
    });
    // keep error events from becoming uncaught
    this.#connected.catch(() => {});
  }

  connected(): Promise<void> {
    return this.#connected;
  }

  /** Writes one chunk and waits until the kernel took it (so chunk boundaries are real writes). */
  async write(data: Buffer): Promise<void> {
    await this.#connected;
    await new Promise<void>((resolve) => {
      if (this.#sock.destroyed) return resolve();
      this.#sock.write(data, () => resolve());
    });
  }

  /** Stops reading: the kernel buffers fill and the peer's sends back up (flow control). */
  pause(): void {
    this.#sock.pause();
  }

  /** Reads again after pause(). */
  resume(): void {
    this.#sock.resume();
  }

  /** Half-close: FIN, keep reading. */
  halfClose(): void {
    this.#sock.end();
  }

  /** Abortive close (RST). */
  reset(): void {
    this.#sock.resetAndDestroy();
  }

  destroy(): void {
    this.#sock.destroy();
  }

  /** Waits until at least `n` bytes arrived, the peer closed, or `ms` passed; returns what came. */
  async readAtLeast(n: number, ms: number): Promise<Buffer> {
    let timer: NodeJS.Timeout | undefined;
    const enough = new Promise<void>((resolve) => {
      const check = () => {
        if (this.received.length >= n) resolve();
      };
      this.#onData = check;
      check();
    });
    await Promise.race([enough, this.#ended, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    this.#onData = undefined;
    return this.received;
  }

  get received(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** Waits until the peer closes (EOF or RST) or `ms` passes; then reports what came back. */
  async outcome(ms: number): Promise<ClientOutcome> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#ended, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    return { data: this.received, close: this.#close };
  }
}
