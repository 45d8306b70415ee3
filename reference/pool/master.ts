/**
 * The master side of a Pool: spawns worker processes (they re-run the entry script, like
 * node's cluster), keeps a pre-booted standby, performs the supervisor's commands, handles
 * SIGTERM / SIGUSR1 / SIGUSR2, and reaps every child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import { SupervisorState, type SupervisorCommand, type SupervisorEvent } from '../supervision/state.ts';
import { ErrorCode, SwooleError } from '../errors.ts';
import { ENV_INDEX, ENV_MASTER, ENV_QUEUE, ENV_ROLE, ENV_TRACE_FD, type ToMaster, type ToWorker } from './wire.ts';

export interface MasterConfig {
  poolIndex: number;
  workerNum: number;
  ipcType: number;
  maxWaitMs: number;
  standby: boolean;
  /** fds every child gets, from fd 4 on. */
  extraFds: number[];
  queueId: number | null;
  /** onShutdown: runs in the master before the workers get SIGTERM (P26). */
  beforeShutdown?: () => unknown;
}

const traceFd = process.env[ENV_TRACE_FD] ? Number(process.env[ENV_TRACE_FD]) : -1;

/** One JSON line to the trace fd (when set): lets a bench wait for a ready standby instead of guessing. */
function trace(ev: string, fields: Record<string, number>): void {
  if (traceFd < 0) return;
  try {
    writeSync(traceFd, `${JSON.stringify({ ev, at: performance.timeOrigin + performance.now(), ...fields })}\n`);
  } catch {
    /* a closed trace fd must not break the pool */
  }
}

const REFILL_DELAY_MS = 50;

interface Child {
  proc: ChildProcess;
  ready: boolean;
  /** Slot it was assigned to, or -1 while it is a standby / not yet assigned. */
  slot: number;
  wantSlot: number;
}

export class PoolMaster {
  readonly #cfg: MasterConfig;
  readonly #state: SupervisorState;
  readonly #children = new Map<number, Child>();
  #standby: Child | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();
  #finished!: () => void;
  readonly done: Promise<void>;
  #signals: [NodeJS.Signals, () => void][] = [];
  #setupError: SwooleError | null = null;

