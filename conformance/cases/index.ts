import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConformanceCase } from '../case.ts';

const casesDir = fileURLToPath(new URL('.', import.meta.url));
// Run from the compiled copy (build/js), the cases beside this module are .js.
const caseSuffix = import.meta.url.endsWith('.js') ? '.case.js' : '.case.ts';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith(caseSuffix) ? [join(dir, d.name)] : [],
  );
}

/** Loads every conformance/cases/**\/*.case.ts (default export), sorted by id; ids must be unique. */
export async function loadCases(dir = casesDir): Promise<ConformanceCase[]> {
  const files = walk(dir).sort();
  const cases: ConformanceCase[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const mod = (await import(pathToFileURL(f).href)) as { default?: ConformanceCase | ConformanceCase[] };
    // A file may export an array when its cases are generated from data (fixture vectors).
    for (const c of Array.isArray(mod.default) ? mod.default : [mod.default]) add(c, f);
  }
  function add(c: ConformanceCase | undefined, f: string): void {
    if (!c || typeof c.id !== 'string' || typeof c.run !== 'function' || !Array.isArray(c.clauses)) {
      throw new Error(`${relative(dir, f)}: default export is not a case (use defineCase)`);
    }
    if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id} in ${relative(dir, f)} and ${seen.get(c.id)}`);
    seen.set(c.id, relative(dir, f));
    cases.push(c);
  }
  return cases.sort((a, b) => a.id.localeCompare(b.id));
}
