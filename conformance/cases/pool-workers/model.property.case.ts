import fc from 'fast-check';
import { defineCase } from '../../case.ts';
import { hexBytes, isBytesSummary } from '../../protocol/bytes.ts';
import type { ObservedEvent } from '../../runner/harness.ts';
import { checkProperty } from '../../runner/property.ts';
import { hasExited, processGroupMembers, waitExited, waitReaped } from '../../runner/proc.ts';
import { poolSocketPath, socketPool } from '../scenarios.ts';

const N = 2;

/** What the model does to the running pool in one step. */
type Command = { t: 'ping' } | { t: 'crash' } | { t: 'kill'; id: number } | { t: 'reload' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant<Command>({ t: 'ping' }),
  fc.constant<Command>({ t: 'crash' }),
  fc.integer({ min: 0, max: N - 1 }).map((id): Command => ({ t: 'kill', id })),
  fc.constant<Command>({ t: 'reload' }),
);

function text(e: ObservedEvent): string {
  const d = e.args.data;
  return isBytesSummary(d) ? Buffer.from(d.$bytes.head, 'hex').toString() : '';
}

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
}

// A model of the supervisor run against the live pool: after every step settles there are N
// live workers with ids 0..N-1 and distinct pids, every replaced process is gone (no zombie),
// and every request reached exactly one live worker, or failed visibly (closed without reply).
export default defineCase({
  id: 'pool.workers.model-property',
  title: 'Any sequence of crashes, SIGKILLs, reloads and requests keeps N live workers with distinct ids and loses no request silently',
  clauses: ['pool.workers.respawn-same-slot', 'pool.workers.exit-runs-worker-stop', 'pool.signals.reload', 'pool.lifecycle.shutdown-order'],
  features: ['pool', 'pool.ipc.socket', 'pool.supervision'],
  property: true,
  budgetMs: 120000,
  scenario: socketPool({}, N),
  async run(h) {
    h.onEvent('Message', undefined, (e) => (text(e) === 'crash' ? [{ exit: 1 }] : [{ call: 'write', args: [hexBytes(`pong:${text(e)}`)] }]));
    await h.start();
    const table = new Map<number, number>(); // worker id → live pid
    for (const w of await h.waitEvents('WorkerStart', N)) table.set(w.worker_id!, w.pid);
    const path = poolSocketPath(h.tmpdir);
    let gone: number[] = [];
    let pings = 0;

    const replaced = async (id: number, old: number) => {
      const w = await h.waitEvent('WorkerStart', { worker_id: id, where: (e) => e.pid !== old && ![...table.values()].includes(e.pid) }, 15000);
      table.set(id, w.pid);
      gone.push(old);
    };

    const request = async (body: string) => {
      const c = await h.connect({ path });
      await c.write(frame(body));
      const msg = await h.waitEvent('Message', { where: (e) => text(e) === body });
      h.expectTrue(`request ${body} reached a live worker`, table.get(msg.worker_id!) === msg.pid, { worker: msg.worker_id, pid: msg.pid, table: Object.fromEntries(table) });
      return { msg, out: await c.outcome(h.ms(5000)) };
    };

    const step = async (c: Command) => {
      switch (c.t) {
        case 'ping': {
          const body = `p${++pings}`;
          const { out } = await request(body);
          h.expectEqual(`reply to ${body}`, frame(`pong:${body}`).toString('hex'), out.data.toString('hex'));
          h.expectEqual(`${body} delivered once`, 1, h.events.filter((e) => e.name === 'Message' && text(e) === body).length);
          return;
        }
        case 'crash': {
          const { msg, out } = await request('crash');
          h.expectEqual('a crashing request fails visibly: no reply', '', out.data.toString('hex'));
          await replaced(msg.worker_id!, msg.pid);
          return;
        }
        case 'kill': {
          const old = table.get(c.id)!;
          h.signal(old, 'SIGKILL');
          await replaced(c.id, old);
          return;
        }
        case 'reload': {
          const olds = new Map(table);
          h.signal(h.masterPid, 'SIGUSR1');
          for (let id = 0; id < N; id++) await replaced(id, olds.get(id)!);
          return;
        }
      }
    };

    const settle = async (label: string) => {
      h.expectEqual(`${label}: replaced processes still running`, [], await waitExited(gone, h.ms(5000)));
      // A replacement may start before the old process is reaped (announced exits): a zombie
      // counts only if the master never waits for it.
      h.expectEqual(`${label}: replaced processes never reaped (zombies)`, [], await waitReaped(gone, h.ms(5000)));
      gone = [];
      h.expectEqual(`${label}: worker ids`, [0, 1], [...table.keys()].sort());
      const pids = [...table.values()];
      h.expectEqual(`${label}: distinct live pids`, N, new Set(pids).size);
      h.expectEqual(`${label}: live workers that exited`, [], pids.filter(hasExited));
      h.expectEqual(`${label}: zombies in the pool`, [], processGroupMembers(h.masterPid).filter((p) => p.state === 'Z').map((p) => p.pid));
    };

    await checkProperty(
      h,
      'supervision model',
      fc.array(command, { minLength: 1, maxLength: 6 }),
      async (cmds) => {
        for (const [i, c] of cmds.entries()) {
          await step(c);
          await settle(`after step ${i} ${JSON.stringify(c)}`);
        }
      },
      5,
      { timeLimitMs: 90000 },
    );

    h.signal(h.masterPid, 'SIGTERM');
    const ret = await h.waitEvent('Return', { role: 'master' }, 15000);
    h.expectEqual('start() returns null at the end', null, ret.args.ret);
    h.expectEqual('workers left after shutdown', [], await waitExited([...table.values()], h.ms(5000)));
  },
});
