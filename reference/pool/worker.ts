/**
 * The worker side of a Pool: waits (as a pre-booted standby) for its slot, from the master or
 * by hand-off from an exiting worker (../supervision/handoff.ts), arms the
 * parent-death signal, runs onWorkerStart, then serves its IPC mode one message at a time
 * until stopped, and runs onWorkerStop on the way out.
 */
import net from 'node:net';
import { AsyncLocalStorage } from 'node:async_hooks';
import { SWOOLE_IPC_MSGQUEUE, SWOOLE_IPC_SOCKET, SWOOLE_IPC_UNIXSOCK } from '../constants.ts';
import { ErrorCode } from '../errors.ts';
import { PoolFrameDecoder, encodePoolFrame } from '../framing/pool-frame.ts';
import { DatagramReceiver } from '../ipc/datagram-channel.ts';
import type { MsgQueueReceiver, NativeAddon } from '../native/api.ts';
import { ENV_MASTER, ENV_QUEUE, FIRST_EXTRA_FD, type ToMaster, type ToWorker } from './wire.ts';
import { routeExitThroughStop } from './exit-hook.ts';
import { ENV_HANDOFF, HandoffChild, type HandoffMessage } from '../supervision/handoff.ts';

export interface WorkerHooks {
  poolIndex: number;
  workerNum: number;
  ipcType: number;
  maxPackageSize: number;
  bus: boolean;
  hasMessage: boolean;
  native: () => NativeAddon;
  /** UNIXSOCK: keep freed heap for reuse (mallocTrim) once booted. */
  tuneMalloc: boolean;
  /** Standby time: open what does not depend on the slot. */
  prepare(): void;
  onAssigned(id: number, masterPid: number, pids: (number | null)[]): void;
  onPids(pids: (number | null)[]): void;
  workerStart(): unknown;
  message(data: Buffer): unknown;
  /** onWorkerExit (coroutine pools): runs at the stop and again after each callback that settles meanwhile. */
  workerExit?: () => unknown;
  workerStop(): unknown;
}

/**
 * Free heap a UNIXSOCK worker keeps before glibc trims (glibc's own dynamic ceiling): a first
 * touch of a page costs ~4–8 µs on this VM, and the default 128 KiB threshold handed most freed
 * receive buffers back (measured: 24–48k faults per 200k 1 KiB messages → ~9k).
 */
const MALLOC_KEEP_BYTES = 64 * 1024 * 1024;

/** The response being built by write() for the message in flight (SOCKET mode). */
export const responseScope = new AsyncLocalStorage<Buffer[]>();

export class PoolWorker {
  readonly #h: WorkerHooks;
  #stopping = false;
  #stopped = false;
  #exitCode = 0;
  #chain: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #closers: (() => void)[] = [];
  #done!: () => void;
  readonly done: Promise<void>;
  /** process.exit as it was before routeExitThroughStop (the worker's own way out). */
  readonly #realExit = process.exit.bind(process);
  /** The standby hand-off (null: the master runs without it). */
  #handoff: HandoffChild | null = null;
  #id = -1;
  #detached = false;

