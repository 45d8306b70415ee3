import t from 'tap';
import { defineCase } from '../../conformance/case.ts';
import { loadCases } from '../../conformance/cases/index.ts';
import { globToRegExp, matchesFilter, parseShard, select, shardOf } from '../../conformance/runner/select.ts';
import { precheck } from '../../conformance/runner/suite.ts';

const mk = (id: string, features: string[], needs?: 'native'[]) =>
  defineCase({ id, title: id, clauses: ['framing.unixsock.datagram'], features, needs, scenario: { kind: 'pool', args: { worker_num: 1, ipc_type: 0, msgqueue_key: 0, enable_coroutine: false }, events: [] }, run: async () => {} });

t.test('the shipped cases load, with unique ids, clauses and features', async (t) => {
  const cases = await loadCases();
  t.ok(cases.length >= 7, `${cases.length} cases`);
  t.equal(new Set(cases.map((c) => c.id)).size, cases.length);
  for (const c of cases) {
    t.ok(c.clauses.length > 0, `${c.id} cites a clause`);
    t.ok(c.features.includes('pool') || c.features.includes('server'), `${c.id} has a kind feature`);
    t.match(c.id, /^[a-z]+\.[a-z0-9-]+\.[a-z0-9.-]+$/);
  }
});

t.test('filter globs', async (t) => {
  t.ok(matchesFilter('pool.unixsock.at-limit', 'pool.unixsock.*'));
  t.notOk(matchesFilter('pool.socket.vector.ping', 'pool.socket.*'), '* stays within a segment');
  t.ok(matchesFilter('pool.socket.vector.ping', 'pool.socket.**'));
  t.ok(matchesFilter('pool.socket.vector.ping', 'pool.socket'), 'bare prefix selects an area');
  t.ok(matchesFilter('a.b.c', 'x.*,a.b.*'), 'comma alternatives');
  t.notOk(globToRegExp('a.b').test('aXb'), 'dots are literal');
});

t.test('shards partition the cases stably', async (t) => {
  const ids = Array.from({ length: 50 }, (_, i) => `pool.area.case-${i}`);
  const cases = ids.map((id) => mk(id, ['pool']));
  const parts = [1, 2, 3].map((i) => select(cases, { shard: { index: i, total: 3 } }).map((c) => c.id));
  t.same(parts.flat().sort(), [...ids].sort(), 'every case in exactly one shard');
  t.ok(parts.every((p) => p.length > 0), 'no empty shard');
  t.equal(shardOf('pool.area.case-7', 3), shardOf('pool.area.case-7', 3));
  t.same(parseShard('2/4'), { index: 2, total: 4 });
  t.throws(() => parseShard('0/4'));
  t.throws(() => parseShard('5/4'));
  t.throws(() => parseShard('x'));
});

t.test('--features restricts; missing features are unsupported, missing capability skipped', async (t) => {
  const cases = [mk('pool.a.one', ['pool']), mk('pool.a.two', ['pool', 'pool.message-bus'])];
  t.same(select(cases, { features: ['pool'] }).map((c) => c.id), ['pool.a.one']);
  t.equal(precheck(cases[1]!, ['pool'], null)?.status, 'unsupported');
  t.equal(precheck(cases[0]!, ['pool'], null), null);
  const nat = mk('pool.a.native', ['pool'], ['native']);
  const r = precheck(nat, ['pool'], 'native addon unavailable (no loader)');
  t.equal(r?.status, 'skipped');
  t.match(r?.message, /skipped: native addon unavailable/);
});
