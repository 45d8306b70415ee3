/**
 * The I/O half of supervision, for any role that runs worker processes the cluster way: each
 * child re-runs the entry script with marker variables, says `{t:'ready'}` over the node IPC
 * channel once its script reached start(), and waits for `{t:'assign', id}`. The launcher
 * performs the SupervisorState's commands (spawn, kill, timers), keeps one pre-booted standby
 * so a replacement is assigned without a cold start, and reaps every child. What the roles
 * differ in (the ready check, the assign payload, what an exit means) comes in as hooks.
 * The Pool (reference/pool/master.ts) and the Server (reference/server/server.ts) both use it.
 *
 * Children may also say `{t:'exiting'}` (their callbacks are over: the slot is refilled now, not
 * after the teardown and SIGCHLD) and `{t:'detach'}` (the slot gets a replacement, the process
 * is reaped later without a respawn).
 *
 * With `handoff` (the Pool), a cleanly exiting worker may give its slot straight to the armed
 * standby (./handoff.ts): `{t:'exiting', handoff: pid}` from it and `{t:'took', slot, from}`
 * from the standby tell us, whichever comes first books the slot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { NativeAddon } from '../native/api.ts';
import { ENV_HANDOFF, HandoffManager } from './handoff.ts';
import { SupervisorState, type SupervisorCommand, type SupervisorEvent } from './state.ts';

export interface LauncherHooks {
  workerNum: number;
  /** max_wait_time in ms; 0 = never SIGKILL. */
  maxWaitMs: number;
  parallelReload?: boolean;
  /** See SupervisorOptions.lateSlotsFrom. */
  lateSlotsFrom?: number;
  standby: boolean;
  /** Marker variables every child gets on top of process.env. */
  env: Record<string, string>;
  /** fds every child gets, from fd 4 on (fd 3 is the IPC channel). */
  extraFds: number[];
  /** Enables the standby hand-off (needs `standby`); the children must speak it (HandoffChild). */
  handoff?: NativeAddon;
  /** A child's ready message: null when it matches, else why not (the launcher then stops). */
  checkReady(m: Record<string, unknown>): string | null;
  /** The assign message for `slot` (must have t:'assign'). */
  assignMessage(slot: number, pids: (number | null)[]): Record<string, unknown>;
  /** A child left its slot: exit code or signal as child_process reports them. */
  onExit?(slot: number, pid: number, code: number | null, signal: NodeJS.Signals | null): void;
  /** A child was assigned (its pid is in pids()). */
  onAssigned?(slot: number, pid: number): void;
  /** Any other message from an assigned child. */
  onMessage?(slot: number, pid: number, m: Record<string, unknown>): void;
  /** A child exited before it said ready, or said the wrong thing. */
  onSetupError?(message: string): void;
  /** One line per supervision event (ready, armed, assign, handoff), for benches and debugging. */
  trace?(ev: string, fields: Record<string, number>): void;
}

/**
 * The next standby is spawned a little after an assignment: a spawn blocks this loop for a few
 * milliseconds (fork+exec) and the new process's boot competes for the CPU with the
 * replacement's start (measured on 2 cores: median 4 ms at once vs 2.7 ms deferred by 50 ms).
 */
const REFILL_DELAY_MS = 50;

interface Child {
  proc: ChildProcess;
  ready: boolean;
  slot: number;
  wantSlot: number;
  /** The slot it left by announcing its exit (-1: none). */
  announced: number;
  /** Told it may read hand-offs ('arm'), and has not said 'took' yet. */
  reading: boolean;
  /** Claimed by an exiting worker; the slot it took once we know (-1: not known yet). */
  claimed: boolean;
  handoffSlot: number;
  /** Messages from a claimed standby before its slot is booked: replayed then. */
  early: Record<string, unknown>[];
}

export class WorkerLauncher {
  readonly #h: LauncherHooks;
  readonly #state: SupervisorState;
  readonly #children = new Map<number, Child>();
  #standby: Child | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();
  #finished!: () => void;
  readonly done: Promise<void>;
  #closed = false;
  #refill: NodeJS.Timeout | null = null;
  #handoff: HandoffManager | null = null;
  /** The armed standby that has not said 'took' yet: the next one is armed only after it. */
  #reader: Child | null = null;

