/** UNIXSOCK under a burst: records packed into datagrams must still be one message each, in order. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCommand } from '../../conformance/runner/compiled.ts';

t.test('clause:framing.unixsock.datagram clause:framing.unixsock.truncate a burst then process.exit(): every message once, in order, cut at max_package_size', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'burst-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const app = fileURLToPath(new URL('./fixtures/burst-app.ts', import.meta.url));
  const [node, ...args] = nodeCommand(app);
  const proc = spawn(node!, args, { env: { ...process.env, BURST_MARK: join(dir, 'sent') }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => proc.once('exit', r));
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  const lines: Record<string, unknown>[] = [];
  const verified = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      lines.push(o);
      if (o.ev === 'verified') resolve(o);
    });
    proc.once('exit', () => reject(new Error(`pool ended early: ${JSON.stringify(lines)}`)));
    const timer = setTimeout(() => reject(new Error(`no verdict from worker 1 (messages lost?): ${JSON.stringify(lines)}`)), 30_000);
    t.teardown(() => clearTimeout(timer));
  });
  const v = await verified;
  t.same(lines.find((o) => o.ev === 'sent'), { ev: 'sent', ok: true }, 'every sendMessage returned true');
  t.equal(v.bad, null);
  proc.kill('SIGTERM');
  await exited;
});
