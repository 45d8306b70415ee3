import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc/<pid>/stat describes it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** R, S, D, Z, T, … */
  state: string;
}

/** Parses a /proc/<pid>/stat line (comm may contain spaces and parentheses). */
export function parseStat(line: string): ProcInfo | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number.parseInt(line, 10);
  const rest = line.slice(close + 2).split(' ');
  const [state, ppid, pgrp] = [rest[0], Number(rest[1]), Number(rest[2])];
  if (!state || !Number.isFinite(pid)) return null;
  return { pid, ppid, pgrp, state };
}

/** Every live (or zombie) process whose process group is `pgid`. */
export function processGroupMembers(pgid: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const info = parseStat(stat);
    if (info && info.pgrp === pgid) out.push(info);
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already gone
  }
}

/** True once `pid` has exited (gone from /proc, or a zombie: it runs no more code). */
export function hasExited(pid: number): boolean {
  try {
    const info = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return !info || info.state === 'Z' || info.state === 'X';
  } catch {
    return true;
  }
}

/** Polls /proc until `done(pid)` holds for every pid, up to `ms`; returns the pids it never held for. */
async function pollPids(pids: number[], done: (pid: number) => boolean, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter((p) => !done(p));
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = left.filter((p) => !done(p));
  }
  return left;
}

/**
 * Waits until every pid has exited, up to `ms`; returns the ones still running. A wait for a
 * condition the kernel knows, not an ordering sleep: nothing else can announce a death.
 */
export function waitExited(pids: number[], ms: number): Promise<number[]> {
  return pollPids(pids, hasExited, ms);
}

/** True once `pid` is gone from /proc: exited and reaped by its parent (no zombie left). */
export function isReaped(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`, 'utf8');
    return false;
  } catch {
    return true;
  }
}

/**
 * Waits until every pid has been reaped, up to `ms`; returns those still there (running, or
 * zombies their parent has not waited for). An exited child is a zombie until its parent's
 * wait: only one that outlasts the deadline is a leak.
 */
export function waitReaped(pids: number[], ms: number): Promise<number[]> {
  return pollPids(pids, isReaped, ms);
}

/** System V message queues as /proc/sysvipc/msg lists them. */
export function sysvQueues(): { key: number; msqid: number; qnum: number }[] {
  let text: string;
  try {
    text = readFileSync('/proc/sysvipc/msg', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 5 && /^-?\d+$/.test(f[0]!))
    .map((f) => ({ key: Number(f[0]) >>> 0, msqid: Number(f[1]), qnum: Number(f[4]) }));
}
