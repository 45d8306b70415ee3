import { Limits } from '../constants.ts';
import { ErrorCode, SwooleError, framingError, type FramingError } from '../errors.ts';
import type { FrameSink, StreamDecoder } from './decoder.ts';
import { packageMaxLengthOption } from './length.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

/**
 * Server EOF framing (E1–E4).
 * - eof_check (split false): each push is one read. Once the buffer ENDS with the EOF, the whole
 *   buffer goes out as one packet (it may hold several messages); an EOF in the middle is not
 *   split on. Like Swoole's bounded buffer, a read never takes the buffer past maxLength.
 * - eof_split: one packet per EOF occurrence, EOF included; the tail waits for more bytes.
 * Either way, maxLength bytes buffered without an EOF → 1201. The EOF test comes first, so a
 * packet of exactly maxLength bytes ending with the EOF is accepted.
 */
export interface EofConfig {
  eof: Buffer;
  split: boolean;
  maxLength: number;
}

/** Swoole set() options → EofConfig (package_eof default "\r\n\r\n", 1..8 bytes; split implies check). */
export function resolveEofOptions(options: Record<string, unknown>): EofConfig {
  const raw = options.package_eof ?? Limits.DEFAULT_EOF;
  if (typeof raw !== 'string' && !Buffer.isBuffer(raw)) {
    throw new SwooleError(ErrorCode.INVALID_EOF, 'package_eof must be a string');
  }
  const eof = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : Buffer.from(raw);
  if (eof.length === 0) throw new SwooleError(ErrorCode.INVALID_EOF, 'package_eof cannot be an empty string');
  if (eof.length > Limits.EOF_MAX_LEN) throw new SwooleError(ErrorCode.INVALID_EOF, `package_eof max length is ${Limits.EOF_MAX_LEN}, got ${eof.length}`);
  return { eof, split: options.open_eof_split === true, maxLength: packageMaxLengthOption(options) };
}

/** L15: which protocol a port's options select; EOF wins when both checks are on. */
export function selectProtocol(options: Record<string, unknown>): 'eof' | 'length' | null {
  if (options.open_eof_check === true || options.open_eof_split === true) return 'eof';
  if (options.open_length_check === true) return 'length';
  return null;
}

export class EofDecoder implements StreamDecoder {
  readonly #eof: Buffer;
  readonly #split: boolean;
  readonly #max: number;
  #buf: Buffer;
  #fill = 0;
  /** Bytes of #buf already searched for the EOF (split mode). */
  #scanned = 0;
  #error: FramingError | null = null;

  constructor(config: EofConfig) {
    if (config.eof.length < 1 || config.eof.length > Limits.EOF_MAX_LEN) throw new TypeError('eof must be 1..8 bytes');
    if (!Number.isInteger(config.maxLength) || config.maxLength < 1) throw new TypeError('maxLength must be a positive integer');
    this.#eof = Buffer.from(config.eof);
    this.#split = config.split;
    this.#max = config.maxLength;
    this.#buf = Buffer.allocUnsafe(Math.min(this.#max, 8192));
  }

  get bufferedBytes(): number {
    return this.#fill;
  }

  push(chunk: Buffer, sink: FrameSink): FramingError | null {
    if (this.#error) return this.#error;
    return this.#split ? this.#pushSplit(chunk, sink) : this.#pushCheck(chunk, sink);
  }

  end(): FramingError | null {
    if (this.#error) return this.#error;
    if (this.#fill > 0) return this.#fail(framingError(ErrorCode.INCOMPLETE_FRAME, `peer closed with ${this.#fill} bytes and no EOF`));
    return null;
  }

  #endsWithEof(buf: Buffer, end: number): boolean {
    const eof = this.#eof;
    if (end < eof.length) return false;
    for (let i = 0, j = end - eof.length; i < eof.length; i++, j++) if (buf[j] !== eof[i]) return false;
    return true;
  }

  #append(chunk: Buffer, from: number, to: number): void {
    const need = this.#fill + (to - from);
    if (need > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.#max, Math.max(need, this.#buf.length * 2)));
      this.#buf.copy(grown, 0, 0, this.#fill);
      this.#buf = grown;
    }
    chunk.copy(this.#buf, this.#fill, from, to);
    this.#fill = need;
  }

  #tooLarge(): FramingError {
    return this.#fail(framingError(ErrorCode.PACKAGE_LENGTH_TOO_LARGE, `${this.#max} bytes received without the EOF`));
  }

  #pushCheck(chunk: Buffer, sink: FrameSink): FramingError | null {
    const n = chunk.length;
    let off = 0;
    while (off < n) {
      const take = Math.min(n - off, this.#max - this.#fill);
      if (this.#fill === 0 && this.#endsWithEof(chunk, off + take)) {
        sink(chunk.subarray(off, off + take));
        off += take;
        continue;
      }
      this.#append(chunk, off, off + take);
      off += take;
      if (this.#endsWithEof(this.#buf, this.#fill)) {
        const packet = Buffer.from(this.#buf.subarray(0, this.#fill));
        this.#fill = 0;
        sink(packet);
      } else if (this.#fill >= this.#max) {
        return this.#tooLarge();
      }
    }
    return null;
  }

  #pushSplit(chunk: Buffer, sink: FrameSink): FramingError | null {
    const eofLen = this.#eof.length;
    let off = 0;
    if (this.#fill > 0) {
      // Complete the pending packet: only as many bytes as can reach its EOF within the limit.
      const take = Math.min(chunk.length, this.#max - this.#fill);
      this.#append(chunk, 0, take);
      const at = this.#buf.subarray(0, this.#fill).indexOf(this.#eof, Math.max(0, this.#scanned - eofLen + 1));
      if (at < 0) {
        this.#scanned = this.#fill;
        return this.#fill >= this.#max ? this.#tooLarge() : null;
      }
      const packetEnd = at + eofLen;
      const packet = Buffer.from(this.#buf.subarray(0, packetEnd));
      // Bytes of this chunk beyond the packet are parsed below, straight from the chunk.
      off = take - (this.#fill - packetEnd);
      this.#fill = 0;
      this.#scanned = 0;
      sink(packet);
    }
    const n = chunk.length;
    while (off < n) {
      const at = chunk.indexOf(this.#eof, off);
      if (at < 0 || at + eofLen - off > this.#max) {
        if (n - off >= this.#max) return this.#tooLarge();
        this.#append(chunk, off, n);
        this.#scanned = this.#fill;
        return null;
      }
      sink(chunk.subarray(off, at + eofLen));
      off = at + eofLen;
    }
    return null;
  }

  #fail(error: FramingError): FramingError {
    this.#error = error;
    this.#buf = Buffer.alloc(0);
    this.#fill = 0;
    this.#scanned = 0;
    return error;
  }
}
