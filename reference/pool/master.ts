/**
 * The master side of a Pool: the shared WorkerLauncher (reference/supervision/launcher.ts)
 * spawns the workers (they re-run the entry script, like node's cluster), keeps a pre-booted
 * standby and reaps every child; this adds what is the Pool's own: its ready check, its assign
 * message, SIGTERM / SIGUSR1 / SIGUSR2, onShutdown before the workers stop (P26), and the trace
 * fd benches read.
 */
import { writeSync } from 'node:fs';
import { WorkerLauncher } from '../supervision/launcher.ts';
import { loadNative } from '../native/loader.ts';
import { ErrorCode, SwooleError } from '../errors.ts';
import { ENV_INDEX, ENV_MASTER, ENV_QUEUE, ENV_ROLE, ENV_TRACE_FD, type ToMaster, type ToWorker } from './wire.ts';

export interface MasterConfig {
  poolIndex: number;
  workerNum: number;
  ipcType: number;
  maxWaitMs: number;
  standby: boolean;
  /** The standby hand-off (reference/supervision/handoff.ts). */
  handoff: boolean;
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

export class PoolMaster {
  readonly #cfg: MasterConfig;
  readonly #launcher: WorkerLauncher;
  readonly done: Promise<void>;
  #signals: [NodeJS.Signals, () => void][] = [];
  #setupError: SwooleError | null = null;
  #shutdownRequested = false;

  constructor(cfg: MasterConfig) {
    this.#cfg = cfg;
    const env: Record<string, string> = { [ENV_ROLE]: '1', [ENV_INDEX]: String(cfg.poolIndex), [ENV_MASTER]: String(process.pid) };
    if (cfg.queueId !== null) env[ENV_QUEUE] = String(cfg.queueId);
    this.#launcher = new WorkerLauncher({
      workerNum: cfg.workerNum,
      maxWaitMs: cfg.maxWaitMs,
      standby: cfg.standby,
      handoff: cfg.handoff ? loadNative() : undefined,
      env,
      extraFds: cfg.extraFds,
      checkReady: (raw) => {
        const m = raw as ToMaster & { t: 'ready' };
        return m.poolIndex === cfg.poolIndex && m.workerNum === cfg.workerNum && m.ipcType === cfg.ipcType
          ? null
          : `pool worker built a different pool (index ${m.poolIndex}, worker_num ${m.workerNum}, ipc ${m.ipcType}) than the master (index ${cfg.poolIndex}, worker_num ${cfg.workerNum}, ipc ${cfg.ipcType}): build pools deterministically`;
      },
      assignMessage: (slot, pids) => ({ t: 'assign', id: slot, masterPid: process.pid, pids }) satisfies ToWorker,
      onSetupError: (message) => {
        if (this.#setupError) return;
        this.#setupError = new SwooleError(
          ErrorCode.INVALID_WORKER_SETUP,
          message.includes('different pool') ? message : `${message} (the pool's workers must build the same pools in the same order and call pool.start(); see reference/pool/README.md)`,
        );
        process.emitWarning(this.#setupError.message, { code: 'SWOOLE_INVALID_WORKER_SETUP' });
        this.shutdown();
      },
      trace,
    });
    this.done = this.#launcher.done.then(() => {
      for (const [sig, fn] of this.#signals) process.off(sig, fn);
      this.#signals = [];
    });
  }

  /** Slot → pid table (null while a slot is being respawned). */
  pids(): (number | null)[] {
    return this.#launcher.pids();
  }

  get setupError(): SwooleError | null {
    return this.#setupError;
  }

  get running(): boolean {
    return this.#launcher.running;
  }

  start(): void {
    const on = (sig: NodeJS.Signals, fn: () => void): void => {
      process.on(sig, fn);
      this.#signals.push([sig, fn]);
    };
    on('SIGTERM', () => this.shutdown());
    on('SIGUSR1', () => this.reload());
    on('SIGUSR2', () => this.reload());
    this.#launcher.start();
  }

  shutdown(): void {
    if (this.#shutdownRequested) return;
    this.#shutdownRequested = true;
    if (!this.#launcher.running) {
      this.#launcher.shutdown();
      return;
    }
    void (async () => {
      try {
        await this.#cfg.beforeShutdown?.();
      } catch (err) {
        console.error(err);
      }
      this.#launcher.shutdown();
    })();
  }

  /** False when a reload is already running (P25). */
  reload(): boolean {
    return this.#launcher.reload();
  }
}
