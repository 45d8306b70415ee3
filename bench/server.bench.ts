/**
 * Single-process BASE Server echo vs a plain net.Server echo, same process, same clients:
 * CONNS connections each keeping one 64-byte request in flight (unframed: the reply is awaited
 * before the next write, so chunks do not coalesce). Medians of ROUNDS; prints a markdown table.
 * Env: SERVER_BENCH_ROUNDS (default 3), SERVER_BENCH_MS (default 1000), SERVER_BENCH_CONNS (32).
 */
import net from 'node:net';
import { once } from 'node:events';
import { Server } from '../reference/server/server.ts';

const ROUNDS = Number(process.env.SERVER_BENCH_ROUNDS ?? 3);
const MS = Number(process.env.SERVER_BENCH_MS ?? 1000);
const CONNS = Number(process.env.SERVER_BENCH_CONNS ?? 32);
const MSG = Buffer.alloc(64, 0x78);

async function drive(port: number): Promise<number> {
  const socks = await Promise.all(Array.from({ length: CONNS }, async () => {
    const c = net.connect(port, '127.0.0.1');
    c.setNoDelay(true);
    await once(c, 'connect');
    return c;
  }));
  let count = 0;
  let running = true;
  const loops = socks.map((c) => new Promise<void>((resolve) => {
    let got = 0;
    c.on('data', (d: Buffer) => {
      got += d.length;
      if (got < MSG.length) return;
      got -= MSG.length;
      count++;
      if (running) c.write(MSG);
      else resolve();
    });
    c.write(MSG);
  }));
  await new Promise((r) => setTimeout(r, MS));
  running = false;
  const done = count;
  await Promise.all(loops);
  for (const c of socks) c.destroy();
  return (done / MS) * 1000;
}

async function ours(): Promise<number> {
  const s = new Server('127.0.0.1', 0);
  s.on('receive', (srv: Server, fd: number, _r: number, data: Buffer) => { srv.send(fd, data); });
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  const rate = await drive(s.port);
  s.shutdown();
  await run;
  return rate;
}

async function baseline(): Promise<number> {
  const srv = net.createServer((sock) => { sock.setNoDelay(true); sock.on('data', (d) => sock.write(d)); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const rate = await drive((srv.address() as net.AddressInfo).port);
  await new Promise<void>((r) => srv.close(() => r()));
  return rate;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  a.push(await ours());
  b.push(await baseline());
}
const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')}`;
console.log(`| measure (${CONNS} conns x 1 in flight, 64 B, ${MS} ms, median of ${ROUNDS}) | ours (Server BASE) | net.Server echo | ratio |`);
console.log('|---|---|---|---|');
console.log(`| round trips/s | ${fmt(median(a))} | ${fmt(median(b))} | ${(median(a) / median(b)).toFixed(2)} |`);
