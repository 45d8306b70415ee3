import t from 'tap';
import { materialize, summarize } from '../../conformance/protocol/bytes.ts';
import { checkAdapterLine, checkDescribeLine } from '../../conformance/protocol/validate.ts';

const hello = { t: 'hello', protocol: 1, pid: 10, ppid: 1, role: 'worker', worker_id: 0 };
const event = { t: 'event', seq: 1, pid: 10, role: 'worker', worker_id: 0, name: 'Message', args: { data: summarize(Buffer.from('x')) } };
const done = { t: 'done', re: 1, pid: 10, results: [{ ret: true, last_error: 0 }, { ret: null, threw: { code: 505, message: 'bad' } }] };

t.test('well-formed adapter lines validate', async (t) => {
  for (const m of [hello, event, done, { t: 'log', pid: 3, level: 'warning', message: 'w', code: 9102 }]) {
    const r = checkAdapterLine(JSON.stringify(m));
    t.ok(r.ok, `${m.t} accepted`);
  }
});

t.test('structured task and pipe data is plain JSON in event args', async (t) => {
  const task = { ...event, name: 'Task', role: 'task_worker', args: { task_id: 0, src_worker_id: 0 } };
  for (const data of [{ k: 'v', n: [1, 2.5] }, [1, 'x'], 7, false, null]) t.ok(checkAdapterLine(JSON.stringify({ ...task, args: { ...task.args, data } })).ok, `data ${JSON.stringify(data)} accepted`);
  t.notOk(checkAdapterLine(JSON.stringify({ ...task, args: { ...task.args, data: { $bytes: { len: 2 } } } })).ok, 'a malformed summary is still refused');
});

t.test('malformed adapter lines are rejected with a path', async (t) => {
  const bad: [string, unknown][] = [
    ['not json', '{"t":'],
    ['unknown type', { t: 'bogus', pid: 1 }],
    ['extra property', { ...hello, extra: 1 }],
    ['wrong protocol', { ...hello, protocol: 2 }],
    ['bad role', { ...hello, role: 'boss' }],
    ['seq must be >= 1', { ...event, seq: 0 }],
    ['missing args', { t: 'event', seq: 1, pid: 1, role: 'worker', name: 'x' }],
    ['bad sha in a payload summary', { ...event, args: { data: { $bytes: { len: 1, sha256: 'zz', head: '' } } } }],
    ['raw string payload', { ...event, args: { data: 'hello' } }],
    ['results not array', { ...done, results: {} }],
  ];
  for (const [label, v] of bad) {
    const r = checkAdapterLine(typeof v === 'string' ? v : JSON.stringify(v));
    t.notOk(r.ok, label);
    if (!r.ok) t.ok(r.issues.length > 0 && typeof r.issues[0]!.path === 'string' && r.issues[0]!.keyword.length > 0, `${label}: issue names a path and keyword`);
  }
  t.notOk(checkAdapterLine(JSON.stringify({ ...event, pid: 0 })).ok, 'pid 0 rejected');
});

t.test('describe lines', async (t) => {
  t.ok(checkDescribeLine(JSON.stringify({ protocol: 1, name: 'x', version: '1', features: ['pool'] })).ok);
  t.ok(checkDescribeLine(JSON.stringify({ protocol: 1, unavailable: 'php not found' })).ok);
  t.notOk(checkDescribeLine(JSON.stringify({ protocol: 1, name: 'x', version: '1', features: ['Bad Tag'] })).ok);
  t.notOk(checkDescribeLine(JSON.stringify({ protocol: 2, name: 'x', version: '1', features: [] })).ok);
});

t.test('payload specs and summaries', async (t) => {
  t.same(materialize({ $bytes: { hex: '00ff' } }), Buffer.from([0, 255]));
  t.same(materialize({ $bytes: { fill: '6162', len: 5 } }), Buffer.from('ababa'));
  t.equal(materialize({ $bytes: { fill: '61', len: 0 } }).length, 0);
  const big = Buffer.alloc(100, 1);
  const s = summarize(big);
  t.equal(s.$bytes.len, 100);
  t.equal(s.$bytes.head.length, 64, 'head is at most 32 bytes');
  t.match(s.$bytes.sha256, /^[0-9a-f]{64}$/);
});
