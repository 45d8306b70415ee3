/**
 * Datagram load for bench/server-udp.bench.ts: CLIENTS sockets on 127.0.0.1, each with one
 * 64-byte datagram in flight (the next leaves when the reply arrives), for MS milliseconds.
 * Prints {"rate": replies/s, "byId": {<first reply byte>: count}}. Lost datagrams (UDP may
 * drop) are re-sent after 200 ms so a client never stalls.
 */
import dgram from 'node:dgram';

const [port, clients, ms] = process.argv.slice(2).map(Number) as [number, number, number];
const payload = Buffer.alloc(64, 0x61);
const byId: Record<number, number> = {};
let replies = 0;
let stop = false;
const socks: dgram.Socket[] = [];
await Promise.all(Array.from({ length: clients }, async () => {
  const s = dgram.createSocket('udp4');
  socks.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (stop) return;
    s.send(payload, port, '127.0.0.1');
    clearTimeout(timer);
    timer = setTimeout(fire, 200);
  };
  s.on('message', (m) => {
    replies++;
    byId[m[0]!] = (byId[m[0]!] ?? 0) + 1;
    fire();
  });
  s.once('close', () => clearTimeout(timer));
  fire();
}));
const t0 = process.hrtime.bigint();
const start = replies;
await new Promise((r) => setTimeout(r, ms));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
stop = true;
const rate = (replies - start) / secs;
for (const s of socks) s.close();
process.stdout.write(JSON.stringify({ rate, byId }) + '\n');
