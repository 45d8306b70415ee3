import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Action, ActionResult, EventMessage, HelloMessage, Role, Scenario } from '../protocol/messages.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { checkAdapterLine, formatIssues } from '../protocol/validate.ts';
import { AdapterError, AssertionFailure, WaitTimeout } from './errors.ts';
import { killGroup, processGroupMembers } from './proc.ts';
import { RawClient } from './raw-client.ts';

/** One delegated callback as the runner saw it. */
export interface ObservedEvent {
  seq: number;
  pid: number;
  role: Role;
  worker_id: number | null;
  name: string;
  args: Record<string, unknown>;
  /** Results of the actions the runner answered with (resolves when the adapter sends done). */
  done: Promise<ActionResult[]>;
  /** Milliseconds since the case started. */
  at: number;
  /** Arrival order among all adapter lines of the case: this event's line… */
  line: number;
  /** …and its done line, once it arrived (so "B was reported before A returned" is checkable). */
  doneLine?: number;
}

export interface EventFilter {
  worker_id?: number;
  role?: Role;
  pid?: number;
  /** Any extra predicate. */
  where?: (e: ObservedEvent) => boolean;
}

type Handler = (e: ObservedEvent) => Action[] | Promise<Action[]>;

export interface HarnessOptions {
  command: string[];
  caseId: string;
  scenario: Scenario | ((ctx: { tmpdir: string }) => Scenario);
  /** Multiplies every timeout. */
  timeoutMultiplier: number;
  seed: number;
  runs: number | undefined;
  env?: Record<string, string>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** An event name, or several (the first event with any of them matches). */
type EventName = string | readonly string[];

function matches(e: ObservedEvent, name: EventName, f: EventFilter | undefined): boolean {
  if (typeof name === 'string' ? e.name !== name : !name.includes(e.name)) return false;
  if (!f) return true;
  if (f.worker_id !== undefined && e.worker_id !== f.worker_id) return false;
  if (f.role !== undefined && e.role !== f.role) return false;
  if (f.pid !== undefined && e.pid !== f.pid) return false;
  return f.where ? f.where(e) : true;
}

/**
 * The outside world for one case: a private dir, a control socket, the adapter's process group,
 * raw clients, signals and /proc checks. Cases drive it; the runner tears it down.
 */
export class Harness {
  readonly tmpdir: string;
  readonly controlPath: string;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly runs: number | undefined;
  readonly #opts: HarnessOptions;
  readonly #server: net.Server;
  readonly #handlers: { name: string; filter: EventFilter | undefined; fn: Handler }[] = [];
  readonly #events: ObservedEvent[] = [];
  readonly #consumed = new Set<number>();
  readonly #waiters: { name: EventName; filter: EventFilter | undefined; resolve: (e: ObservedEvent) => void }[] = [];
  readonly #pendingDone = new Map<string, (r: ActionResult[]) => void>();
  readonly #sockets = new Set<net.Socket>();
  readonly #clients: RawClient[] = [];
  readonly hellos: HelloMessage[] = [];
  readonly logs: string[] = [];
  #child: ChildProcess | undefined;
  #exit: Promise<ExitStatus> | undefined;
  #exitStatus: ExitStatus | undefined;
  #fatal: AdapterError | undefined;
  #onFatal: ((e: AdapterError) => void)[] = [];
  #stderr = '';
  readonly #cleanups: (() => void | Promise<void>)[] = [];
  readonly #t0 = Date.now();

  constructor(opts: HarnessOptions) {
    this.#opts = opts;
    this.seed = opts.seed;
    this.runs = opts.runs;
    this.tmpdir = mkdtempSync(join(tmpdir(), 'swc-'));
    chmodSync(this.tmpdir, 0o700);
    this.controlPath = join(this.tmpdir, 'control.sock');
    this.scenario = typeof opts.scenario === 'function' ? opts.scenario({ tmpdir: this.tmpdir }) : opts.scenario;
    this.#server = net.createServer((s) => this.#accept(s));
  }

