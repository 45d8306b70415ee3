/**
 * Entry script for bench/process.bench.ts (children re-run it): the parent write()s COUNT
 * 1 KiB messages into a Process pipe (BENCH_PIPE = dgram | stream), the child read()s them
 * all and answers 'done'; the parent prints the elapsed time as one JSON line.
 */
import { Process, SOCK_DGRAM, SOCK_STREAM } from '../reference/index.ts';

const count = Number(process.env.BENCH_COUNT ?? 1_000_000);
const size = 1024;
const type = process.env.BENCH_PIPE === 'stream' ? SOCK_STREAM : SOCK_DGRAM;

const p = new Process((proc) => {
  let bytes = 0;
  const want = count * size;
  while (bytes < want) {
    const b = proc.read(65536);
    if (!b || b.length === 0) break;
    bytes += b.length;
  }
  proc.write(bytes === want ? 'done' : `short:${bytes}`);
}, false, type);

p.start(); // the child's callback ends the child: nothing below runs there
const msg = Buffer.alloc(size, 97);
const t0 = performance.now();
for (let i = 0; i < count; i++) p.write(msg);
const reply = p.read()!.toString();
const ms = performance.now() - t0;
await Process.wait();
process.stdout.write(`${JSON.stringify({ ms, reply })}\n`);
