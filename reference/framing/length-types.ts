/**
 * The 14 `package_length_type` codes Swoole accepts (L2), as PHP pack() letters. Host order is
 * little-endian on the platforms this kit targets. 64-bit values are read as int64 (L3): an
 * unsigned value ≥ 2^63 comes out negative, i.e. malformed; values past 2^53 lose precision but
 * stay far above any package_max_length, so "too large" is still decided correctly.
 */

export type LengthTypeCode = 'c' | 'C' | 's' | 'S' | 'n' | 'v' | 'l' | 'L' | 'N' | 'V' | 'q' | 'Q' | 'J' | 'P';

export interface LengthType {
  readonly code: LengthTypeCode;
  readonly width: 1 | 2 | 4 | 8;
  /** Reads the length field at `offset`; the caller guarantees `width` bytes are there. */
  readonly read: (buf: Buffer, offset: number) => number;
}

const int64 = (v: bigint): number => Number(BigInt.asIntN(64, v));

export const LENGTH_TYPES: Readonly<Record<LengthTypeCode, LengthType>> = Object.freeze({
  c: { code: 'c', width: 1, read: (b, o) => b.readInt8(o) },
  C: { code: 'C', width: 1, read: (b, o) => b[o]! },
  s: { code: 's', width: 2, read: (b, o) => b.readInt16LE(o) },
  S: { code: 'S', width: 2, read: (b, o) => b.readUInt16LE(o) },
  n: { code: 'n', width: 2, read: (b, o) => b.readUInt16BE(o) },
  v: { code: 'v', width: 2, read: (b, o) => b.readUInt16LE(o) },
  l: { code: 'l', width: 4, read: (b, o) => b.readInt32LE(o) },
  L: { code: 'L', width: 4, read: (b, o) => b.readUInt32LE(o) },
  N: { code: 'N', width: 4, read: (b, o) => b.readUInt32BE(o) },
  V: { code: 'V', width: 4, read: (b, o) => b.readUInt32LE(o) },
  q: { code: 'q', width: 8, read: (b, o) => int64(b.readBigInt64LE(o)) },
  Q: { code: 'Q', width: 8, read: (b, o) => int64(b.readBigUInt64LE(o)) },
  J: { code: 'J', width: 8, read: (b, o) => int64(b.readBigUInt64BE(o)) },
  P: { code: 'P', width: 8, read: (b, o) => int64(b.readBigUInt64LE(o)) },
});

/** Only the first character of the option counts (Swoole reads `type[0]`); null when not one of the 14. */
export function lengthTypeOf(option: string): LengthType | null {
  const first = option.charAt(0);
  return Object.hasOwn(LENGTH_TYPES, first) ? LENGTH_TYPES[first as LengthTypeCode] : null;
}
