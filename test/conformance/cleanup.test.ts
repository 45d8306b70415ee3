import { existsSync } from 'node:fs';
import t from 'tap';
import { defineCase } from '../../conformance/case.ts';
import type { Harness } from '../../conformance/runner/harness.ts';
import { processGroupMembers } from '../../conformance/runner/proc.ts';
import { runCase } from '../../conformance/runner/run-case.ts';
import { fakeCommand, withEnv } from './fixtures/fake.ts';

const scenario = { kind: 'pool' as const, args: { worker_num: 2, ipc_type: 1, msgqueue_key: 0, enable_coroutine: false }, events: ['WorkerStart', 'Message'] };

/**
 * Group members once killed processes have been reaped: SIGKILLed orphans belong to init, which
 * reaps them asynchronously, so poll (bounded) until they are gone.
 */
async function settled(pgid: number) {
  for (let i = 0; i < 150 && processGroupMembers(pgid).length; i++) await new Promise((r) => setTimeout(r, 20));
  return processGroupMembers(pgid);
}

/** Runs a case that records its harness, so the test can look at what teardown left behind. */
async function runRecorded(mode: string, body: (h: Harness) => Promise<void>) {
  let seen: { h?: Harness; pgid?: number; controlPath?: string } = {};
  const c = defineCase({
    id: `test.cleanup.${mode}`,
    title: mode,
    clauses: ['framing.unixsock.datagram'],
    features: [],
    scenario,
    async run(h) {
      await h.start();
      seen = { h, pgid: h.masterPid, controlPath: h.controlPath };
      await h.waitEvents('WorkerStart', 2, undefined, 50000); // generous: the machine may be loaded
      await body(h);
    },
  });
  const result = await withEnv({ FAKE_MODE: mode }, () => runCase(c, { command: fakeCommand, timeoutMultiplier: 0.2, seed: 1, runs: 1 }));
  return { result, ...seen };
}

t.test('a timed-out case against an adapter that ignores SIGTERM leaves nothing behind', async (t) => {
  const { result, h, pgid, controlPath } = await runRecorded('hang', async (h) => {
    await h.waitEvent('NeverHappens', undefined, 1000);
  });
  t.equal(result.status, 'fail');
  t.match(result.message, /timed out after 200 ms waiting for event NeverHappens/);
  t.same(await settled(pgid!), [], 'no process of the adapter group survives');
  t.notOk(existsSync(h!.tmpdir), 'private dir removed');
  t.notOk(existsSync(controlPath!), 'control socket removed');
});

t.test('processes that outlive the master fail the case and are killed', async (t) => {
  const { result, pgid } = await runRecorded('orphan', async () => {});
  t.equal(result.status, 'fail');
  t.match(result.message, /processes outlived the master: pid \d+/);
  t.same(await settled(pgid!), [], 'leftovers killed');
});

t.test('a passing case cleans up too', async (t) => {
  const { result, h, pgid } = await runRecorded('ok', async (h) => {
    h.signal(h.masterPid, 'SIGTERM');
    await h.waitExit(50000);
  });
  t.equal(result.status, 'pass', result.message ?? 'pass');
  t.same(await settled(pgid!), []);
  t.notOk(existsSync(h!.tmpdir));
});

t.test('the private dir is 0700 and the control socket 0600 while the case runs', async (t) => {
  const { statSync } = await import('node:fs');
  const { result } = await runRecorded('ok', async (h) => {
    t.equal(statSync(h.tmpdir).mode & 0o777, 0o700);
    t.equal(statSync(h.controlPath).mode & 0o777, 0o600);
  });
  t.equal(result.status, 'pass');
});
