/**
 * The supervisor's state machine, without I/O: events in, commands out. The launcher
 * (launcher.ts, used by the Pool's master and the Server's manager) performs the commands
 * (spawn, kill, timers) and feeds back what happened. Rules: swoole-semantics.md P18–P29 and swoole-observed.md §d.
 * - Slots 0..N-1 each hold one live worker while running; an exit is answered by a spawn into
 *   the same slot. Swoole respawns without any backoff (P20); we do too for the first few
 *   rapid exits of a slot, then back off (bounded) so a crash loop cannot spin a core.
 * - Reload (SIGUSR1/SIGUSR2): one worker at a time in id order; each replacement is spawned
 *   before the next SIGTERM; stragglers get SIGKILL after max_wait_time. With parallelReload
 *   (the Server's reload, observed h2) every worker gets SIGTERM at once and each exit is
 *   answered by an immediate respawn.
 * - Shutdown: SIGTERM to every worker at once, SIGKILL after max_wait_time (0 = wait forever),
 *   finished once every child has been reaped.
 * - Detach: the slot gets a replacement; the old pid is reaped later without a respawn.
 * - Exiting: a worker that says it is on its way out (its callbacks are over, the process is
 *   tearing down) counts as exited for its slot at once (respawn, backoff), so the replacement
 *   does not wait for the teardown; its pid is still reaped later, and a rolling reload signals
 *   the next worker only then.
 * - Hand-off: handoffAllowed(slot) says whether a clean exit of that slot's worker may give its
 *   slot straight to the standby (launcher.ts, handoff.ts): only when the exit would be answered
 *   by an immediate respawn anyway. The hand-off is then reported as an 'exiting' event.
 */

export type SupervisorEvent =
  | { t: 'start'; now: number }
  | { t: 'spawned'; slot: number; pid: number }
  | { t: 'exited'; pid: number; now: number }
  | { t: 'exiting'; pid: number; now: number }
  | { t: 'reload'; slots?: readonly number[]; parallel?: boolean }
  | { t: 'shutdown' }
  | { t: 'detach'; pid: number }
  | { t: 'timer'; kind: TimerKind };

export type TimerKind = 'shutdown-kill' | 'reload-kill';

export type SupervisorCommand =
  | { t: 'spawn'; slot: number; delayMs: number }
  | { t: 'kill'; pid: number; signal: 'SIGTERM' | 'SIGKILL' }
  | { t: 'arm'; kind: TimerKind; ms: number }
  | { t: 'finished' };

export interface SupervisorOptions {
  workerNum: number;
  /** max_wait_time in ms; 0 = never escalate to SIGKILL. */
  maxWaitMs: number;
  /** Exits of one slot within `crashWindowMs` tolerated before backing off. */
  crashBurst?: number;
  crashWindowMs?: number;
  /** Upper bound of the backoff delay. */
  maxBackoffMs?: number;
  /**
   * Reload every worker at once instead of one at a time (Swoole's Server, observed h2; the
   * Pool reloads in id order). Each exit is still answered by an immediate respawn.
   */
  parallelReload?: boolean;
  /**
   * Slots from this one on (the Server's user processes, observed h12) get their SIGTERM at
   * shutdown only once every other process is gone. Default: none.
   */
  lateSlotsFrom?: number;
}

export type Phase = 'idle' | 'running' | 'stopping' | 'finished';

export class SupervisorState {
  readonly workerNum: number;
  readonly #maxWaitMs: number;
  readonly #burst: number;
  readonly #window: number;
  readonly #maxBackoff: number;
  readonly #parallelReload: boolean;
  readonly #lateFrom: number;
  #lateSignalled = false;
  phase: Phase = 'idle';
  /** Current pid per slot (null while a spawn is pending). */
  readonly slots: (number | null)[];
  /** Pids that left their slot (detached, or announced their exit) and are not reaped yet. */
  readonly detached = new Set<number>();
  readonly #exitTimes: number[][];
  /** Old pids still to be reloaded, in id order; the head is the one being stopped. */
  #reloadQueue: number[] = [];
  #reloading = false;
  /** The reload in progress restarts every worker at once (else one at a time). */
  #reloadParallel = false;

