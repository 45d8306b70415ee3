import { ErrorCode, framingError, type FramingError } from '../errors.ts';
import type { FrameSink, StreamDecoder } from './decoder.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

/**
 * Process\Pool SWOOLE_IPC_SOCKET frames (F1–F6): a 4-byte big-endian unsigned length N, then
 * N body bytes; only the body is delivered. N == 0 is "no length" (1202); N > max_package_size
 * is rejected on the header alone (1201) so a lying peer never makes us buffer its body.
 * Frames lying inside one chunk are delivered as views, without a copy.
 */
export interface PoolFrameOptions {
  maxPackageSize: number;
}

const HEADER = 4;

export class PoolFrameDecoder implements StreamDecoder {
  readonly #max: number;
  readonly #header = Buffer.alloc(HEADER);
  #headerFill = 0;
  #body: Buffer | null = null;
  #bodyFill = 0;
  #error: FramingError | null = null;

  constructor(options: PoolFrameOptions) {
    if (!Number.isInteger(options.maxPackageSize) || options.maxPackageSize < 0) {
      throw new TypeError(`maxPackageSize must be a non-negative integer, got ${String(options.maxPackageSize)}`);
    }
    this.#max = options.maxPackageSize;
  }

  get bufferedBytes(): number {
    return this.#headerFill + this.#bodyFill;
  }

  push(chunk: Buffer, sink: FrameSink): FramingError | null {
    if (this.#error) return this.#error;
    const n = chunk.length;
    let off = 0;
    while (off < n) {
      if (this.#body) {
        const take = Math.min(this.#body.length - this.#bodyFill, n - off);
        chunk.copy(this.#body, this.#bodyFill, off, off + take);
        this.#bodyFill += take;
        off += take;
        if (this.#bodyFill === this.#body.length) {
          const frame = this.#body;
          this.#body = null;
          this.#bodyFill = 0;
          sink(frame);
        }
        continue;
      }
      let length: number;
      if (this.#headerFill === 0 && n - off >= HEADER) {
        length = chunk.readUInt32BE(off);
        off += HEADER;
      } else {
        const take = Math.min(HEADER - this.#headerFill, n - off);
        chunk.copy(this.#header, this.#headerFill, off, off + take);
        this.#headerFill += take;
        off += take;
        if (this.#headerFill < HEADER) return null;
        this.#headerFill = 0;
        length = this.#header.readUInt32BE(0);
      }
      if (length === 0) return this.#fail(framingError(ErrorCode.PACKAGE_LENGTH_NOT_FOUND, 'frame length is 0'));
      if (length > this.#max) {
        return this.#fail(framingError(ErrorCode.PACKAGE_LENGTH_TOO_LARGE, `frame length ${length} exceeds max_package_size ${this.#max}`));
      }
      if (n - off >= length) {
        sink(chunk.subarray(off, off + length));
        off += length;
      } else {
        this.#body = Buffer.allocUnsafe(length);
        this.#bodyFill = 0;
      }
    }
    return null;
  }

  end(): FramingError | null {
    if (this.#error) return this.#error;
    if (this.#headerFill > 0 || this.#body) {
      // Swoole 6.2.1 delivers such a frame padded with stale bytes; we drop it (do not mirror).
      return this.#fail(framingError(ErrorCode.INCOMPLETE_FRAME, `peer closed inside a frame (${this.bufferedBytes} bytes buffered)`));
    }
    return null;
  }

  #fail(error: FramingError): FramingError {
    this.#error = error;
    this.#header.fill(0);
    this.#headerFill = 0;
    this.#body = null;
    this.#bodyFill = 0;
    return error;
  }
}

/** One response frame (F6): every write() of one message, concatenated behind one BE length. */
export function encodePoolFrame(parts: readonly Buffer[]): Buffer {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = Buffer.allocUnsafe(HEADER + total);
  out.writeUInt32BE(total, 0);
  let at = HEADER;
  for (const p of parts) at += p.copy(out, at);
  return out;
}