  constructor(hooks: WorkerHooks) {
    this.#h = hooks;
    this.done = new Promise((r) => (this.#done = r));
  }

  /** Waits for the master's assignment; the process may sit here as a standby for a long time. */
  run(): Promise<void> {
    process.on('message', (m: ToWorker) => {
      if (m.t === 'assign') {
        const wasReading = this.#handoff?.listening ?? false;
        this.#handoff?.stopListening();
        if (this.#id >= 0) return; // took a slot by hand-off already (the master's offer lost the race)
        void this.#assigned(m);
        if (wasReading) process.send!({ t: 'took', slot: m.id, from: 0 } satisfies ToMaster);
      } else if (m.t === 'pids') {
        this.#h.onPids(m.pids);
        if (this.#id >= 0) this.#handoff?.prepare(this.#id, m.pids);
      } else if (m.t === 'arm' && this.#id < 0) this.#handoff?.listen((h) => this.#handedOver(h));
    });
    // The master died (or closed the channel) before we finished: leave at once.
    process.on('disconnect', () => this.#realExit(this.#stopped ? this.#exitCode : 1));
    // Everything that does not depend on the slot is done while still a standby, off the
    // restart path: the addon, the parent-death signal (a standby must not outlive the master either).
    const native = this.#h.native();
    this.#handoff = HandoffChild.fromEnv(native, process.env[ENV_HANDOFF]);
    native.setParentDeathSignal(9);
    if (native.getppid() !== Number(process.env[ENV_MASTER])) process.exit(1); // the master died before prctl took effect
    this.#h.prepare();
    // Off the restart path: the exit announcement (it does nothing before an assignment) and
    // node's signal machinery (its first listener loads it; SIGWINCH is ignored by default anyway).
    // The SIGTERM listener itself cannot move here: with none, SIGTERM must keep its default
    // action, and helpers such as signal-exit only re-raise when they are alone.
    process.once('exit', () => this.#id >= 0 && this.#announceExit());
    const warm = (): void => {};
    process.on('SIGWINCH', warm);
    process.off('SIGWINCH', warm);
    // Boot garbage goes back to the kernel; from now on freed IPC buffers stay for reuse (README: Memory).
    if (this.#h.tuneMalloc) native.mallocTrim(MALLOC_KEEP_BYTES);
    process.send!({ t: 'ready', poolIndex: this.#h.poolIndex, workerNum: this.#h.workerNum, ipcType: this.#h.ipcType } satisfies ToMaster);
    return this.done;
  }

  /** An exiting worker gave us its slot: the same start as the master's assignment, then we say so. */
  #handedOver(h: HandoffMessage): void {
    if (this.#id >= 0) return;
    void this.#assigned({ t: 'assign', id: h.slot, masterPid: Number(process.env[ENV_MASTER]), pids: h.pids });
    // After onWorkerStart's synchronous part: this message is not on the restart's path.
    process.send!({ t: 'took', slot: h.slot, from: h.from } satisfies ToMaster);
  }

  async #assigned(m: Extract<ToWorker, { t: 'assign' }>): Promise<void> {
    const native = this.#h.native();
    this.#id = m.id;
    this.#h.onAssigned(m.id, m.masterPid, m.pids);
    routeExitThroughStop((code) => !this.#stopping && (this.stop(code), true), this.#realExit);
    // onWorkerStart counts as a callback in flight: stop()/detach() inside it wait for it to return.
    this.#inFlight++;
    try {
      let started: unknown;
      try {
        started = this.#h.workerStart();
      } finally {
        // SIGTERM: graceful when we have a message loop, Node's default (immediate death)
        // otherwise; like Swoole (P24), the graceful handler comes once onWorkerStart has
        // returned, which also keeps the listener's setup off the restart path.
        if (this.#h.hasMessage) process.on('SIGTERM', () => this.stop());
      }
      this.#handoff?.prepare(m.id, m.pids); // off the restart path too
      await started;
    } catch (err) {
      this.#inFlight--;
      this.#crash(err);
      return;
    }
    this.#inFlight--;
    if (this.#stopping) {
      if (this.#inFlight === 0) void this.#finish();
      return;
    }
    if (!this.#h.hasMessage) {
      // No message loop: the worker's job is onWorkerStart (and whatever it left pending).
      process.channel?.unref();
      process.once('beforeExit', () => this.stop());
      return;
    }
    this.#serve(m.id, native);
  }

  #serve(id: number, native: NativeAddon): void {
    const h = this.#h;
    if (h.ipcType === SWOOLE_IPC_UNIXSOCK) {
      const rx = new DatagramReceiver(native, FIRST_EXTRA_FD + h.workerNum + id, { bus: h.bus, maxPackageSize: h.maxPackageSize }, (data) => this.#enqueue(data), (detail) =>
        process.emitWarning(`abnormal pipeline data: ${detail}`, { code: `SWOOLE_${ErrorCode.WORKER_ABNORMAL_PIPE_DATA}` }),
      );
      this.#closers.push(() => rx.stop());
    } else if (h.ipcType === SWOOLE_IPC_MSGQUEUE) {
      const queueId = Number(process.env[ENV_QUEUE]);
      let receiver: MsgQueueReceiver | null = null;
      receiver = native.msgReceiver(queueId, 0, 65536, (err, msg) => {
        if (err || !msg) {
          if (!this.#stopping) process.emitWarning(`msgrcv failed: ${err?.message ?? 'no message'}`, { code: 'SWOOLE_MSGQUEUE' });
          return;
        }
        this.#enqueue(msg.data, () => receiver?.next());
      });
      this.#closers.push(() => receiver?.close());
    } else if (h.ipcType === SWOOLE_IPC_SOCKET) {
      const server = net.createServer({ allowHalfOpen: true }, (conn) => this.#connection(conn));
      server.listen({ fd: FIRST_EXTRA_FD });
      this.#closers.push(() => server.close());
    }
  }

  /** One request per connection (F2): the first frame only; then the response and close. */
  #connection(conn: net.Socket): void {
    const decoder = new PoolFrameDecoder({ maxPackageSize: this.#h.maxPackageSize });
    let taken = false;
    conn.on('error', () => {});
    conn.on('data', (chunk) => {
      if (taken) return;
      const error = decoder.push(chunk, (frame) => {
        if (taken) return;
        taken = true;
        conn.pause();
        const body = Buffer.from(frame);
        this.#enqueue(body, undefined, (parts) => {
          if (conn.destroyed) return;
          if (parts.length) conn.end(encodePoolFrame(parts));
          else conn.end();
        });
      });
      // Oversize: reset (nothing read beyond the header); zero length: a plain close.
      if (error && !taken) error.code === ErrorCode.PACKAGE_LENGTH_TOO_LARGE ? conn.resetAndDestroy() : conn.end();
    });
    conn.on('end', () => {
      if (!taken) conn.end(); // incomplete frame: dropped without a callback (F5; Swoole's stale-byte delivery is not mirrored)
    });
  }

  /** Messages run one at a time, in arrival order. */
  #enqueue(data: Buffer, after?: () => void, respond?: (parts: Buffer[]) => void): void {
    if (this.#stopping) return;
    if (this.#inFlight === 0 && !respond) {
      // Fast path: nothing queued, so run now; only an async callback makes later ones wait.
      this.#inFlight++;
      let r: unknown;
      try {
        r = this.#h.message(data);
      } catch (err) {
        this.#inFlight--;
        this.#crash(err);
        return;
      }
      if (r instanceof Promise) {
        this.#chain = r.then(
          () => this.#settled(after),
          (err) => {
            this.#inFlight--;
            this.#crash(err);
          },
        );
      } else this.#settled(after);
      return;
    }
    this.#inFlight++;
    this.#chain = this.#chain.then(async () => {
      const parts: Buffer[] = [];
      try {
        await responseScope.run(parts, () => this.#h.message(data));
      } catch (err) {
        this.#crash(err);
        return;
      } finally {
        this.#inFlight--;
      }
      respond?.(parts);
      after?.();
      if (this.#stopping) this.#exitTurn();
      if (this.#stopping && this.#inFlight === 0) void this.#finish();
    });
  }

  #settled(after?: () => void): void {
    this.#inFlight--;
    after?.();
    if (this.#stopping) this.#exitTurn();
    if (this.#stopping && this.#inFlight === 0) void this.#finish();
  }

  /**
   * P14: while a stopping worker waits for pending callbacks, onWorkerExit runs on every
   * event-loop turn that has work (Swoole: every reactor iteration), so possibly several times.
   */
  #exitTurn(): void {
    if (!this.#h.workerExit || this.#stopped) return;
    try {
      const r = this.#h.workerExit();
      if (r instanceof Promise) r.catch((err: unknown) => console.error(err));
    } catch (err) {
      console.error(err);
    }
  }

  /** Graceful stop: no new messages; the current one finishes; onWorkerStop; exit(0). */
  stop(code = 0): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#exitCode = code;
    for (const close of this.#closers) close();
    this.#exitTurn();
    if (this.#inFlight === 0) void this.#finish();
  }

  #crash(err: unknown): void {
    console.error(`PHP Fatal error equivalent: uncaught ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    this.#stopping = false;
    this.stop(255);
  }

  async #finish(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      await this.#h.workerStop();
    } catch (err) {
      console.error(err);
    }
    // onWorkerStop is over: announce now rather than from process.exit's 'exit' event.
    this.#announceExit();
    this.#realExit(this.#exitCode);
  }

  #announced = false;

  /** Worker: hands the slot to a replacement chosen by the master and stops (Pool::detach). */
  detach(): void {
    this.#detached = true;
    process.send!({ t: 'detach' } satisfies ToMaster);
    this.stop();
  }

  #announceExit(): void {
    if (this.#announced) return;
    this.#announced = true;
    if (!process.connected) return;
    // A clean end: give the slot straight to the standby when the master allows it (see handoff.ts).
    const to = this.#handoff && this.#id >= 0 && !this.#detached ? this.#handoff.handOff(this.#id) : 0;
    process.send!((to ? { t: 'exiting', handoff: to } : { t: 'exiting' }) satisfies ToMaster);
  }
}
