import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { main } from '../../conformance/cli.ts';
import { describeAdapter, resolveImpl } from '../../conformance/runner/adapter.ts';
import type { RunReport } from '../../conformance/runner/result.ts';
import { withEnv } from './fixtures/fake.ts';

/**
 * The suite tests itself: each mutant (conformance/adapters/mutant) is a plausible porting bug,
 * and the suite must fail exactly on the cases that bug affects while the others still pass.
 */
const plan: { mutant: string; mustFail: string[]; mustPass: string[]; timeout?: string }[] = [
  { mutant: 'truncate-off-by-one', mustFail: ['pool.unixsock.truncate-without-bus', 'pool.unixsock.at-limit'], mustPass: ['pool.unixsock.self-send', 'pool.unixsock.empty-message'] },
  { mutant: 'bus-ignored', mustFail: ['pool.unixsock.bus-no-limit'], mustPass: ['pool.unixsock.truncate-without-bus'] },
  { mutant: 'length-little-endian', mustFail: ['pool.socket.vector.response-one-write'], mustPass: ['pool.unixsock.self-send'] },
  // Its type-n case fails by waiting out a frame the mutant never completes (a 768-byte length):
  // the default 4× timeout would make that one wait 40 s.
  { mutant: 'server-length-little-endian', mustFail: ['server.framing.length.type-cap-n.body-3', 'server.framing.length.type-n.body-3'], mustPass: ['server.framing.length.type-c.body-3', 'server.framing.eof.check.single'], timeout: '1' },
  { mutant: 'write-dropped', mustFail: ['pool.socket.chunking-property'], mustPass: ['pool.unixsock.self-send'] },
  { mutant: 'sendto-always-true', mustFail: ['server.dgram.send-errors'], mustPass: ['server.udp.packet'] },
  { mutant: 'task-ids-from-one', mustFail: ['server.tasks.ids-and-dst'], mustPass: ['server.tasks.no-task-workers'] },
];

async function run(impl: string, ids: string[], env: Record<string, string>, timeout = '4'): Promise<RunReport> {
  const dir = mkdtempSync(join(tmpdir(), 'swc-self-'));
  try {
    await withEnv(env, () => main(['run', '--impl', impl, '--filter', ids.join(','), '--reports', dir, '--runs', '3', '--jobs', '2', '--timeout', timeout, '--quiet'], { out: () => {}, err: () => {} }));
    const file = readFileSync(join(dir, `${impl === 'mutant' ? `mutant-${env.SWC_MUTANT}` : impl}.json`), 'utf8');
    return JSON.parse(file) as RunReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const availability = await describeAdapter(resolveImpl('reference').command);
// Until the reference Pool lands, the same reference adapter drives a toy UNIXSOCK/SOCKET pool
// (fixtures/toy-pool.ts): the mutants are the adapter's, so the catch is still real.
const standIn: Record<string, string> = availability.kind === 'ok' ? {} : { SWC_REFERENCE_MODULE: fileURLToPath(new URL('./fixtures/toy-pool.ts', import.meta.url)) };

for (const p of plan) {
  const { mustFail, mustPass } = p;
  t.test(`mutant ${p.mutant} is caught`, async (t) => {
    const report = await run('mutant', [...mustFail, ...mustPass], { SWC_MUTANT: p.mutant, ...standIn }, p.timeout);
    const status = new Map(report.results.map((r) => [r.id, r.status]));
    for (const id of mustFail) t.equal(status.get(id), 'fail', `${id} fails under ${p.mutant}`);
    for (const id of mustPass) t.equal(status.get(id), 'pass', `${id} still passes under ${p.mutant}`);
  });
}

t.test('the unmutated adapter passes the same cases', async (t) => {
  const ids = [...new Set(plan.flatMap((p) => [...p.mustFail, ...p.mustPass]))];
  const report = await run('reference', ids, standIn);
  t.equal(report.results.length, ids.length);
  for (const r of report.results) t.equal(r.status, 'pass', `${r.id}: ${r.message ?? ''}`);
});
