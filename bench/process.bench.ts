/**
 * Process pipe: COUNT × 1 KiB parent → child with write() / read() over the datagram pipe and
 * the stream pipe (msgs/s), against process.send parent → child in the same run. Real Swoole
 * 6.2.1 on this kind of machine took 1.5–1.7 s (datagram) and 1.15–1.3 s (stream) for
 * 1,000,000 × 1 KiB. BENCH_COUNT (default 1,000,000) and BENCH_ROUNDS (default 1) override.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { siblingArgs } from '../conformance/runner/compiled.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const count = Number(process.env.BENCH_COUNT ?? 1_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);

function ours(pipe: 'dgram' | 'stream'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, siblingArgs('process-app', import.meta.url), { env: { ...process.env, BENCH_PIPE: pipe, BENCH_COUNT: String(count) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let result: { ms: number; reply: string } | null = null;
    createInterface({ input: child.stdout! }).on('line', (l) => (result = JSON.parse(l)));
    child.on('exit', () => {
      if (result && result.reply === 'done') resolve(result.ms);
      else reject(new Error(`process bench (${pipe}) failed: ${JSON.stringify(result)}`));
    });
  });
}

/** process.send of the same messages parent → child; sends in windows so the backlog stays bounded. */
async function processSend(): Promise<number> {
  const src = `let n = 0; process.on('message', () => { if (++n === ${count}) process.send('done'); });`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const m = 'a'.repeat(1024);
  const done = new Promise<void>((r) => child.once('message', () => r()));
  const t0 = performance.now();
  for (let i = 0; i < count; ) {
    const end = Math.min(count, i + 1000);
    let last!: Promise<void>;
    for (; i < end; i++) last = new Promise((r) => child.send(m, () => r()));
    await last;
  }
  await done;
  const ms = performance.now() - t0;
  await new Promise((r) => {
    child.once('exit', r);
    child.kill();
  });
  return ms;
}

const rate = (ms: number): string => Math.round(count / (ms / 1000)).toLocaleString('en');
const res = { dgram: [] as number[], stream: [] as number[], send: [] as number[] };
for (let r = 0; r < rounds; r++) {
  res.dgram.push(await ours('dgram'));
  res.stream.push(await ours('stream'));
  res.send.push(await processSend());
}
const base = median(res.send);
console.log(`${count.toLocaleString('en')} × 1 KiB parent → child, median of ${rounds}`);
console.log('| measure | ours | process.send (same run) | ratio | real Swoole 6.2.1 (1M × 1 KiB) |');
console.log('|---|---|---|---|---|');
for (const [name, ref] of [['dgram', '1.5–1.7 s (590k–670k msg/s)'], ['stream', '1.15–1.3 s (770k–870k msg/s)']] as const) {
  const ms = median(res[name]);
  console.log(`| Process ${name} pipe write()/read() | ${(ms / 1000).toFixed(2)} s, ${rate(ms)} msg/s | ${(base / 1000).toFixed(2)} s, ${rate(base)} msg/s | ${(base / ms).toFixed(2)}× | ${ref} |`);
}
