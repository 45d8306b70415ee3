import { createHash } from 'node:crypto';
import type { BytesSummary } from '../protocol/messages.ts';
import { summarize } from '../protocol/bytes.ts';

/** Summary of the bytes a case expects, in the form adapters report (compare with deepEqual). */
export function expected(data: Buffer): BytesSummary {
  return summarize(data);
}

export function pattern(len: number, byte = 0x61): Buffer {
  return Buffer.alloc(len, byte);
}

/** A distinguishable payload (position-dependent), so truncation at any point is visible. */
export function ramp(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
