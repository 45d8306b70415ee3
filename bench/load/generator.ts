/**
 * Closed-loop load generator for length-framed echo servers (its own process, so every server
 * under test faces the same client): CONNS connections, each keeping INFLIGHT frames of FRAME
 * bytes (4-byte big-endian length + body) outstanding; every echoed frame is answered with a new
 * one, batched per read. Counts echoed frames after a warm-up. Prints one JSON line.
 *
 *   node --import=tsx bench/load/generator.ts <port|unix path> <conns> <inflight> <frame> <ms> [warmupMs]
 */
import net from 'node:net';

const [target, connsArg, inflightArg, frameArg, msArg, warmArg] = process.argv.slice(2);
const CONNS = Number(connsArg);
const INFLIGHT = Number(inflightArg);
const FRAME = Number(frameArg);
const MS = Number(msArg);
const WARMUP = Number(warmArg ?? 300);

const frame = Buffer.alloc(FRAME, 0x78);
frame.writeUInt32BE(FRAME - 4, 0);
// Pre-built batches: answering m frames is one write of m frames.
const batches = Array.from({ length: INFLIGHT + 1 }, (_, m) => Buffer.concat(Array.from({ length: m }, () => frame)));

let counting = false;
let counted = 0;
let errors = 0;

function open(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = /^\d+$/.test(target!) ? net.connect(Number(target), '127.0.0.1') : net.connect(target!);
    s.setNoDelay(true);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const socks = await Promise.all(Array.from({ length: CONNS }, open));
let running = true;
for (const s of socks) {
  let pending = 0; // bytes of a partial echoed frame
  s.on('data', (d: Buffer) => {
    const total = pending + d.length;
    const m = Math.floor(total / FRAME);
    pending = total % FRAME;
    if (counting) counted += m;
    if (running && m > 0) s.write(m <= INFLIGHT ? batches[m]! : Buffer.concat(Array.from({ length: m }, () => frame)));
  });
  s.on('error', () => errors++);
  s.write(batches[INFLIGHT]!);
}
await new Promise((r) => setTimeout(r, WARMUP));
counting = true;
const t0 = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, MS));
counting = false;
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
running = false;
for (const s of socks) s.destroy();
process.stdout.write(JSON.stringify({ frames: counted, ms, perSec: (counted / ms) * 1000, errors }) + '\n');
