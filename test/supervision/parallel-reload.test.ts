/** SupervisorState with parallelReload (the Server's reload, clause server.multi.reload). */
import t from 'tap';
import { SupervisorState, type SupervisorCommand } from '../../reference/supervision/state.ts';

const kills = (cmds: SupervisorCommand[]) => cmds.filter((c) => c.t === 'kill').map((c) => (c as { pid: number }).pid);

t.test('clause:server.multi.reload parallel reload: SIGTERM to every worker at once, each exit respawned at once', async (t) => {
  const s = new SupervisorState({ workerNum: 3, maxWaitMs: 500, parallelReload: true });
  s.apply({ t: 'start', now: 0 });
  [10, 11, 12].forEach((pid, slot) => s.apply({ t: 'spawned', slot, pid }));
  const r = s.apply({ t: 'reload' });
  t.same(kills(r), [10, 11, 12], 'all at once');
  t.ok(r.some((c) => c.t === 'arm' && c.kind === 'reload-kill'), 'stragglers get a deadline');
  t.same(s.apply({ t: 'reload' }), [], 'a second reload while one runs is absorbed');
  const e1 = s.apply({ t: 'exited', pid: 11, now: 1 });
  t.same(e1, [{ t: 'spawn', slot: 1, delayMs: 0 }], 'no next SIGTERM: the others already have one');
  s.apply({ t: 'spawned', slot: 1, pid: 21 });
  t.same(kills(s.apply({ t: 'timer', kind: 'reload-kill' })), [10, 12], 'SIGKILL only the old ones left');
  s.apply({ t: 'exited', pid: 10, now: 2 });
  s.apply({ t: 'exited', pid: 12, now: 2 });
  t.equal(s.reloading, false);
  const rolling = new SupervisorState({ workerNum: 2, maxWaitMs: 0 });
  rolling.apply({ t: 'start', now: 0 });
  [1, 2].forEach((pid, slot) => rolling.apply({ t: 'spawned', slot, pid }));
  t.same(kills(rolling.apply({ t: 'reload' })), [1], 'without the option: one at a time (the Pool)');
});
