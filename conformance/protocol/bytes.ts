import { createHash } from 'node:crypto';
import type { BytesSpec, BytesSummary } from './messages.ts';

/** The summary an adapter reports for a payload it observed. */
export function summarize(data: Buffer): BytesSummary {
  return {
    $bytes: {
      len: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      head: data.subarray(0, 32).toString('hex'),
    },
  };
}

/** Materialises a runner-supplied payload spec into bytes. */
export function materialize(spec: BytesSpec): Buffer {
  const b = spec.$bytes;
  if ('hex' in b) return Buffer.from(b.hex, 'hex');
  const pattern = Buffer.from(b.fill, 'hex');
  const out = Buffer.alloc(b.len);
  if (pattern.length > 0) out.fill(pattern);
  return out;
}

export function hexBytes(data: Buffer | string): BytesSpec {
  return { $bytes: { hex: Buffer.from(data).toString('hex') } };
}

export function fillBytes(len: number, fill = '61'): BytesSpec {
  return { $bytes: { fill, len } };
}

export function isBytesSummary(v: unknown): v is BytesSummary {
  return typeof v === 'object' && v !== null && '$bytes' in v;
}

export function isBytesSpec(v: unknown): v is BytesSpec {
  return typeof v === 'object' && v !== null && '$bytes' in v;
}
