/**
 * One of our servers (bench/server-tasks-app.ts) kept running for a whole measure: start()
 * spawns it in its own process group with a private control socket and waits for its event
 * worker's hello; round() asks for one round ("go") and returns its JSON answer; stop() SIGTERMs
 * the master and waits for it, then SIGKILLs whatever of the group is left (nothing, normally).
 * A start or a round that takes over 30 s is an error. stderr lines are counted per text for
 * the bench to list once (e.g. the rate-limited 9007 "No idle task worker" warning).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { siblingArgs } from '../conformance/runner/compiled.ts';

const LIMIT_MS = 30_000;

export interface Answer {
  ev: string;
  reason?: string;
  lat?: number[];
  rate?: number;
  cpu?: { event: number; task: number };
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${LIMIT_MS / 1000} s`)), LIMIT_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export class OursApp {
  readonly #env: Record<string, string>;
  readonly #execArgv: string[];
  readonly #what: string;
  readonly stderr: Map<string, number>;
  #dir = '';
  #srv: net.Server | null = null;
  #app: ChildProcess | null = null;
  #exited: Promise<unknown> = Promise.resolve();
  #lines: string[] = [];
  #waiters: ((l: string) => void)[] = [];
  #ctl: net.Socket | null = null;

  constructor(what: string, env: Record<string, string>, execArgv: string[], stderr: Map<string, number>) {
    this.#what = what;
    this.#env = env;
    this.#execArgv = execArgv;
    this.stderr = stderr;
  }

  #next(): Promise<string> {
    const l = this.#lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((r) => this.#waiters.push(r));
  }

  async start(): Promise<void> {
    this.#dir = mkdtempSync(join(tmpdir(), 'bench-ctl-'));
    const path = join(this.#dir, 'ctl.sock');
    this.#srv = net.createServer();
    await new Promise<void>((r) => this.#srv!.listen(path, r));
    const connected = once(this.#srv, 'connection') as Promise<[net.Socket]>;
    const app = spawn(process.execPath, [...this.#execArgv, ...siblingArgs('server-tasks-app', import.meta.url)], {
      env: { ...process.env, ...this.#env, BENCH_CTL: path },
      stdio: ['ignore', 'inherit', 'pipe'],
      detached: true,
    });
    this.#app = app;
    this.#exited = once(app, 'exit');
    createInterface({ input: app.stderr! }).on('line', (s) => {
      if (s.includes('--trace-warnings')) return;
      const k = `${this.#what}: ${s.replace(/^\(node:\d+\) /, '')}`;
      this.stderr.set(k, (this.stderr.get(k) ?? 0) + 1);
    });
    const early = this.#exited.then(() => {
      throw new Error(`${this.#what}: the server exited before its hello (exit ${app.exitCode ?? app.signalCode})`);
    });
    const [ctl] = await within(Promise.race([connected, early]), `${this.#what} start`);
    this.#ctl = ctl;
    ctl.on('error', () => {});
    createInterface({ input: ctl }).on('line', (l) => {
      const w = this.#waiters.shift();
      if (w) w(l);
      else this.#lines.push(l);
    });
    const hello = JSON.parse(await within(this.#next(), `${this.#what} hello`)) as Answer;
    if (hello.ev !== 'hello') throw new Error(`${this.#what}: ${hello.reason ?? JSON.stringify(hello)}`);
  }

  async round(): Promise<Answer> {
    this.#ctl!.write('go\n');
    const gone = this.#exited.then(() => {
      throw new Error(`${this.#what}: the server exited during a round`);
    });
    return JSON.parse(await within(Promise.race([this.#next(), gone]), `${this.#what} round`)) as Answer;
  }

  async stop(): Promise<void> {
    const app = this.#app;
    this.#ctl?.destroy();
    if (app && app.exitCode === null && app.signalCode === null) {
      app.kill('SIGTERM');
      await within(this.#exited, `${this.#what} stop`).catch(() => undefined);
    }
    if (app?.pid) {
      try {
        process.kill(-app.pid, 'SIGKILL'); // stragglers of the group, if any
      } catch {
        // the group is empty
      }
    }
    await new Promise<void>((r) => (this.#srv ? this.#srv.close(() => r()) : r()));
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
