/**
 * Plain-Node baselines for the server-tasks bench, each between real processes (this one and
 * `node -e` children, no tsx in the children so their start-up stays out of the way):
 * - pingIpc / pingUnix / pingDatagram: sequential round trips of a small message, process.send
 *   to a forked echo child, 8 bytes over a unix stream socket (net) to an echoing child, or
 *   40 bytes over the addon's SOCK_DGRAM socketpair (the transport under our tasks, without the
 *   server: ours minus this is what the task layer costs); one sample per round trip (µs).
 * - echoThroughput: 2 echo children over process.send, INFLIGHT messages outstanding, replies/s
 *   (what task()+onFinish does without a server around it).
 * - relay: cluster-style worker→parent→worker, 1 KiB strings from child A to child B through
 *   this process, with the same ack window as ours (msgs/s); 'json' or 'advanced' serialization.
 * Every child is killed and awaited; the socket lives in a private mkdtemp dir removed after.
 */
import { spawn, type ChildProcess, type Serializable } from 'node:child_process';
import { measureWindow, type Window } from './window.ts';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonPath, loadNative } from '../reference/native/loader.ts';

type Serialization = 'json' | 'advanced';

function child(src: string, serialization: Serialization = 'json', args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['-e', src, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization });
}

async function reap(...cs: ChildProcess[]): Promise<void> {
  await Promise.all(cs.map(async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = once(c, 'exit');
    c.kill('SIGTERM');
    await gone;
  }));
}

const ECHO_IPC = `process.on('message', (m) => process.send(m));`;
/** An echo child that answers 'cpu?' with its process.cpuUsage(). */
const ECHO_IPC_CPU = `process.on('message', (m) => process.send(m === 'cpu?' ? process.cpuUsage() : m));`;

export interface PingResult {
  /** Round trips, µs. */
  lat: number[];
  /** CPU (user+system) per round trip, µs: this process (caller) and the echo child (callee). */
  cpu: { caller: number; callee: number };
}

const cpuNow = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** The child's CPU in µs, asked over its IPC channel. */
function childCpu(c: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    c.once('message', (u: NodeJS.CpuUsage) => resolve(u.user + u.system));
    c.send('cpu?');
  });
}

/** Sequential process.send round trips: `samples` latencies after `warmup` unrecorded ones. */
export async function pingIpc(warmup: number, samples: number): Promise<PingResult> {
  const c = child(ECHO_IPC_CPU);
  const lat: number[] = [];
  try {
    const gone = new Promise<never>((_, reject) => c.once('exit', () => reject(new Error('echo child exited'))));
    const run = (n: number, keep: boolean): Promise<void> => new Promise<void>((resolve) => {
      let i = 0;
      let t0 = 0;
      const onMessage = (): void => {
        if (keep) lat.push((performance.now() - t0) * 1000);
        if (++i === n) {
          c.off('message', onMessage);
          return resolve();
        }
        t0 = performance.now();
        c.send('x' + i);
      };
      c.on('message', onMessage);
      t0 = performance.now();
      c.send('x0');
    });
    await Promise.race([run(warmup, false), gone]);
    const [e0, k0] = [cpuNow(), await childCpu(c)];
    await Promise.race([run(samples, true), gone]);
    const [e1, k1] = [cpuNow(), await childCpu(c)];
    return { lat, cpu: { caller: (e1 - e0) / samples, callee: (k1 - k0) / samples } };
  } finally {
    c.removeAllListeners('exit');
    await reap(c);
  }
}

