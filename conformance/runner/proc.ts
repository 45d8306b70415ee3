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
