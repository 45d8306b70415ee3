import type { ConformanceCase } from '../case.ts';

/** Glob on case ids: `*` matches within a segment run, `**` anything; comma separates alternatives. */
export function globToRegExp(glob: string): RegExp {
  const alts = glob.split(',').map((g) =>
    g
      .trim()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '\u0000')
      .replace(/\*/g, '[^.]*')
      .replace(/\u0000/g, '.*')
      .replace(/\?/g, '.'),
  );
  return new RegExp(`^(?:${alts.join('|')})$`);
}

export function matchesFilter(id: string, filter: string | undefined): boolean {
  if (!filter) return true;
  const re = globToRegExp(filter);
  // A bare prefix like "pool.unixsock" selects the whole area.
  return re.test(id) || (!/[*?]/.test(filter) && filter.split(',').some((f) => id.startsWith(f.trim() + '.')));
}

/** Parses "i/n" (1-based i). */
export function parseShard(s: string): { index: number; total: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m) throw new Error(`--shard must look like i/n, got ${s}`);
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (total < 1 || index < 1 || index > total) throw new Error(`--shard ${s}: need 1 <= i <= n`);
  return { index, total };
}

/** Stable shard of a case id: a string hash, so adding a case never reshuffles the others. */
export function shardOf(id: string, total: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return (h % total) + 1;
}

export interface Selection {
  filter?: string;
  shard?: { index: number; total: number };
  /** --features: run only cases whose features are all in this list. */
  features?: string[];
}

export function select(cases: ConformanceCase[], sel: Selection): ConformanceCase[] {
  return cases.filter(
    (c) =>
      matchesFilter(c.id, sel.filter) &&
      (!sel.shard || shardOf(c.id, sel.shard.total) === sel.shard.index) &&
      (!sel.features || c.features.every((f) => sel.features!.includes(f))),
  );
}
