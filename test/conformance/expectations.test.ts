import t from 'tap';
import { loadCases } from '../../conformance/cases/index.ts';
import { applyExpectations, expectationsFrom, loadExpectations } from '../../conformance/runner/expectations.ts';
import { exitCodeFor, summarize, type CaseResult, type RunReport } from '../../conformance/runner/result.ts';

const r = (id: string, status: CaseResult['status']): CaseResult => ({ id, title: id, clauses: ['framing.unixsock.datagram'], features: [], status, durationMs: 1, message: status });

t.test('a listed failure becomes expected-fail; a listed pass fails the run', async (t) => {
  const exp = { implementation: 'x', failures: { 'a.b.fails': 'known bug', 'a.b.passes': 'was a bug' } };
  const out = applyExpectations([r('a.b.fails', 'fail'), r('a.b.passes', 'pass'), r('a.b.other', 'pass')], exp);
  t.equal(out[0]!.status, 'expected-fail');
  t.match(out[0]!.message, /known bug/);
  t.equal(out[1]!.status, 'fail');
  t.equal(out[1]!.unexpectedPass, true);
  t.equal(out[2]!.status, 'pass');
  t.equal(exitCodeFor(out), 1, 'unexpected pass → exit 1');
  t.equal(exitCodeFor(applyExpectations([r('a.b.fails', 'fail')], exp)), 0);
});

t.test('exit codes: error outranks failure', async (t) => {
  t.equal(exitCodeFor([r('a', 'pass'), r('b', 'skipped'), r('c', 'unsupported'), r('d', 'expected-fail')]), 0);
  t.equal(exitCodeFor([r('a', 'fail')]), 1);
  t.equal(exitCodeFor([r('a', 'fail'), r('b', 'error')]), 2);
});

t.test('expectations regenerate from a report', async (t) => {
  const results = [r('a.b.x', 'fail'), r('a.b.y', 'expected-fail'), r('a.b.z', 'pass')];
  const report = { implementation: { name: 'php' }, results, summary: summarize(results) } as unknown as RunReport;
  const e = expectationsFrom(report, { implementation: 'php', failures: { 'a.b.y': 'kept reason' } });
  t.same(Object.keys(e.failures).sort(), ['a.b.x', 'a.b.y']);
  t.equal(e.failures['a.b.y'], 'kept reason');
});

t.test('shipped expectation files are well-formed and name existing cases', async (t) => {
  const ids = new Set((await loadCases()).map((c) => c.id));
  const ref = loadExpectations('conformance/expectations/reference.json');
  t.same(ref.failures, {}, 'the reference expects no failures');
  const php = loadExpectations('conformance/expectations/swoole-php.json');
  for (const id of Object.keys(php.failures)) {
    // Vector cases exist once fixtures/framing/pool-socket.json is present.
    if (id.startsWith('pool.socket.vector.') && ![...ids].some((i) => i.startsWith('pool.socket.vector.'))) continue;
    t.ok(ids.has(id), `${id} is a case`);
  }
});
