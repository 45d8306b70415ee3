/**
 * The replies of one read, as the one buffer that is written. Parts that are adjacent views of
 * one ArrayBuffer, in order (an echo of the frames of one read, which are views of that read's
 * chunk), are already that buffer: one view of the run, no copy. Otherwise they are copied
 * into one (cheaper to write than a corked writev of many small ones).
 */
import { Buffer } from 'node:buffer';

export function coalesce(parts: readonly Buffer[], bytes: number): Buffer {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const ab = first.buffer;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.buffer !== ab || p.byteOffset !== end) return Buffer.concat(parts, bytes);
    end += p.length;
  }
  return Buffer.from(ab, first.byteOffset, end - first.byteOffset);
}
