import { createHash } from 'node:crypto';

/** Byte strings as fixture files spell them: hex, or a list of {hex} / {fill, length} runs. */
export type Segment = { hex: string } | { fill: string; length: number };
export type JsonBytes = string | Segment[];
export type FrameExpectation = JsonBytes | { length: number; sha256: string };

export function bytesOf(j: JsonBytes): Buffer {
  if (typeof j === 'string') return Buffer.from(j, 'hex');
  return Buffer.concat(j.map((s) => ('hex' in s ? Buffer.from(s.hex, 'hex') : Buffer.alloc(s.length, Buffer.from(s.fill, 'hex')))));
}

/** {len, sha256} of an expected frame, whichever way the fixture wrote it. */
export function digestOf(f: FrameExpectation): { len: number; sha256: string } {
  if (typeof f === 'object' && !Array.isArray(f)) return { len: f.length, sha256: f.sha256 };
  const b = bytesOf(f);
  return { len: b.length, sha256: createHash('sha256').update(b).digest('hex') };
}
