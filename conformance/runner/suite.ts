import type { ConformanceCase } from '../case.ts';
import { probeNative } from './capabilities.ts';
import type { CaseResult } from './result.ts';
import { runCase, type CaseRunOptions } from './run-case.ts';

export interface SuiteOptions extends CaseRunOptions {
  features: string[];
  jobs: number;
  onResult?: (r: CaseResult) => void;
}

/** Verdicts that need no adapter run: missing feature → unsupported, missing capability → skipped. */
export function precheck(c: ConformanceCase, features: string[], nativeProblem: string | null): CaseResult | null {
  const missing = c.features.filter((f) => !features.includes(f));
  const base = { id: c.id, title: c.title, clauses: c.clauses, features: c.features, durationMs: 0 };
  if (missing.length) return { ...base, status: 'unsupported', message: `implementation lacks feature(s): ${missing.join(', ')}` };
  if (c.needs?.includes('native') && nativeProblem) return { ...base, status: 'skipped', message: `skipped: ${nativeProblem}` };
  return null;
}

/**
 * Runs cases `jobs` at a time. Cases are independent (private dirs, unix paths) except where
 * they declare a shared resource; those hold a lock for the resource while they run.
 */
export async function runSuite(cases: ConformanceCase[], opts: SuiteOptions): Promise<CaseResult[]> {
  const nativeProblem = cases.some((c) => c.needs?.includes('native')) ? await probeNative() : null;
  const results = new Map<string, CaseResult>();
  const queue = [...cases];
  const held = new Set<string>();
  let sleepers: (() => void)[] = [];
  const wakeAll = () => {
    const s = sleepers;
    sleepers = [];
    for (const f of s) f();
  };

  const take = (): ConformanceCase | undefined => {
    const i = queue.findIndex((c) => !(c.resources ?? []).some((r) => held.has(r)));
    return i < 0 ? undefined : queue.splice(i, 1)[0];
  };

  async function worker(): Promise<void> {
    while (queue.length) {
      const c = take();
      if (!c) {
        await new Promise<void>((r) => sleepers.push(r));
        continue;
      }
      const pre = precheck(c, opts.features, nativeProblem);
      let r: CaseResult;
      if (pre) r = pre;
      else {
        for (const res of c.resources ?? []) held.add(res);
        try {
          r = await runCase(c, opts);
        } finally {
          for (const res of c.resources ?? []) held.delete(res);
          wakeAll();
        }
      }
      results.set(c.id, r);
      opts.onResult?.(r);
    }
    wakeAll();
  }

  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, () => worker()));
  return cases.map((c) => results.get(c.id)!);
}
