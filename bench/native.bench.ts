/**
 * Native addon transport vs plain Node, process to process (same run, medians of ROUNDS):
 *  (a) throughput of 1 KiB messages: addon datagram socketpair with sendBatch/recvmmsg vs a
 *      framed unix stream socket (net, 4-byte length prefix, batched writes) vs process.send;
 *  (b) ping-pong round-trip latency (64-byte messages), p50/p99.
 * ROUNDS / scale via env: NATIVE_BENCH_ROUNDS (default 3), NATIVE_BENCH_SCALE (default 1).
 */
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { loadNative } from '../reference/native/loader.ts';
import { siblingArgs } from '../conformance/runner/compiled.ts';
import { readFrames } from './native-frames.ts';

const native = loadNative();
const ROUNDS = Number(process.env.NATIVE_BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.NATIVE_BENCH_SCALE ?? 1);
const N = {
  dgram: Math.round(600_000 * SCALE),
  stream: Math.round(300_000 * SCALE),
  ipc: Math.round(100_000 * SCALE),
  ping: Math.round(20_000 * SCALE),
  pingIpc: Math.round(10_000 * SCALE),
};

function start(mode: string, count: number, extra: (number | 'ipc')[]): ChildProcess {
  return spawn(process.execPath, [...siblingArgs('native-peer', import.meta.url), mode, String(count)], {
    stdio: ['ignore', 'inherit', 'inherit', ...extra],
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const bigPair = (type: 'dgram' | 'stream'): [number, number] =>
  native.socketpair(type, { sndbuf: 4 << 20, rcvbuf: 4 << 20, force: true });

// ---- (a) throughput: returns messages per second --------------------------------------------

let readyCalls = 0;
let readyMsgs = 0;

async function tputDgram(): Promise<number> {
  const [a, b] = bigPair('dgram');
  const child = start('dgram-send', N.dgram, [b]);
  native.close(b);
  const sock = native.openDatagram(a);
  let got = 0;
  let t0 = 0n;
  const done = new Promise<bigint>((resolve) =>
    sock.startReading(2048, (list) => {
      got += list.length;
      readyCalls++;
      if (got >= N.dgram) resolve(process.hrtime.bigint());
    }, 256),
  );
  await new Promise((r) => setTimeout(r, 300)); // let the child load before "go"
  t0 = process.hrtime.bigint();
  sock.send(Buffer.from('g'));
  const t1 = await done;
  sock.close();
  readyMsgs += got;
  await exited(child);
  return N.dgram / (Number(t1 - t0) / 1e9);
}

async function tputStream(): Promise<number> {
  const [a, b] = bigPair('stream');
  const child = start('stream-send', N.stream, [b]);
  native.close(b);
  const sock = new net.Socket({ fd: a, readable: true, writable: true });
  let got = 0;
  const done = new Promise<bigint>((resolve) =>
    readFrames(sock, () => {
      if (++got === N.stream) resolve(process.hrtime.bigint());
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  const t0 = process.hrtime.bigint();
  sock.write('g');
  const t1 = await done;
  sock.destroy();
  await exited(child);
  return N.stream / (Number(t1 - t0) / 1e9);
}

async function tputIpc(): Promise<number> {
  const child = start('ipc-send', N.ipc, ['ipc']);
  let got = 0;
  const done = new Promise<bigint>((resolve) =>
    child.on('message', () => {
      if (++got === N.ipc) resolve(process.hrtime.bigint());
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  const t0 = process.hrtime.bigint();
  child.send('go');
  const t1 = await done;
  await exited(child);
  return N.ipc / (Number(t1 - t0) / 1e9);
}

// ---- (b) latency: returns sorted RTTs in microseconds ---------------------------------------

async function pingDgram(): Promise<number[]> {
  const [a, b] = native.socketpair('dgram');
  const child = start('dgram-echo', 0, [b]);
  native.close(b);
  const sock = native.openDatagram(a);
  const msg = Buffer.alloc(64, 0x70);
  const rtts: number[] = [];
  await new Promise<void>((resolve) => {
    let t = 0n;
    let warm = 200;
    sock.startReading(256, () => {
      const now = process.hrtime.bigint();
      if (warm > 0) warm--;
      else rtts.push(Number(now - t) / 1000);
      if (rtts.length === N.ping) return resolve();
      t = process.hrtime.bigint();
      sock.send(msg);
    }, 1);
    t = process.hrtime.bigint();
    sock.send(msg);
  });
  sock.send(Buffer.alloc(0));
  sock.close();
  await exited(child);
  return rtts.sort((x, y) => x - y);
}

async function pingStream(): Promise<number[]> {
  const [a, b] = native.socketpair('stream');
  const child = start('stream-echo', 0, [b]);
  native.close(b);
  const sock = new net.Socket({ fd: a, readable: true, writable: true });
  sock.setNoDelay?.(true);
  const msg = Buffer.alloc(68, 0x70);
  msg.writeUInt32BE(64, 0);
  const rtts: number[] = [];
  await new Promise<void>((resolve) => {
    let t = 0n;
    let warm = 200;
    readFrames(sock, () => {
      const now = process.hrtime.bigint();
      if (warm > 0) warm--;
      else rtts.push(Number(now - t) / 1000);
      if (rtts.length === N.ping) return resolve();
      t = process.hrtime.bigint();
      sock.write(msg);
    });
    t = process.hrtime.bigint();
    sock.write(msg);
  });
  sock.end();
  await exited(child);
  sock.destroy();
  return rtts.sort((x, y) => x - y);
}

async function pingIpc(): Promise<number[]> {
  const child = start('ipc-echo', 0, ['ipc']);
  const msg = 'p'.repeat(64);
  const rtts: number[] = [];
  await new Promise<void>((resolve) => {
    let t = 0n;
    let warm = 200;
    child.on('message', () => {
      const now = process.hrtime.bigint();
      if (warm > 0) warm--;
      else rtts.push(Number(now - t) / 1000);
      if (rtts.length === N.pingIpc) return resolve();
      t = process.hrtime.bigint();
      child.send(msg);
    });
    t = process.hrtime.bigint();
    child.send(msg);
  });
  child.disconnect();
  await exited(child);
  return rtts.sort((x, y) => x - y);
}

// ---- report ---------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
};
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const tput: Record<string, number[]> = { dgram: [], stream: [], ipc: [] };
const lat: Record<string, { p50: number[]; p99: number[] }> = {
  dgram: { p50: [], p99: [] },
  stream: { p50: [], p99: [] },
  ipc: { p50: [], p99: [] },
};
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of [['dgram', pingDgram], ['stream', pingStream], ['ipc', pingIpc]] as const) {
    const s = await fn();
    lat[name]!.p50.push(pct(s, 0.5));
    lat[name]!.p99.push(pct(s, 0.99));
  }
  tput.dgram!.push(await tputDgram());
  tput.stream!.push(await tputStream());
  tput.ipc!.push(await tputIpc());
}

const label = {
  dgram: 'addon dgram socketpair (sendBatch/recvmmsg)',
  stream: 'unix stream, net + 4-byte frames (batched writes)',
  ipc: 'process.send (json)',
};
const base = median(tput.dgram!);
console.log(`### (a) throughput, 1 KiB messages, child → parent (median of ${ROUNDS} rounds)\n`);
console.log('| transport | messages | msg/s (median) | MiB/s | addon ÷ this |');
console.log('|---|---:|---:|---:|---:|');
for (const k of ['dgram', 'stream', 'ipc'] as const) {
  const m = median(tput[k]!);
  console.log(`| ${label[k]} | ${fmt(N[k])} | ${fmt(m)} | ${fmt((m * 1024) / 2 ** 20, 1)} | ${fmt(base / m, 2)}× |`);
}
console.log(`\n(addon receiver: ${fmt(readyMsgs / readyCalls, 1)} datagrams per recvmmsg wake-up on average; batch limit 256)`);
const baseLat = median(lat.dgram!.p50);
console.log(`\n### (b) ping-pong round trip, 64-byte messages (median of ${ROUNDS} rounds' percentiles)\n`);
console.log('| transport | round trips | p50 µs | p99 µs | this ÷ addon (p50) |');
console.log('|---|---:|---:|---:|---:|');
for (const k of ['dgram', 'stream', 'ipc'] as const) {
  const p50 = median(lat[k]!.p50);
  console.log(`| ${label[k]} | ${fmt(k === 'ipc' ? N.pingIpc : N.ping)} | ${fmt(p50, 1)} | ${fmt(median(lat[k]!.p99), 1)} | ${fmt(p50 / baseLat, 2)}× |`);
}
