/**
 * A connection's output once sendfile() is in play: buffers and file ranges leave in call
 * order. A file range is read in CHUNK-byte pieces, and the next piece is read only after the
 * socket took the previous one (write() returned true, or 'drain'), so a large file never sits
 * in memory: at most one chunk plus what send() queued meanwhile. The server routes every write
 * of the connection through here while `active` (then back to the socket directly).
 */
import { closeSync, read } from 'node:fs';

export const CHUNK = 64 * 1024;

/** The part of net.Socket this needs. */
export interface OutputSocket {
  write(data: Buffer, cb?: (err?: Error | null) => void): boolean;
  end(): unknown;
  once(event: 'drain' | 'close', fn: () => void): unknown;
  off(event: 'drain' | 'close', fn: () => void): unknown;
  readonly destroyed: boolean;
}

interface FileRange {
  fd: number;
  offset: number;
  remaining: number;
}

type Item = { buf: Buffer; cb?: (ok: boolean) => void } | { file: FileRange };

export class FileOutput {
  readonly #socket: OutputSocket;
  readonly #items: Item[] = [];
  #pumping = false;
  #ending = false;
  #queuedBytes = 0;
  /** Called after each piece the socket accepted (watermark checks). */
  onWritten: (() => void) | null = null;

  constructor(socket: OutputSocket) {
    this.#socket = socket;
  }

  /** True while anything is queued or a file piece is on its way. */
  get active(): boolean {
    return this.#pumping || this.#items.length > 0;
  }

  /** Bytes of queued buffers (file ranges are on disk, not counted). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Queues `length` bytes of the open file `fd` from `offset`; the fd is closed when done. */
  file(fd: number, offset: number, length: number): void {
    this.#items.push({ file: { fd, offset, remaining: length } });
    this.#pump();
  }

  /** Queues a buffer behind what is queued; `cb(true)` once the socket took it. */
  push(buf: Buffer, cb?: (ok: boolean) => void): void {
    this.#items.push({ buf, cb });
    this.#queuedBytes += buf.length;
    this.#pump();
  }

  /** Ends the socket after everything queued has been written. */
  end(): void {
    this.#ending = true;
    this.#pump();
  }

  /** Drops what is queued (reset or a dead socket); open files are closed. */
  destroy(): void {
    for (const it of this.#items.splice(0)) {
      if ('file' in it) closeQuietly(it.file.fd);
      else it.cb?.(false);
    }
    this.#queuedBytes = 0;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#run().finally(() => {
      this.#pumping = false;
      if (this.#ending && !this.#socket.destroyed) this.#socket.end();
    });
  }

  async #run(): Promise<void> {
    const s = this.#socket;
    while (this.#items.length > 0) {
      if (s.destroyed) {
        this.destroy();
        return;
      }
      const it = this.#items[0]!;
      if ('buf' in it) {
        this.#items.shift();
        this.#queuedBytes -= it.buf.length;
        const ok = s.write(it.buf, it.cb ? (err) => it.cb!(!err) : undefined);
        this.onWritten?.();
        if (!ok) await this.#drained();
        continue;
      }
      const f = it.file;
      if (f.remaining <= 0) {
        this.#items.shift();
        closeQuietly(f.fd);
        continue;
      }
      const chunk = await readChunk(f.fd, f.offset, Math.min(CHUNK, f.remaining));
      if (chunk === null || chunk.length === 0) {
        // The file shrank or failed under us: what was sent stays sent; the rest is skipped.
        f.remaining = 0;
        continue;
      }
      f.offset += chunk.length;
      f.remaining -= chunk.length;
      if (s.destroyed) continue;
      const ok = s.write(chunk);
      this.onWritten?.();
      if (!ok) await this.#drained();
    }
  }

  /** Resolves true on 'drain', false when the socket closed first. */
  #drained(): Promise<boolean> {
    const s = this.#socket;
    if (s.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => () => {
        s.off('drain', onDrain);
        s.off('close', onClose);
        resolve(ok);
      };
      const onDrain = done(true);
      const onClose = done(false);
      s.once('drain', onDrain);
      s.once('close', onClose);
    });
  }
}

function readChunk(fd: number, position: number, length: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const buf = Buffer.allocUnsafe(length);
    read(fd, buf, 0, length, position, (err, n) => resolve(err ? null : buf.subarray(0, n)));
  });
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