  constructor(cfg: MasterConfig) {
    this.#cfg = cfg;
    this.#state = new SupervisorState({ workerNum: cfg.workerNum, maxWaitMs: cfg.maxWaitMs });
    this.done = new Promise((resolve) => (this.#finished = resolve));
  }

  /** Slot → pid table (null while a slot is being respawned). */
  pids(): (number | null)[] {
    return [...this.#state.slots];
  }

  get setupError(): SwooleError | null {
    return this.#setupError;
  }

  start(): void {
    const on = (sig: NodeJS.Signals, fn: () => void): void => {
      process.on(sig, fn);
      this.#signals.push([sig, fn]);
    };
    on('SIGTERM', () => this.shutdown());
    on('SIGUSR1', () => this.reload());
    on('SIGUSR2', () => this.reload());
    this.#apply({ t: 'start', now: Date.now() });
    if (this.#cfg.standby) this.#standby = this.#spawn(-1);
  }

  #shutdownRequested = false;

  shutdown(): void {
    if (this.#shutdownRequested) return;
    this.#shutdownRequested = true;
    if (this.#state.phase !== 'running') {
      this.#apply({ t: 'shutdown' });
      return;
    }
    void (async () => {
      try {
        await this.#cfg.beforeShutdown?.();
      } catch (err) {
        console.error(err);
      }
      this.#apply({ t: 'shutdown' });
    })();
  }

  /** False when a reload is already running (P25). */
  reload(): boolean {
    if (this.#state.reloading) return false;
    this.#apply({ t: 'reload' });
    return true;
  }

  get running(): boolean {
    return this.#state.phase === 'running';
  }

  #apply(e: SupervisorEvent): void {
    for (const c of this.#state.apply(e)) this.#perform(c);
  }

  #perform(c: SupervisorCommand): void {
    switch (c.t) {
      case 'spawn':
        if (c.delayMs > 0) this.#timer(c.delayMs, () => this.#fill(c.slot));
        else this.#fill(c.slot);
        break;
      case 'kill':
        try {
          process.kill(c.pid, c.signal);
        } catch {
          /* already gone: its exit event is on its way */
        }
        break;
      case 'arm':
        this.#timer(c.ms, () => this.#apply({ t: 'timer', kind: c.kind }));
        break;
      case 'finished':
        this.#finish();
        break;
    }
  }

  #timer(ms: number, fn: () => void): void {
    const h = setTimeout(() => {
      this.#timers.delete(h);
      fn();
    }, ms);
    this.#timers.add(h);
  }

  /** Puts a process into `slot`: the ready standby when there is one, else a fresh spawn. */
  #fill(slot: number): void {
    if (this.#state.phase !== 'running') return;
    const standby = this.#standby;
    if (standby && standby.ready) {
      // Assign first: spawning the next standby blocks this loop for milliseconds (fork+exec).
      this.#standby = null;
      this.#assign(standby, slot);
      this.#refillStandby();
    } else if (standby && standby.wantSlot < 0) {
      // The standby is still booting: it takes this slot as soon as it is ready.
      standby.wantSlot = slot;
      this.#standby = null;
      if (this.#cfg.standby) this.#standby = this.#spawn(-1);
    } else this.#spawn(slot);
  }

  #refill: NodeJS.Timeout | null = null;

  /**
   * Spawns the next standby a little after an assignment: a spawn blocks this loop for a few
   * milliseconds (fork+exec) and the new process's boot competes for the CPU with the
   * replacement's start (measured on 2 cores: median 4 ms at once vs 2.7 ms deferred by 50 ms).
   */
  #refillStandby(): void {
    if (this.#refill || !this.#cfg.standby) return;
    this.#refill = setTimeout(() => {
      this.#refill = null;
      if (this.#state.phase === 'running' && !this.#standby) this.#standby = this.#spawn(-1);
    }, REFILL_DELAY_MS);
  }

  #spawn(wantSlot: number): Child {
    const env: NodeJS.ProcessEnv = { ...process.env, [ENV_ROLE]: '1', [ENV_INDEX]: String(this.#cfg.poolIndex), [ENV_MASTER]: String(process.pid) };
    if (this.#cfg.queueId !== null) env[ENV_QUEUE] = String(this.#cfg.queueId);
    const proc = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', ...this.#cfg.extraFds],
      env,
    });
    const child: Child = { proc, ready: false, slot: -1, wantSlot };
    const pid = proc.pid!;
    this.#children.set(pid, child);
    proc.on('message', (m: ToMaster) => this.#onMessage(child, m));
    proc.on('error', () => {});
    proc.on('exit', (_code, signal) => {
      this.#children.delete(pid);
      if (this.#standby === child) this.#standby = null;
      // A signal (e.g. the whole process group got SIGTERM) says nothing about the entry script.
      if (!child.ready && child.slot < 0 && signal === null && this.#state.phase === 'running' && !this.#setupError) {
        // It exited before reaching pool.start(): the entry script does not build this pool.
        this.#setupError = new SwooleError(
          ErrorCode.INVALID_WORKER_SETUP,
          `pool worker process (pid ${pid}) exited before calling pool.start(): workers re-run the entry script ${process.argv[1] ?? ''}, which must build the same pools in the same order and call start() (see reference/pool/README.md)`,
        );
        process.emitWarning(this.#setupError.message, { code: 'SWOOLE_INVALID_WORKER_SETUP' });
        this.shutdown();
      }
      if (child.slot >= 0 || this.#state.detached.has(pid)) this.#apply({ t: 'exited', pid, now: Date.now() });
      else if (this.#state.phase !== 'running' && this.#children.size === 0 && this.#state.phase === 'finished') this.#finish();
    });
    return child;
  }

  #onMessage(child: Child, m: ToMaster): void {
    if (m.t === 'ready') {
      if (m.poolIndex !== this.#cfg.poolIndex || m.workerNum !== this.#cfg.workerNum || m.ipcType !== this.#cfg.ipcType) {
        this.#setupError = new SwooleError(ErrorCode.INVALID_WORKER_SETUP, `pool worker built a different pool (index ${m.poolIndex}, worker_num ${m.workerNum}, ipc ${m.ipcType}) than the master (index ${this.#cfg.poolIndex}, worker_num ${this.#cfg.workerNum}, ipc ${this.#cfg.ipcType}): build pools deterministically`);
        process.emitWarning(this.#setupError.message, { code: 'SWOOLE_INVALID_WORKER_SETUP' });
        child.proc.kill('SIGKILL');
        this.shutdown();
        return;
      }
      child.ready = true;
      trace('ready', { pid: child.proc.pid!, wantSlot: child.wantSlot });
      if (this.#state.phase !== 'running') child.proc.kill('SIGKILL');
      else if (child.wantSlot >= 0) this.#assign(child, child.wantSlot);
      // A first message warms the standby's receive path (node compiles it lazily, ~1 ms here),
      // so its assignment later is handled at once; it also hands it the pid table.
      else child.proc.send({ t: 'pids', pids: this.pids() } satisfies ToWorker);
    } else if (m.t === 'exiting') {
      // Its callbacks are over: the slot is refilled now, not after the teardown and SIGCHLD.
      if (child.slot < 0) return;
      child.slot = -1;
      this.#apply({ t: 'exiting', pid: child.proc.pid!, now: Date.now() });
    } else if (m.t === 'detach') {
      const pid = child.proc.pid!;
      child.slot = -1;
      this.#apply({ t: 'detach', pid });
    }
  }

  #assign(child: Child, slot: number): void {
    const pid = child.proc.pid!;
    child.slot = slot;
    child.wantSlot = -1;
    this.#apply({ t: 'spawned', slot, pid });
    const pids = this.pids();
    trace('assign', { pid, slot });
    const msg: ToWorker = { t: 'assign', id: slot, masterPid: process.pid, pids };
    child.proc.send(msg);
    for (const other of this.#children.values()) {
      if (other !== child && other.slot >= 0 && other.proc.connected) other.proc.send({ t: 'pids', pids } satisfies ToWorker);
    }
  }

  #finish(): void {
    if (this.#state.phase !== 'finished') return;
    // The standby (and any process not yet assigned) never ran user code: kill and reap it.
    const rest = [...this.#children.values()];
    if (rest.length) {
      for (const c of rest) c.proc.kill('SIGKILL');
      void Promise.all(rest.map((c) => (c.proc.exitCode !== null || c.proc.signalCode !== null ? null : new Promise((r) => c.proc.once('exit', r))))).then(() => this.#close());
    } else this.#close();
  }

  #close(): void {
    if (this.#refill) clearTimeout(this.#refill);
    this.#refill = null;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const [sig, fn] of this.#signals) process.off(sig, fn);
    this.#signals = [];
    this.#finished();
  }
}
