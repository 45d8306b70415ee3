import { Limits } from '../constants.ts';
import { ErrorCode, SwooleError, framingError, type FramingError } from '../errors.ts';
import type { FrameSink, StreamDecoder } from './decoder.ts';
import { lengthTypeOf, type LengthType } from './length-types.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

/**
 * Server `open_length_check` framing (L1–L14). total = package_body_offset + length value; the
 * delivered packet is the whole packet, header included. Decisions are made on the header
 * alone (negative → 1204, total > max → 1201, total 0 → 1202), so memory stays bounded by the
 * header size whatever length a peer claims. Frames lying inside one chunk are views.
 */

/** `package_length_func`: everything buffered so far → total length (>0), wait (0), malformed (<0). */
export type LengthFunc = (buffered: Buffer) => number;

export interface LengthConfig {
  lengthType: LengthType;
  lengthOffset: number;
  bodyOffset: number;
  /** Effective package_max_length (after the 64 KiB floor when it came from Swoole options). */
  maxLength: number;
  lengthFunc?: LengthFunc | undefined;
}

function integerOption(options: Record<string, unknown>, name: string, fallback: number): number {
  const v = options[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new SwooleError(ErrorCode.INVALID_OPTION, `${name} must be an integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function offsetOption(options: Record<string, unknown>, name: string, value: number): number {
  // Swoole clamps to [0, 65535] and then rejects > 8152 (L12); we reject both ends clearly.
  if (value < 0 || value > Limits.IPC_BUFFER_SIZE) {
    throw new SwooleError(ErrorCode.INVALID_OFFSET, `${name} must be within [0, ${Limits.IPC_BUFFER_SIZE}], got ${value}`);
  }
  return value;
}

/** The effective package_max_length of a started server (L13): never below 64 KiB. */
export function effectiveMaxLength(packageMaxLength: number): number {
  return Math.max(Limits.BUFFER_MIN_SIZE, packageMaxLength);
}

/** Reads the max-length option (shared by the length and EOF protocols). */
export function packageMaxLengthOption(options: Record<string, unknown>): number {
  const v = integerOption(options, 'package_max_length', Limits.INPUT_BUFFER_SIZE);
  if (v < 0) throw new SwooleError(ErrorCode.INVALID_OPTION, `package_max_length must be ≥ 0, got ${v}`);
  return effectiveMaxLength(Math.min(v, 0xffffffff));
}

/** Swoole set() options → a validated LengthConfig, with Swoole's defaults (L1) and floor (L13). */
export function resolveLengthOptions(options: Record<string, unknown>): LengthConfig {
  const typeOption = options.package_length_type ?? 'N';
  if (typeof typeOption !== 'string') {
    throw new SwooleError(ErrorCode.INVALID_LENGTH_TYPE, `package_length_type must be a string, got ${JSON.stringify(typeOption)}`);
  }
  const lengthType = lengthTypeOf(typeOption);
  if (!lengthType) {
    throw new SwooleError(ErrorCode.INVALID_LENGTH_TYPE, `unknown package_length_type '${typeOption}': use one of c C s S n v l L N V q Q J P`);
  }
  const lengthOffset = offsetOption(options, 'package_length_offset', integerOption(options, 'package_length_offset', 0));
  const bodyName = options.package_body_offset !== undefined ? 'package_body_offset' : 'package_body_start';
  const bodyOffset = offsetOption(options, bodyName, integerOption(options, bodyName, 4));
  const func = options.package_length_func;
  if (func !== undefined && func !== null && typeof func !== 'function') {
    throw new SwooleError(ErrorCode.INVALID_OPTION, 'package_length_func must be a function');
  }
  return { lengthType, lengthOffset, bodyOffset, maxLength: packageMaxLengthOption(options), lengthFunc: (func as LengthFunc | undefined) ?? undefined };
}

export class LengthDecoder implements StreamDecoder {
  readonly #type: LengthType;
  readonly #lengthOffset: number;
  readonly #bodyOffset: number;
  readonly #headerSize: number;
  readonly #max: number;
  readonly #func: LengthFunc | undefined;
  /** Pending bytes: the header (total unknown) or the whole packet (total known). */
  #pending: Buffer;
  #fill = 0;
  #total = -1;
  #error: FramingError | null = null;

  constructor(config: LengthConfig) {
    if (!Number.isInteger(config.maxLength) || config.maxLength < 1) throw new TypeError('maxLength must be a positive integer');
    this.#type = config.lengthType;
    this.#lengthOffset = config.lengthOffset;
    this.#bodyOffset = config.bodyOffset;
    this.#headerSize = config.lengthOffset + config.lengthType.width;
    this.#max = config.maxLength;
    this.#func = config.lengthFunc;
    this.#pending = Buffer.allocUnsafe(this.#func ? 0 : this.#headerSize);
  }

  get bufferedBytes(): number {
    return this.#fill;
  }

  push(chunk: Buffer, sink: FrameSink): FramingError | null {
    if (this.#error) return this.#error;
    return this.#func ? this.#pushFunc(chunk, sink, this.#func) : this.#pushFixed(chunk, sink);
  }

  end(): FramingError | null {
    if (this.#error) return this.#error;
    if (this.#fill > 0) return this.#fail(framingError(ErrorCode.INCOMPLETE_FRAME, `peer closed with ${this.#fill} bytes of an incomplete packet`));
    return null;
  }

  /** total for a complete header at `at`, or an error. */
  #totalAt(buf: Buffer, at: number): number | FramingError {
    const value = this.#type.read(buf, at + this.#lengthOffset);
    if (value < 0) return framingError(ErrorCode.PACKAGE_MALFORMED_DATA, `negative length ${value}`);
    const total = this.#bodyOffset + value;
    if (total === 0) return framingError(ErrorCode.PACKAGE_LENGTH_NOT_FOUND, 'no length found: the packet length is 0');
    if (total > this.#max) return framingError(ErrorCode.PACKAGE_LENGTH_TOO_LARGE, `packet length ${total} is too large (max ${this.#max})`);
    // Swoole leaves this undefined (L11); a packet shorter than its own header is malformed here.
    if (total < this.#headerSize) return framingError(ErrorCode.PACKAGE_MALFORMED_DATA, `packet length ${total} is shorter than its ${this.#headerSize}-byte header`);
    return total;
  }

  #pushFixed(chunk: Buffer, sink: FrameSink): FramingError | null {
    const n = chunk.length;
    const header = this.#headerSize;
    let off = 0;
    if (this.#fill > 0 || this.#total >= 0) {
      // A packet begun in an earlier chunk: complete its header, then its body.
      if (this.#total < 0) {
        const take = Math.min(header - this.#fill, n);
        chunk.copy(this.#pending, this.#fill, 0, take);
        this.#fill += take;
        off = take;
        if (this.#fill < header) return null;
        const total = this.#totalAt(this.#pending, 0);
        if (typeof total !== 'number') return this.#fail(total);
        const packet = Buffer.allocUnsafe(total);
        this.#pending.copy(packet, 0, 0, header);
        this.#pending = packet;
        this.#total = total;
      }
      const take = Math.min(this.#total - this.#fill, n - off);
      chunk.copy(this.#pending, this.#fill, off, off + take);
      this.#fill += take;
      off += take;
      if (this.#fill < this.#total) return null;
      const packet = this.#pending;
      this.#pending = Buffer.allocUnsafe(header);
      this.#fill = 0;
      this.#total = -1;
      sink(packet);
    }
    // Packets wholly inside the chunk: views of it. The settings are read once per chunk (the
    // hot loop of a server: one pass per frame, no per-frame field loads).
    const type = this.#type;
    const lengthOffset = this.#lengthOffset;
    const bodyOffset = this.#bodyOffset;
    const max = this.#max;
    while (n - off >= header) {
      const value = type.read(chunk, off + lengthOffset);
      const total = bodyOffset + value;
      if (value < 0 || total === 0 || total > max || total < header) return this.#fail(this.#totalAt(chunk, off) as FramingError);
      if (n - off < total) {
        this.#pending = Buffer.allocUnsafe(total);
        chunk.copy(this.#pending, 0, off, n);
        this.#fill = n - off;
        this.#total = total;
        return null;
      }
      sink(chunk.subarray(off, off + total));
      off += total;
    }
    if (off < n) {
      // Part of the next header.
      chunk.copy(this.#pending, 0, off, n);
      this.#fill = n - off;
    }
    return null;
  }

  #pushFunc(chunk: Buffer, sink: FrameSink, func: LengthFunc): FramingError | null {
    if (this.#fill + chunk.length > this.#pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#fill + chunk.length, this.#pending.length * 2, 256));
      this.#pending.copy(grown, 0, 0, this.#fill);
      this.#pending = grown;
    }
    chunk.copy(this.#pending, this.#fill);
    this.#fill += chunk.length;
    let start = 0;
    while (start < this.#fill) {
      const buffered = this.#pending.subarray(start, this.#fill);
      let total: number;
      try {
        total = Math.trunc(Number(func(buffered)));
      } catch (err) {
        return this.#fail(framingError(ErrorCode.PACKAGE_MALFORMED_DATA, `package_length_func threw: ${String(err)}`));
      }
      if (Number.isNaN(total) || total < 0) return this.#fail(framingError(ErrorCode.PACKAGE_MALFORMED_DATA, `package_length_func returned ${total}`));
      if (total === 0) {
        // L14: nothing decided although a whole read's worth is buffered → give up (1202).
        if (buffered.length >= Limits.IPC_BUFFER_SIZE) return this.#fail(framingError(ErrorCode.PACKAGE_LENGTH_NOT_FOUND, 'package_length_func found no length'));
        break;
      }
      if (total > this.#max) return this.#fail(framingError(ErrorCode.PACKAGE_LENGTH_TOO_LARGE, `packet length ${total} is too large (max ${this.#max})`));
      if (buffered.length < total) break;
      sink(Buffer.from(buffered.subarray(0, total)));
      start += total;
    }
    if (start > 0) {
      this.#pending.copy(this.#pending, 0, start, this.#fill);
      this.#fill -= start;
    }
    return null;
  }

  #fail(error: FramingError): FramingError {
    this.#error = error;
    this.#pending = Buffer.alloc(0);
    this.#fill = 0;
    this.#total = -1;
    return error;
  }
}
