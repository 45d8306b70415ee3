/**
 * A closed-loop load generator for length-framed echo servers (its own process, so it does not
 * share an event loop with the server). CONNS connections each keep INFLIGHT 64-byte frames
 * (4-byte big-endian length + 60 bytes) outstanding: every reply frame is answered with a new
 * request in the same write. Counts reply frames during MS after a WARMUP; prints
 * {"frames": n, "ms": d, "rate": frames/s}.
 * Usage: node --import=tsx bench/server-load.ts PORT [CONNS=32] [INFLIGHT=8] [MS=2000] [WARMUP=300]
 */
import net from 'node:net';
import { once } from 'node:events';
import { measureWindow, type Window } from './window.ts';

const [port, conns = 32, inflight = 8, ms = 2000, warmup = 300] = process.argv.slice(2).map(Number);
const FRAME = 64;
const one = Buffer.alloc(FRAME, 0x61);
one.writeUInt32BE(FRAME - 4, 0);
const burst = Buffer.concat(Array.from({ length: Math.max(1, inflight!) }, () => one));

const w: Window = { counting: false, running: true };
let frames = 0;

const socks = await Promise.all(Array.from({ length: conns! }, async () => {
  const c = net.connect(port!, '127.0.0.1');
  c.setNoDelay(true);
  await once(c, 'connect');
  return c;
}));
for (const c of socks) {
  let pending = 0;
  c.on('data', (d: Buffer) => {
    pending += d.length;
    const n = Math.floor(pending / FRAME);
    if (n === 0) return;
    pending -= n * FRAME;
    if (w.counting) frames += n;
    if (w.running) c.write(n <= inflight! ? burst.subarray(0, n * FRAME) : Buffer.concat(Array.from({ length: n }, () => one)));
  });
  c.on('error', () => {});
  c.write(burst);
}
const elapsed = await measureWindow(w, warmup!, ms!);
process.stdout.write(JSON.stringify({ frames, ms: elapsed, rate: (frames / elapsed) * 1000 }) + '\n');
for (const c of socks) c.destroy();
process.exit(0);
