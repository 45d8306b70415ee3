/**
 * Decode throughput: 64-byte frames (frames/s) and 64 KiB frames (MB/s), fed in 1 MiB chunks
 * with frames straddling chunk boundaries; ours vs a naive Buffer.concat decoder, same run.
 */
import { PoolFrameDecoder } from '../reference/framing/pool-frame.ts';
import { LengthDecoder } from '../reference/framing/length.ts';
import { LENGTH_TYPES } from '../reference/framing/length-types.ts';

/** The baseline: keep a Buffer, concat every chunk onto it, slice frames off the front. */
class NaiveDecoder {
  #buf = Buffer.alloc(0);
  push(chunk: Buffer, sink: (f: Buffer) => void): null {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#buf.length < 4) return null;
      const n = this.#buf.readUInt32BE(0);
      if (this.#buf.length < 4 + n) return null;
      sink(this.#buf.subarray(4, 4 + n));
      this.#buf = this.#buf.subarray(4 + n);
    }
  }
}

function stream(frameBody: number, totalBytes: number): { chunks: Buffer[]; frames: number } {
  const frame = Buffer.alloc(4 + frameBody, 0x61);
  frame.writeUInt32BE(frameBody, 0);
  const frames = Math.floor(totalBytes / frame.length);
  const all = Buffer.allocUnsafe(frames * frame.length);
  for (let i = 0; i < frames; i++) frame.copy(all, i * frame.length);
  const chunks: Buffer[] = [];
  // 1 MiB chunks, offset by an odd amount so frames straddle chunk boundaries.
  for (let off = 0; off < all.length; off += (1 << 20) + 7) chunks.push(all.subarray(off, Math.min(all.length, off + (1 << 20) + 7)));
  return { chunks, frames };
}

type Decoder = { push(chunk: Buffer, sink: (f: Buffer) => void): unknown };

function measure(make: () => Decoder, chunks: Buffer[], expected: number): number {
  const d = make();
  let count = 0;
  const sink = (): void => void count++;
  const t0 = process.hrtime.bigint();
  for (const c of chunks) d.push(c, sink);
  const ns = Number(process.hrtime.bigint() - t0);
  if (count !== expected) throw new Error(`decoded ${count} frames, expected ${expected}`);
  return ns / 1e9;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const decoders: [string, () => Decoder][] = [
  ['ours: Pool frame decoder', () => new PoolFrameDecoder({ maxPackageSize: 1 << 20 })],
  ['ours: length decoder (N, body 4)', () => new LengthDecoder({ lengthType: LENGTH_TYPES.N, lengthOffset: 0, bodyOffset: 4, maxLength: 1 << 20 })],
  ['naive Buffer.concat decoder', () => new NaiveDecoder()],
];

console.log('| workload | decoder | median | vs naive |');
console.log('|---|---|---|---|');
for (const [label, body, total, unit] of [['64 B frames', 64, 64 << 20, 'frames'], ['64 KiB frames', 65536, 256 << 20, 'MB']] as const) {
  const { chunks, frames } = stream(body, total);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const results = new Map<string, number[]>(decoders.map(([n]) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    // Interleave the decoders so machine noise hits them alike.
    for (const [name, make] of decoders) results.get(name)!.push(measure(make, chunks, frames));
  }
  const rate = (s: number): number => (unit === 'frames' ? frames / s : bytes / 1e6 / s);
  const naive = rate(median(results.get('naive Buffer.concat decoder')!));
  for (const [name] of decoders) {
    const v = rate(median(results.get(name)!));
    const shown = unit === 'frames' ? `${(v / 1e6).toFixed(2)} M frames/s` : `${(v / 1000).toFixed(2)} GB/s`;
    console.log(`| ${label} in 1 MiB chunks | ${name} | ${shown} | ${(v / naive).toFixed(2)}× |`);
  }
}