  /** Milliseconds scaled by --timeout. */
  ms(base: number): number {
    return Math.round(base * this.#opts.timeoutMultiplier);
  }

  /** Registers a callback answer; the first matching handler (in order) answers each event. */
  onEvent(name: string, filter: EventFilter | undefined, fn: Handler): void {
    this.#handlers.push({ name, filter, fn });
  }

  /** Launches the adapter (its own process group) once the control socket is listening. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.controlPath, () => resolve());
    });
    chmodSync(this.controlPath, 0o600);
    const scenarioPath = join(this.tmpdir, 'scenario.json');
    writeFileSync(scenarioPath, JSON.stringify(this.scenario), { mode: 0o600 });
    const [cmd, ...args] = this.#opts.command;
    const child = spawn(cmd!, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...this.#opts.env,
        SWC_PROTOCOL: String(PROTOCOL_VERSION),
        SWC_CONTROL: this.controlPath,
        SWC_SCENARIO: scenarioPath,
        SWC_CASE: this.#opts.caseId,
        SWC_TMPDIR: this.tmpdir,
      },
    });
    this.#child = child;
    const keep = (c: Buffer) => {
      this.#stderr = (this.#stderr + c.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.#exit = new Promise((resolve) => {
      child.on('error', (e) => {
        this.#exitStatus = { code: 127, signal: null };
        this.#fail(new AdapterError(`cannot launch adapter: ${e.message}`));
        resolve(this.#exitStatus);
      });
      child.on('exit', (code, signal) => {
        this.#exitStatus = { code, signal };
        // No hello at all: the adapter could not run the scenario; stop waiting now.
        if (this.hellos.length === 0) this.#fail(new AdapterError(`adapter exited (code ${code}, signal ${signal}) before any hello: ${this.#stderr.trim().split('\n').slice(-3).join(' | ')}`));
        resolve(this.#exitStatus);
      });
    });
  }

  /** Pid of the process the runner launched (the adapter's master). */
  get masterPid(): number {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new AdapterError('adapter not started');
    return pid;
  }

  get events(): readonly ObservedEvent[] {
    return this.#events;
  }

  get stderrTail(): string {
    return this.#stderr;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.#exitStatus;
  }

  /**
   * Resolves with the first not-yet-consumed event matching name+filter, waiting up to
   * `baseMs` (scaled). A timeout is a conformance failure naming what was seen instead.
   */
  waitEvent(name: EventName, filter?: EventFilter, baseMs = 10000): Promise<ObservedEvent> {
    const found = this.#events.find((e) => !this.#consumed.has(e.seq) && matches(e, name, filter));
    if (found) {
      this.#consumed.add(found.seq);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        name,
        filter,
        resolve: (e: ObservedEvent) => {
          clearTimeout(timer);
          this.#onFatal = this.#onFatal.filter((f) => f !== onFatal);
          resolve(e);
        },
      };
      const onFatal = (err: AdapterError) => {
        clearTimeout(timer);
        reject(err);
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new WaitTimeout(`timed out after ${this.ms(baseMs)} ms waiting for event ${name}${filter ? ' ' + JSON.stringify(filter) : ''}; saw: ${this.traceSummary()}`));
      }, this.ms(baseMs));
      if (this.#fatal) return onFatal(this.#fatal);
      this.#onFatal.push(onFatal);
      this.#waiters.push(waiter);
    });
  }

  /** Waits until `count` matching events have been seen (consuming them). */
  async waitEvents(name: EventName, count: number, filter?: EventFilter, baseMs = 10000): Promise<ObservedEvent[]> {
    const out: ObservedEvent[] = [];
    for (let i = 0; i < count; i++) out.push(await this.waitEvent(name, filter, baseMs));
    return out;
  }

  /** Waits for the master to exit (scaled timeout); a timeout is a conformance failure. */
  async waitExit(baseMs = 5000): Promise<ExitStatus> {
    if (!this.#exit) throw new AdapterError('adapter not started');
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.#exit,
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.ms(baseMs)))),
    ]);
    clearTimeout(timer);
    if (!r) throw new WaitTimeout(`master did not exit within ${this.ms(baseMs)} ms`);
    return r;
  }

  /** Registers cleanup that teardown runs whatever happened (e.g. removing a SysV queue). */
  onTeardown(fn: () => void | Promise<void>): void {
    this.#cleanups.push(fn);
  }

  signal(pid: number, sig: NodeJS.Signals): void {
    process.kill(pid, sig);
  }

  /** A raw stream client; closed by teardown if the case forgets. */
  async connect(target: { path: string } | { host: string; port: number }): Promise<RawClient> {
    const c = new RawClient(target);
    this.#clients.push(c);
    await c.connected();
    return c;
  }

  traceSummary(): string {
    if (this.#events.length === 0) return '(no events)';
    return this.#events.map((e) => `${e.name}@${e.role}${e.worker_id ?? ''}`).join(', ');
  }

  // ---- assertions: each produces an expected-vs-observed diff ----

  expectEqual(label: string, expected: unknown, observed: unknown): void {
    if (!isDeepStrictEqual(expected, observed)) throw new AssertionFailure(label, expected, observed);
  }

  expectTrue(label: string, cond: boolean, observed?: unknown): void {
    if (!cond) throw new AssertionFailure(label, true, observed ?? cond);
  }

  /** Throws unless no event `name` (matching filter) has been observed. */
  expectNoEvent(label: string, name: string, filter?: EventFilter): void {
    const seen = this.#events.filter((e) => matches(e, name, filter));
    if (seen.length) throw new AssertionFailure(label, `no ${name} event`, seen.map((e) => ({ name: e.name, worker_id: e.worker_id, args: e.args })));
  }

  // ---- control channel ----

  #accept(sock: net.Socket): void {
    this.#sockets.add(sock);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() !== '') this.#line(sock, line);
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => this.#sockets.delete(sock));
  }

  #fail(err: AdapterError): void {
    if (this.#fatal) return;
    this.#fatal = err;
    for (const f of this.#onFatal) f(err);
    this.#onFatal = [];
  }

  get fatal(): AdapterError | undefined {
    return this.#fatal;
  }

  #lineNo = 0;

  #line(sock: net.Socket, line: string): void {
    this.#lineNo++;
    const checked = checkAdapterLine(line);
    if (!checked.ok) {
      this.#fail(new AdapterError(`malformed adapter message: ${formatIssues(checked.issues)} in ${line.slice(0, 200)}`));
      return;
    }
    const m = checked.value;
    switch (m.t) {
      case 'hello':
        this.hellos.push(m);
        return;
      case 'log':
        this.logs.push(`[${m.pid}] ${m.level ?? 'info'}: ${m.message}`);
        return;
      case 'done': {
        const r = this.#pendingDone.get(this.#doneKey(sock, m.re));
        if (!r) {
          this.#fail(new AdapterError(`done for unknown event seq ${m.re}`));
          return;
        }
        this.#pendingDone.delete(this.#doneKey(sock, m.re));
        r(m.results);
        return;
      }
      case 'event':
        void this.#event(sock, m);
        return;
    }
  }

  readonly #sockIds = new WeakMap<net.Socket, number>();
  #nextSockId = 1;
  #doneKey(sock: net.Socket, re: number): string {
    let id = this.#sockIds.get(sock);
    if (id === undefined) {
      id = this.#nextSockId++;
      this.#sockIds.set(sock, id);
    }
    return `${id}:${re}`;
  }

  async #event(sock: net.Socket, m: EventMessage): Promise<void> {
    let resolveDone!: (r: ActionResult[]) => void;
    const done = new Promise<ActionResult[]>((r) => (resolveDone = r));
    // seq is per process; make it unique in the trace by pairing with pid.
    const ev: ObservedEvent = {
      seq: this.#events.length + 1,
      pid: m.pid,
      role: m.role,
      worker_id: m.worker_id ?? null,
      name: m.name,
      args: m.args,
      done,
      at: Date.now() - this.#t0,
      line: this.#lineNo,
    };
    this.#pendingDone.set(this.#doneKey(sock, m.seq), (r) => {
      ev.doneLine = this.#lineNo;
      resolveDone(r);
    });
    this.#events.push(ev);
    // Waiters see the event at once, even while its handler is still deciding the answer.
    const wi = this.#waiters.findIndex((w) => matches(ev, w.name, w.filter));
    if (wi >= 0) {
      const [w] = this.#waiters.splice(wi, 1);
      this.#consumed.add(ev.seq);
      w!.resolve(ev);
    }
    const handler = this.#handlers.find((h) => matches(ev, h.name, h.filter));
    let actions: Action[] = [];
    if (handler) {
      try {
        actions = await handler.fn(ev);
      } catch (e) {
        this.#fail(new AdapterError(`case handler for ${m.name} threw: ${(e as Error).message}`));
      }
    }
    if (!sock.destroyed) sock.write(JSON.stringify({ t: 'do', re: m.seq, actions }) + '\n');
  }

  /**
   * Ends the case: SIGTERM to the master if it is still running, wait for exit, SIGKILL the
   * group, and report processes of the group that outlived their master (leftovers/zombies).
   * Always removes the private dir. Never throws.
   */
  async teardown(): Promise<{ leftovers: string[] }> {
    const leftovers: string[] = [];
    for (const c of this.#clients) c.destroy();
    const child = this.#child;
    if (child?.pid !== undefined) {
      const pgid = child.pid;
      if (!this.#exitStatus) {
        try {
          child.kill('SIGTERM');
        } catch {}
        try {
          await this.waitExit(3000);
        } catch {
          killGroup(pgid, 'SIGKILL');
          await this.#exit;
        }
      }
      // After the master is gone, its group should empty out promptly.
      const deadline = Date.now() + this.ms(1500);
      // A zombie already handed to init is init's to reap; anything else is a leftover
      // (a live process, or a zombie its own parent never waited for).
      const live = () => processGroupMembers(pgid).filter((p) => !(p.state === 'Z' && p.ppid === 1));
      let members = live();
      while (members.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        members = live();
      }
      for (const p of members) leftovers.push(`pid ${p.pid} (state ${p.state}, ppid ${p.ppid})`);
      if (members.length) killGroup(pgid, 'SIGKILL');
    }
    for (const fn of this.#cleanups) {
      try {
        await fn();
      } catch {
        // cleanup is best effort; the resource may already be gone
      }
    }
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
    rmSync(this.tmpdir, { recursive: true, force: true });
    return { leftovers };
  }
}
