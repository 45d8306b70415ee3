import t from 'tap';
import { renderSummary } from '../../conformance/reporters/console.ts';
import { renderHtml } from '../../conformance/reporters/html.ts';
import { parseReport, renderJson } from '../../conformance/reporters/json.ts';
import { renderJunit } from '../../conformance/reporters/junit.ts';
import { renderTap } from '../../conformance/reporters/tap.ts';
import { summarize, type CaseResult, type RunReport } from '../../conformance/runner/result.ts';

const results: CaseResult[] = [
  { id: 'pool.unixsock.a', title: 'A <tag> & "quote"', clauses: ['framing.unixsock.truncate'], features: ['pool'], status: 'pass', durationMs: 5 },
  { id: 'pool.unixsock.b', title: 'B', clauses: ['framing.unixsock.truncate', 'framing.bus.no-limit'], features: ['pool'], status: 'fail', durationMs: 7, message: 'len <differs>', expected: { len: 2048 }, observed: { len: 2047 }, seed: 42, counterexample: [512] },
  { id: 'pool.socket.c', title: 'C # hash', clauses: ['framing.pool-socket.header'], features: ['pool'], status: 'unsupported', durationMs: 0, message: 'lacks pool.ipc.socket' },
  { id: 'pool.socket.d', title: 'D', clauses: ['framing.pool-socket.incomplete'], features: ['pool'], status: 'expected-fail', durationMs: 3, message: 'stale bytes' },
  { id: 'pool.socket.e', title: 'E', clauses: ['framing.pool-socket.header'], features: ['pool'], status: 'error', durationMs: 1, message: 'adapter crashed \u0001' },
  { id: 'pool.socket.f', title: 'F', clauses: ['framing.pool-socket.header'], features: ['pool'], status: 'skipped', durationMs: 0, message: 'skipped: native addon unavailable' },
];

function report(name: string, rs = results): RunReport {
  return {
    format: 'swoole-conformance-report',
    formatVersion: 1,
    implementation: { name, version: '1.0', features: ['pool'], command: 'x' },
    startedAt: new Date(0).toISOString(),
    durationMs: 1234,
    options: { seed: 42, timeout: 1, jobs: 2 },
    results: rs,
    summary: summarize(rs),
    exitCode: 2,
  };
}

/** Minimal XML well-formedness: balanced tags, quoted attributes, escaped text. */
function wellFormed(xml: string): string | null {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    if (m[6]) return `stray < at ${m.index}`;
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) return `unescaped & near ${m.index}`;
      continue;
    }
    if (m[1]) {
      if (stack.pop() !== m[2]) return `mismatched </${m[2]}>`;
    } else if (!m[4]) stack.push(m[2]!);
  }
  return stack.length ? `unclosed <${stack.join('><')}>` : null;
}

t.test('JUnit XML is well-formed and counts match', async (t) => {
  const xml = renderJunit(report('ref'));
  t.equal(wellFormed(xml), null);
  t.match(xml, /<testsuites [^>]*tests="6" failures="1" errors="1" skipped="3"/);
  t.match(xml, /<testcase classname="pool.unixsock" name="pool.unixsock.b"[\s\S]*?<failure message="len &lt;differs&gt;">/);
  t.match(xml, /seed: 42/);
  t.notMatch(xml, /\u0001/, 'control characters are replaced');
  t.equal(wellFormed('<a><b></a>'), 'mismatched </a>', 'the checker itself rejects bad XML');
});

t.test('TAP has a plan, SKIP/TODO directives and YAML diagnostics', async (t) => {
  const tap = renderTap(report('ref'));
  const lines = tap.trim().split('\n');
  t.equal(lines[0], 'TAP version 14');
  t.equal(lines[1], '1..6');
  t.equal(lines.filter((l) => /^(not )?ok \d+ /.test(l)).length, 6, 'one line per case');
  t.match(tap, /^not ok 2 pool\.unixsock\.b - B$/m);
  t.match(tap, /^ok 3 pool\.socket\.c - C \\# hash # SKIP unsupported/m);
  t.match(tap, /^not ok 4 .* # TODO stale bytes$/m);
  t.match(tap, /^ {2}counterexample: \[512\]$/m);
});

t.test('JSON round-trips and is recognised', async (t) => {
  const r = report('ref');
  t.same(parseReport(renderJson(r), 'x'), r);
  t.throws(() => parseReport('{"format":"other"}', 'x.json'), /not a swoole-conformance JSON report/);
});

t.test('HTML is self-contained and shows a case × implementation matrix by clause', async (t) => {
  const html = renderHtml([report('reference'), report('swoole-php', results.map((r) => ({ ...r, status: 'pass' as const })))]);
  t.notMatch(html, /<script|<link|\bsrc=|url\(|https?:\/\//i, 'no scripts or external assets');
  t.match(html, /<th>reference<br>/);
  t.match(html, /<th>swoole-php<br>/);
  t.match(html, /id="framing.unixsock.truncate"/);
  t.equal(html.match(/<code>pool\.unixsock\.b<\/code>/g)?.length, 2, 'a case citing two clauses appears under both');
  t.match(html, /A &lt;tag&gt; &amp; &quot;quote&quot;/);
});

t.test('console summary ends with the plain counts line', async (t) => {
  const out = renderSummary(report('ref'));
  const lines = out.trim().split('\n');
  t.equal(lines.at(-2), '1 passed, 1 failed');
  t.equal(lines.at(-1), '1 expected-fail, 1 unsupported, 1 skipped, 1 errors');
  t.match(out, /FAIL pool\.unixsock\.b \[framing\.unixsock\.truncate, framing\.bus\.no-limit\]\n {4}len <differs>\n {4}expected: \{"len":2048\}\n {4}observed: \{"len":2047\}/);
});