  constructor(hooks: LauncherHooks) {
    this.#h = hooks;
    this.#state = new SupervisorState({ workerNum: hooks.workerNum, maxWaitMs: hooks.maxWaitMs, parallelReload: hooks.parallelReload, lateSlotsFrom: hooks.lateSlotsFrom });
    this.done = new Promise((resolve) => (this.#finished = resolve));
  }

  pids(): (number | null)[] {
    return [...this.#state.slots];
  }

  get running(): boolean {
    return this.#state.phase === 'running';
  }

  get reloading(): boolean {
    return this.#state.reloading;
  }

  start(): void {
    if (this.#h.handoff && this.#h.standby) this.#handoff = new HandoffManager(this.#h.handoff, this.#h.workerNum);
    this.#apply({ t: 'start', now: Date.now() });
    if (this.#h.standby) this.#standby = this.#spawn(-1);
  }

  shutdown(): void {
    this.#apply({ t: 'shutdown' });
  }

  /** False while a reload runs. `slots`: only these (default: all); `parallel` overrides parallelReload. */
  reload(slots?: readonly number[], parallel?: boolean): boolean {
    if (this.#state.reloading || this.#state.phase !== 'running') return false;
    this.#apply({ t: 'reload', slots, parallel });
    return true;
  }

  /** Sends to the process in `slot` over its IPC channel; false when there is none. */
  send(slot: number, m: Record<string, unknown>): boolean {
    const pid = this.#state.slots[slot];
    const c = pid ? this.#children.get(pid) : undefined;
    if (!c || !c.proc.connected) return false;
    c.proc.send(m);
    return true;
  }

  #apply(e: SupervisorEvent): void {
    const cmds = this.#state.apply(e);
    // Before the commands: a SIGTERM'd (shutdown, reload) worker must find no hand-off offered.
    this.#syncHandoff();
    for (const c of cmds) this.#perform(c);
  }

  /** Permission cells and the token follow the state machine; one standby reads at a time. */
  #syncHandoff(): void {
    const ho = this.#handoff;
    if (!ho || this.#closed) return;
    const now = Date.now();
    for (let slot = 0; slot < ho.slots; slot++) ho.setAllowed(slot, this.#state.handoffAllowed(slot, now));
    const sb = this.#standby;
    const offer = sb !== null && sb.ready && sb.wantSlot < 0 && !sb.claimed && this.#state.phase === 'running' && !this.#state.reloading;
    if (!offer) {
      if (ho.armed) this.#disarm();
      return;
    }
    if (ho.armed === sb.proc.pid) return; // armed already
    if (ho.armed) this.#disarm();
    if (this.#reader && this.#reader !== sb) return;
    if (!sb.reading) {
      if (!sb.proc.connected) return;
      sb.reading = true;
      this.#reader = sb;
      sb.proc.send({ t: 'arm' });
      ho.warm();
    }
    if (ho.arm(sb.proc.pid!)) this.#h.trace?.('armed', { pid: sb.proc.pid! });
  }

  /** Takes the offer back. False: an exiting worker claimed that standby (its news is on the way). */
  #disarm(): boolean {
    const ho = this.#handoff!;
    const pid = ho.armed;
    if (ho.disarm()) return true;
    const c = this.#children.get(pid);
    if (c) {
      c.claimed = true;
      if (this.#standby === c) this.#standby = null;
    }
    return false;
  }

  /**
   * Worker `from` (pid `fromPid`) handed `slot` to standby `to`: books it, whichever of the two
   * messages arrived first. A standby already gone (it died before this) is not booked: the
   * slot is refilled the usual way.
   */
  #handedOff(from: Child | undefined, fromPid: number, to: Child | undefined, slot: number): void {
    if (to && to.slot >= 0) to = undefined; // booked already (or assigned by us: then it never took this slot)
    if (to) {
      if (to.handoffSlot >= 0) return; // booked already
      to.claimed = true;
      to.handoffSlot = slot;
      if (this.#standby === to) this.#standby = null;
      this.#handoff!.forget(to.proc.pid!);
    }
    if (from && from.slot === slot) {
      from.announced = slot;
      from.slot = -1;
      // The 'spawn' it yields adopts `to` (#perform), whatever delay it asks for.
      this.#apply({ t: 'exiting', pid: fromPid, now: Date.now() });
    }
    if (to && to.handoffSlot >= 0) this.#adopt(to, slot); // e.g. shutting down: no spawn, booked to be stopped
  }

  /** Books a standby that took `slot` by hand-off (it runs already: no assign message). */
  #adopt(child: Child, slot: number): void {
    const pid = child.proc.pid!;
    child.handoffSlot = -1;
    child.slot = slot;
    child.wantSlot = -1;
    if (this.#state.phase === 'finished') {
      child.proc.kill('SIGKILL');
      return;
    }
    // Should the worker's reap have overtaken its 'exiting', the master may have started
    // another process for this slot: it has run no callback yet, so it goes instead.
    for (const other of this.#children.values()) {
      if (other === child || other.wantSlot !== slot) continue;
      other.wantSlot = -1;
      if (!this.#standby && this.#h.standby) this.#standby = other;
      else other.proc.kill('SIGKILL');
    }
    this.#apply({ t: 'spawned', slot, pid });
    this.#h.trace?.('handoff', { pid, slot });
    const pids = this.pids();
    for (const other of this.#children.values()) {
      if (other.slot >= 0 && other.proc.connected) other.proc.send({ t: 'pids', pids });
    }
    this.#h.onAssigned?.(slot, pid);
    this.#refillStandby();
    for (const m of child.early.splice(0)) this.#onMessage(child, m);
  }

  #perform(c: SupervisorCommand): void {
    switch (c.t) {
      case 'spawn': {
        const handed = [...this.#children.values()].find((x) => x.handoffSlot === c.slot);
        if (handed) this.#adopt(handed, c.slot);
        else if (c.delayMs > 0) this.#timer(c.delayMs, () => this.#fill(c.slot));
        else this.#fill(c.slot);
        break;
      }
      case 'kill':
        try {
          process.kill(c.pid, c.signal);
        } catch {
          /* already gone: its exit is on its way */
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
    // Filled meanwhile (a hand-off booked while a delayed respawn was pending).
    if (this.#state.phase !== 'running' || this.#state.slots[slot] != null) return;
    // An offered standby is ours only if no exiting worker claimed it meanwhile.
    if (this.#handoff?.armed && this.#standby && this.#handoff.armed === this.#standby.proc.pid) this.#disarm();
    const standby = this.#standby;
    if (standby && standby.ready) {
      // Assign first: spawning the next standby blocks this loop for milliseconds.
      this.#standby = null;
      this.#assign(standby, slot);
      this.#refillStandby();
    } else if (standby && standby.wantSlot < 0) {
      // The standby is still booting: it takes this slot as soon as it is ready.
      standby.wantSlot = slot;
      this.#standby = this.#h.standby ? this.#spawn(-1) : null;
    } else this.#spawn(slot);
  }

  #refillStandby(): void {
    if (this.#refill || !this.#h.standby) return;
    this.#refill = setTimeout(() => {
      this.#refill = null;
      if (this.#state.phase === 'running' && !this.#standby) this.#standby = this.#spawn(-1);
    }, REFILL_DELAY_MS);
  }

  #spawn(wantSlot: number): Child {
    const { fds, env } = this.#childFds();
    const proc = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', ...fds],
      env: { ...process.env, ...env },
    });
    const child: Child = { proc, ready: false, slot: -1, wantSlot, announced: -1, reading: false, claimed: false, handoffSlot: -1, early: [] };
    const pid = proc.pid!;
    this.#children.set(pid, child);
    proc.on('message', (m: Record<string, unknown>) => this.#onMessage(child, m));
    proc.on('error', () => {});
    proc.on('exit', (code, signal) => {
      this.#children.delete(pid);
      if (this.#standby === child) this.#standby = null;
      if (this.#reader === child) this.#reader = null;
      // A standby that dies while offered: take the offer back (a claim of it is booked as a plain exit).
      if (this.#handoff?.armed === pid) this.#disarm();
      if (child.handoffSlot >= 0) {
        // Claimed, not booked yet: book it now so its exit refills the slot like any worker's.
        this.#adopt(child, child.handoffSlot);
      }
      // A signal (e.g. the whole process group got SIGTERM) says nothing about the entry script.
      if (!child.ready && child.slot < 0 && signal === null && this.#state.phase === 'running') {
        this.#h.onSetupError?.(`worker process (pid ${pid}) exited (${code}) before reaching start(): workers re-run the entry script ${process.argv[1] ?? ''}, which must build the same objects in the same order and call start()`);
      }
      if (child.slot >= 0) {
        this.#h.onExit?.(child.slot, pid, code, signal);
        this.#apply({ t: 'exited', pid, now: Date.now() });
      } else if (this.#state.detached.has(pid)) {
        if (child.announced >= 0) this.#h.onExit?.(child.announced, pid, code, signal);
        this.#apply({ t: 'exited', pid, now: Date.now() });
      }
      if (this.#state.phase === 'finished' && this.#children.size === 0) this.#close();
    });
    return child;
  }

  /** The fds and env a child gets: the role's, then the hand-off's. */
  #childFds(): { fds: number[]; env: Record<string, string> } {
    const ho = this.#handoff;
    if (!ho) return { fds: this.#h.extraFds, env: this.#h.env };
    return { fds: [...this.#h.extraFds, ...ho.fds], env: { ...this.#h.env, [ENV_HANDOFF]: ho.env(4 + this.#h.extraFds.length) } };
  }

  #onMessage(child: Child, m: Record<string, unknown>): void {
    if (m?.t === 'ready') {
      const why = this.#h.checkReady(m);
      if (why !== null) {
        child.proc.kill('SIGKILL');
        this.#h.onSetupError?.(why);
        return;
      }
      child.ready = true;
      this.#h.trace?.('ready', { pid: child.proc.pid!, wantSlot: child.wantSlot });
      if (this.#state.phase !== 'running') child.proc.kill('SIGKILL');
      else if (child.wantSlot >= 0) this.#assign(child, child.wantSlot);
      // A first message warms the standby's receive path (node compiles it lazily, ~1 ms here),
      // so its assignment later is handled at once; it also hands it the pid table.
      else {
        child.proc.send({ t: 'pids', pids: this.pids() });
        this.#syncHandoff();
      }
      return;
    }
    if (m?.t === 'took') {
      // A standby runs in a slot now and reads no more hand-offs.
      child.reading = false;
      if (this.#reader === child) this.#reader = null;
      const from = Number(m.from);
      if (from > 0) this.#handedOff(this.#children.get(from), from, child, Number(m.slot));
      this.#syncHandoff();
      return;
    }
    // A standby that took a slot by hand-off may talk before we know which slot: kept for then.
    if (child.slot < 0 && child.ready && (child.reading || child.claimed)) {
      child.early.push(m);
      return;
    }
    if (m?.t === 'exiting') {
      // Its callbacks are over: the slot is refilled now, not after the teardown and SIGCHLD.
      if (child.slot < 0) return;
      const to = Number(m.handoff ?? 0);
      if (to > 0 && this.#handoff) {
        this.#handedOff(child, child.proc.pid!, this.#children.get(to), child.slot);
        return;
      }
      child.announced = child.slot;
      child.slot = -1;
      this.#apply({ t: 'exiting', pid: child.proc.pid!, now: Date.now() });
      return;
    }
    if (m?.t === 'detach') {
      if (child.slot < 0) return;
      child.slot = -1;
      this.#apply({ t: 'detach', pid: child.proc.pid! });
      return;
    }
    if (child.slot >= 0) this.#h.onMessage?.(child.slot, child.proc.pid!, m);
  }

  #assign(child: Child, slot: number): void {
    const pid = child.proc.pid!;
    child.slot = slot;
    child.wantSlot = -1;
    this.#apply({ t: 'spawned', slot, pid });
    const pids = this.pids();
    child.proc.send(this.#h.assignMessage(slot, pids));
    // After the send: a trace write can wake its reader and cost this process the CPU.
    this.#h.trace?.('assign', { pid, slot });
    for (const other of this.#children.values()) {
      if (other !== child && other.slot >= 0 && other.proc.connected) other.proc.send({ t: 'pids', pids });
    }
    this.#h.onAssigned?.(slot, pid);
  }

  #finish(): void {
    // Standbys and unassigned children never ran user code: kill and reap them.
    const rest = [...this.#children.values()];
    if (rest.length === 0) return this.#close();
    for (const c of rest) c.proc.kill('SIGKILL');
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handoff?.close();
    if (this.#refill) clearTimeout(this.#refill);
    this.#refill = null;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#finished();
  }
}

/**
 * The child's side: says ready, waits for the assignment, arms PR_SET_PDEATHSIG(SIGKILL) so a
 * dead parent leaves no worker behind, and exits at once if the parent is already gone.
 */
export function awaitAssignment(
  ready: Record<string, unknown>,
  parentPid: number,
  native: { setParentDeathSignal(sig: number): number; getppid(): number },
  onPids: (pids: (number | null)[]) => void,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    process.on('message', (m: Record<string, unknown>) => {
      if (m?.t === 'assign') {
        native.setParentDeathSignal(9);
        if (native.getppid() !== parentPid) process.exit(1);
        resolve(m);
      } else if (m?.t === 'pids') onPids(m.pids as (number | null)[]);
    });
    process.on('disconnect', () => process.exit(1));
    process.send!({ ...ready, t: 'ready' });
  });
}