  constructor(o: SupervisorOptions) {
    if (!Number.isInteger(o.workerNum) || o.workerNum < 1) throw new RangeError('workerNum must be ≥ 1');
    this.workerNum = o.workerNum;
    this.#maxWaitMs = o.maxWaitMs;
    this.#burst = o.crashBurst ?? 8;
    // Ten seconds, not one: a node worker takes ~0.3 s of CPU to boot, so a crash loop paced by
    // boots never has 8 exits in one second and would never back off (measured: ~1.8 cores).
    this.#window = o.crashWindowMs ?? 10_000;
    this.#maxBackoff = o.maxBackoffMs ?? 1000;
    this.#parallelReload = o.parallelReload ?? false;
    this.#lateFrom = o.lateSlotsFrom ?? o.workerNum;
    this.slots = Array.from({ length: o.workerNum }, () => null);
    this.#exitTimes = Array.from({ length: o.workerNum }, () => []);
  }

  get reloading(): boolean {
    return this.#reloading;
  }

  /** Every pid the supervisor still waits for. */
  livePids(): number[] {
    return [...this.slots.filter((p): p is number => p !== null), ...this.detached];
  }

  slotOf(pid: number): number {
    return this.slots.indexOf(pid);
  }

  apply(e: SupervisorEvent): SupervisorCommand[] {
    switch (e.t) {
      case 'start':
        if (this.phase !== 'idle') return [];
        this.phase = 'running';
        return this.slots.map((_, slot) => ({ t: 'spawn', slot, delayMs: 0 }));
      case 'spawned':
        if (this.phase === 'running' || this.phase === 'stopping') this.slots[e.slot] = e.pid;
        // A worker that comes up during shutdown is stopped like the rest.
        return this.phase === 'stopping' ? [{ t: 'kill', pid: e.pid, signal: 'SIGTERM' }] : [];
      case 'exited':
        return this.#exited(e.pid, e.now, false);
      case 'exiting':
        // Already out of its slot (detached, or said so before): only its reap is left.
        if (this.detached.has(e.pid) || this.slotOf(e.pid) < 0) return [];
        return this.#exited(e.pid, e.now, true);
      case 'reload':
        return this.#reload(e.slots, e.parallel ?? this.#parallelReload);
      case 'shutdown':
        return this.#shutdown();
      case 'detach': {
        const slot = this.slotOf(e.pid);
        if (slot < 0 || this.phase !== 'running') return [];
        this.slots[slot] = null;
        this.detached.add(e.pid);
        return [{ t: 'spawn', slot, delayMs: 0 }];
      }
      case 'timer':
        if (e.kind === 'shutdown-kill' && this.phase === 'stopping') {
          // Late slots not signalled yet are not overdue: they get SIGTERM (and their own
          // max_wait_time) once the others are gone.
          const late = this.#lateSignalled ? new Set<number>() : new Set(this.slots.slice(this.#lateFrom));
          return this.livePids().filter((pid) => !late.has(pid)).map((pid) => ({ t: 'kill', pid, signal: 'SIGKILL' }));
        }
        if (e.kind === 'reload-kill' && this.#reloading) return this.#reloadQueue.map((pid) => ({ t: 'kill', pid, signal: 'SIGKILL' }));
        return [];
    }
  }

  /**
   * Whether the next exit of `slot`'s worker would get an immediate respawn: running, no
   * reload (a reload paces its own respawns), and the slot is not backing off. Conservative
   * over time (exits only age out of the window), so the answer may be cached until the next event.
   */
  handoffAllowed(slot: number, now: number): boolean {
    if (this.phase !== 'running' || this.#reloading || this.slots[slot] == null) return false;
    const recent = this.#exitTimes[slot]!.filter((t) => t >= now - this.#window).length;
    return recent + 1 <= this.#burst;
  }

  #backoff(slot: number, now: number): number {
    const times = this.#exitTimes[slot]!;
    times.push(now);
    while (times.length && times[0]! < now - this.#window) times.shift();
    const excess = times.length - this.#burst;
    return excess <= 0 ? 0 : Math.min(this.#maxBackoff, 10 * 2 ** Math.min(excess - 1, 10));
  }

  /** `stillAlive`: the worker announced its exit; it leaves its slot but is reaped later. */
  #exited(pid: number, now: number, stillAlive: boolean): SupervisorCommand[] {
    const out: SupervisorCommand[] = [];
    if (this.detached.delete(pid)) {
      // A detached or reloaded worker: no respawn for it (a reload spawned/spawns its own replacement).
    } else {
      const slot = this.slotOf(pid);
      if (slot < 0) return [];
      this.slots[slot] = null;
      if (stillAlive) this.detached.add(pid);
      if (this.phase === 'running') {
        const reloadHead = this.#reloading && (this.#reloadParallel ? this.#reloadQueue.includes(pid) : this.#reloadQueue[0] === pid);
        out.push({ t: 'spawn', slot, delayMs: reloadHead ? 0 : this.#backoff(slot, now) });
      }
    }
    // A reload moves on when the old process is really gone (Swoole waits for it, P25): its
    // announced exit already refilled the slot, the next SIGTERM waits for the reap.
    if (this.#reloading && !stillAlive) {
      const at = this.#reloadQueue.indexOf(pid);
      if (at >= 0) {
        this.#reloadQueue.splice(at, 1);
        if (at === 0 && this.#reloadQueue.length && !this.#reloadParallel) out.push({ t: 'kill', pid: this.#reloadQueue[0]!, signal: 'SIGTERM' });
      }
      if (this.#reloadQueue.length === 0) this.#reloading = false;
    }
    if (this.phase === 'stopping') {
      if (this.livePids().length === 0) {
        this.phase = 'finished';
        out.push({ t: 'finished' });
      } else out.push(...this.#signalLate());
    }
    return out;
  }

  /** Shutdown: once only the late slots are left, they get their SIGTERM. */
  #signalLate(): SupervisorCommand[] {
    if (this.#lateSignalled) return [];
    const late = new Set(this.slots.slice(this.#lateFrom).filter((p): p is number => p !== null));
    if (this.livePids().some((p) => !late.has(p))) return [];
    this.#lateSignalled = true;
    const out: SupervisorCommand[] = [...late].map((pid) => ({ t: 'kill', pid, signal: 'SIGTERM' }));
    if (out.length && this.#maxWaitMs > 0) out.push({ t: 'arm', kind: 'shutdown-kill', ms: this.#maxWaitMs });
    return out;
  }

  /** `only`: the slots to reload (the Server's task workers for SIGUSR2); default every slot. */
  #reload(only: readonly number[] | undefined, parallel: boolean): SupervisorCommand[] {
    if (this.phase !== 'running' || this.#reloading) return [];
    this.#reloadParallel = parallel;
    this.#reloadQueue = this.slots.filter((p, slot): p is number => p !== null && (only ? only.includes(slot) : true));
    if (this.#reloadQueue.length === 0) return [];
    this.#reloading = true;
    const first = parallel ? this.#reloadQueue : [this.#reloadQueue[0]!];
    const out: SupervisorCommand[] = first.map((pid) => ({ t: 'kill', pid, signal: 'SIGTERM' }));
    if (this.#maxWaitMs > 0) out.push({ t: 'arm', kind: 'reload-kill', ms: this.#maxWaitMs });
    return out;
  }

  #shutdown(): SupervisorCommand[] {
    if (this.phase === 'idle') {
      this.phase = 'finished';
      return [{ t: 'finished' }];
    }
    if (this.phase !== 'running') return [];
    this.phase = 'stopping';
    this.#reloading = false;
    this.#reloadQueue = [];
    const live = this.livePids();
    if (live.length === 0) {
      this.phase = 'finished';
      return [{ t: 'finished' }];
    }
    const late = new Set(this.slots.slice(this.#lateFrom));
    const early = live.filter((p) => !late.has(p));
    if (early.length === 0) return this.#signalLate();
    const out: SupervisorCommand[] = early.map((pid) => ({ t: 'kill', pid, signal: 'SIGTERM' }));
    if (this.#maxWaitMs > 0) out.push({ t: 'arm', kind: 'shutdown-kill', ms: this.#maxWaitMs });
    return out;
  }
}
