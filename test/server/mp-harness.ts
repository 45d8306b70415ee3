/**
 * Multi-process server tests: runs fixtures/app.ts as a manager (it re-runs itself for each
 * worker), reads its JSON event lines, and talks to it with length-framed clients. Every
 * process is reaped: the manager is SIGKILLed at teardown if still running, and the workers
 * die with it (PR_SET_PDEATHSIG); teardown waits until every pid the app reported is gone.
 */
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { once } from 'node:events';
import type { Test } from 'tap';
import { EventApp, alive, type AppEvent } from '../event-app.ts';

export { alive, type AppEvent };

/** The server fixture (fixtures/app.ts) as a manager; teardown waits for every pid it reported. */
export class App extends EventApp {
  constructor(t: Test, env: Record<string, string>) {
    super(t, fileURLToPath(new URL('./fixtures/app.ts', import.meta.url)), { ...process.env, ...env }, {
      waitMs: 20000,
      teardown: () => reaped(this.events.map((e) => e.pid)),
    });
  }

  get managerPid(): number {
    return this.proc.pid!;
  }

  /** The port the app listens on (reported by onManagerStart, or onWorkerStart when single-process). */
  async port(): Promise<number> {
    return (await this.wait((e) => (e.ev === 'ManagerStart' || e.ev === 'WorkerStart') && typeof e.port === 'number')).port as number;
  }

  /** SIGTERM to the manager; resolves with the Return event once the manager has exited. */
  async stop(): Promise<AppEvent> {
    process.kill(this.managerPid, 'SIGTERM');
    const ret = await this.wait((e) => e.ev === 'Return');
    await this.exited;
    return ret;
  }
}


/** Resolves once none of `pids` is alive (workers die with their manager via pdeathsig). */
export async function reaped(pids: number[], ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  const set = [...new Set(pids)];
  while (set.some(alive)) {
    if (Date.now() > until) throw new Error(`processes still alive: ${set.filter(alive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function frame(body: string | Buffer): Buffer {
  const b = Buffer.from(body);
  const h = Buffer.alloc(4);
  h.writeUInt32BE(b.length);
  return Buffer.concat([h, b]);
}

/** A length-framed client: request() resolves with the next reply frame's body, in order. */
export class FrameClient {
  readonly sock: net.Socket;
  readonly ended: Promise<'end' | 'reset'>;
  readonly replies: string[] = [];
  #buf = Buffer.alloc(0);
  #waiting: ((s: string) => void)[] = [];

  constructor(sock: net.Socket) {
    this.sock = sock;
    this.ended = new Promise((resolve) => {
      sock.on('end', () => resolve('end'));
      sock.on('error', () => resolve('reset'));
    });
    sock.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      while (this.#buf.length >= 4) {
        const n = this.#buf.readUInt32BE(0);
        if (this.#buf.length < 4 + n) break;
        const body = this.#buf.subarray(4, 4 + n).toString();
        this.#buf = this.#buf.subarray(4 + n);
        const w = this.#waiting.shift();
        if (w) w(body);
        else this.replies.push(body);
      }
    });
  }

  static async connect(t: Test, port: number): Promise<FrameClient> {
    const sock = net.connect(port, '127.0.0.1');
    t.teardown(() => void sock.destroy());
    await once(sock, 'connect');
    return new FrameClient(sock);
  }

  /** The next reply (already received or future). */
  next(): Promise<string> {
    const r = this.replies.shift();
    if (r !== undefined) return Promise.resolve(r);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  send(body: string): void {
    this.sock.write(frame(body));
  }

  request(body: string): Promise<string> {
    this.send(body);
    return this.next();
  }

  async json<T = Record<string, unknown>>(body: string): Promise<T> {
    return JSON.parse(await this.request(body)) as T;
  }
}

/** What the fixture's `who` command answers: the serving worker. */
export type Who = { id: number; pid: number; n: number; fd: number };
export type Stats = Record<string, number>;

/** Starts the server fixture in `mode` with `workers` event workers; resolves once all started, with its port. */
export async function app(t: Test, mode: 'base' | 'process', workers: number, extra: Record<string, string> = {}, settings: Record<string, unknown> = {}) {
  const a = new App(t, { SRV_MODE: mode, SRV_WORKERS: String(workers), SRV_SETTINGS: JSON.stringify(settings), ...extra });
  const started = await a.started(workers);
  const port = await a.port();
  return { a, started, port };
}

/** Opens connections until every one of `workers` BASE workers owns at least one. */
export async function onEveryWorker(t: Test, port: number, workers: number): Promise<Map<number, { c: FrameClient; who: Who }>> {
  const owners = new Map<number, { c: FrameClient; who: Who }>();
  for (let i = 0; i < 200 && owners.size < workers; i++) {
    const c = await FrameClient.connect(t, port);
    const who = await c.json<Who>('who');
    if (!owners.has(who.id)) owners.set(who.id, { c, who });
    else {
      // Closed and seen closed by the server before the next try, so no worker lists it later.
      c.sock.end();
      await c.ended;
    }
  }
  if (owners.size < workers) throw new Error('the kernel never gave a connection to every worker');
  return owners;
}