/** Sequential 8-byte round trips over a unix stream socket (the child's CPU comes over IPC). */
export async function pingUnix(warmup: number, samples: number): Promise<PingResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-unix-'));
  const path = join(dir, 's.sock');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(path, r));
  const src = `const s = require('net').connect(process.argv[1]); s.on('data', (d) => s.write(d)); s.on('error', () => {});
process.on('message', () => { const u = process.cpuUsage(); process.send(u); });`;
  const c = child(src, 'json', [path]);
  const lat: number[] = [];
  try {
    const [sock] = (await once(srv, 'connection')) as [net.Socket];
    const msg = Buffer.alloc(8, 0x61);
    const run = (n: number, keep: boolean): Promise<void> => new Promise<void>((resolve) => {
      let i = 0;
      let t0 = 0;
      let have = 0;
      const onData = (d: Buffer): void => {
        // One 8-byte message is outstanding at a time; a read may still split it.
        have += d.length;
        if (have < 8) return;
        have = 0;
        if (keep) lat.push((performance.now() - t0) * 1000);
        if (++i === n) {
          sock.off('data', onData);
          return resolve();
        }
        t0 = performance.now();
        sock.write(msg);
      };
      sock.on('data', onData);
      t0 = performance.now();
      sock.write(msg);
    });
    await run(warmup, false);
    const [e0, k0] = [cpuNow(), await childCpu(c)];
    await run(samples, true);
    const [e1, k1] = [cpuNow(), await childCpu(c)];
    sock.destroy();
    return { lat, cpu: { caller: (e1 - e0) / samples, callee: (k1 - k0) / samples } };
  } finally {
    await reap(c);
    await new Promise<void>((r) => srv.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The child holds the other end as fd 3 and uses the addon's raw handle (plain JS, no tsx): it
 * echoes every datagram, and answers a 1-byte one with its CPU usage as JSON.
 */
const ECHO_DGRAM = `const h = require(process.argv[1]).openDatagram(3);
h.startReading(65536, (slab, count, meta) => {
  for (let i = 0, off = 0; i < count; off += meta[2 * i], i++) {
    const d = slab.subarray(off, off + meta[2 * i]);
    h.send(d.length === 1 ? Buffer.from(JSON.stringify(process.cpuUsage())) : d);
  }
}, 64);`;

/** Sequential 40-byte round trips over the addon's datagram socketpair. */
export async function pingDatagram(warmup: number, samples: number): Promise<PingResult> {
  const native = loadNative();
  const [mine, theirs] = native.socketpair('dgram');
  const c = spawn(process.execPath, ['-e', ECHO_DGRAM, addonPath], { stdio: ['ignore', 'inherit', 'inherit', theirs] });
  native.close(theirs);
  const sock = native.openDatagram(mine);
  const lat: number[] = [];
  const msg = Buffer.alloc(40, 0x61);
  let onReply: (d: Buffer) => void = () => {};
  sock.startReading(65536, (batch) => {
    for (const d of batch) onReply(d.data);
  });
  const ask = (): Promise<number> => new Promise((resolve) => {
    onReply = (d) => {
      const u = JSON.parse(d.toString()) as NodeJS.CpuUsage;
      resolve(u.user + u.system);
    };
    sock.send(Buffer.alloc(1));
  });
  const run = (n: number, keep: boolean): Promise<void> => new Promise<void>((resolve) => {
    let i = 0;
    let t0 = 0;
    onReply = () => {
      if (keep) lat.push((performance.now() - t0) * 1000);
      if (++i === n) return resolve();
      t0 = performance.now();
      sock.send(msg);
    };
    t0 = performance.now();
    sock.send(msg);
  });
  try {
    const gone = new Promise<never>((_, reject) => c.once('exit', () => reject(new Error('datagram echo child exited'))));
    await Promise.race([run(warmup, false), gone]);
    const [e0, k0] = [cpuNow(), await Promise.race([ask(), gone])];
    await Promise.race([run(samples, true), gone]);
    const [e1, k1] = [cpuNow(), await Promise.race([ask(), gone])];
    return { lat, cpu: { caller: (e1 - e0) / samples, callee: (k1 - k0) / samples } };
  } finally {
    c.removeAllListeners('exit');
    sock.close();
    await reap(c);
  }
}

/** Replies/s from 2 echo children with `inflight` messages outstanding, counted for `ms` after `warmupMs`. */
export async function echoThroughput(inflight: number, warmupMs: number, ms: number): Promise<number> {
  const cs = [child(ECHO_IPC), child(ECHO_IPC)];
  const w: Window = { counting: false, running: true };
  let got = 0;
  let n = 0;
  cs.forEach((c) => c.on('message', () => {
    if (w.counting) got++;
    if (w.running) c.send('x' + n++);
  }));
  for (let i = 0; i < inflight; i++) cs[i % 2]!.send('x' + n++);
  const elapsed = await measureWindow(w, warmupMs, ms);
  await reap(...cs);
  return (got / elapsed) * 1000;
}

/**
 * A sends 1 KiB strings (a window of WINDOW unacked), B acks every ACK messages with its running
 * count; this process relays both ways like a cluster master. A reports the measured phase.
 */
export const WINDOW = 4096;
export const ACK = 256;
const RELAY_A = `
const m = 'a'.repeat(1024);
let sent = 0, acked = 0, total = 0, t0 = 0;
const pump = () => { while (sent < total && sent - acked < ${WINDOW}) { process.send(m); sent++; } };
process.on('message', (x) => {
  if (typeof x === 'object') { total += x.n; t0 = performance.now(); pump(); return; }
  acked = x;
  if (acked >= total) process.send({ ms: performance.now() - t0 }); else pump();
});`;
const RELAY_B = `let got = 0; process.on('message', () => { if (++got % ${ACK} === 0) process.send(got); });`;

/** msgs/s of the measured phase (`count` messages, a multiple of ACK) after a warm-up phase. */
export async function relay(serialization: Serialization, warmup: number, count: number): Promise<number> {
  const a = child(RELAY_A, serialization);
  const b = child(RELAY_B, serialization);
  try {
    let phase = 0;
    return await new Promise<number>((resolve, reject) => {
      a.once('exit', () => reject(new Error('relay child A exited')));
      b.once('exit', () => reject(new Error('relay child B exited')));
      b.on('message', (n: Serializable) => a.send(n));
      a.on('message', (m: Serializable) => {
        if (typeof m === 'string') {
          b.send(m);
          return;
        }
        if (phase++ === 0) a.send({ n: count });
        else resolve(count / ((m as { ms: number }).ms / 1000));
      });
      a.send({ n: warmup });
    });
  } finally {
    a.removeAllListeners('exit');
    b.removeAllListeners('exit');
    await reap(a, b);
  }
}
