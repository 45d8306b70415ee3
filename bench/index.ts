/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so each
 * measure gets the machine to itself. Each script prints its own table (ours vs baseline, same
 * run). Pass names to run a subset: `npm run bench -- framing native`; `npm run bench -- pool`
 * runs pool (sendMessage, restart, crash loop), pool-rss and pool-socket; `-- server-tasks` runs
 * taskwait latency, task() throughput and Server sendMessage (ours vs plain Node). Each bench and
 * its apps run as the compiled copy (build/js, `npm run build` first) under plain node.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { compiledIsFresh, nodeCommand, STALE_NOTE } from '../conformance/runner/compiled.ts';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

// Like a deployment, the benches and their apps run the compiled JavaScript under plain node.
const fresh = compiledIsFresh();
if (!fresh) console.log(`note: ${STALE_NOTE}`);
let failed = 0;
for (const file of scripts) {
  console.log(`\n## ${file.replace(/\.bench\.ts$/, '')}\n`);
  const [node, ...args] = nodeCommand(join(here, file), fresh);
  const r = spawnSync(node!, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(bench ${file} exited with ${r.status ?? r.signal})`);
  }
}
if (scripts.length === 0) console.log('no bench scripts matched');
process.exitCode = failed ? 1 : 0;
