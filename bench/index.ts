/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so each
 * measure gets the machine to itself. Each script prints its own table (ours vs baseline, same
 * run). Pass names to run a subset: `npm run bench -- framing native`; `npm run bench -- pool`
 * runs pool (sendMessage, restart, crash loop), pool-rss and pool-socket; `-- server-tasks` runs
 * taskwait latency, task() throughput and Server sendMessage (ours vs plain Node).
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

let failed = 0;
for (const file of scripts) {
  console.log(`\n## ${file.replace(/\.bench\.ts$/, '')}\n`);
  const r = spawnSync(process.execPath, ['--import=tsx', join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(bench ${file} exited with ${r.status ?? r.signal})`);
  }
}
if (scripts.length === 0) console.log('no bench scripts matched');
process.exitCode = failed ? 1 : 0;
