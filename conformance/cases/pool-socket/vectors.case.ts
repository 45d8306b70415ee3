import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import { hexBytes, isBytesSummary } from '../../protocol/bytes.ts';
import type { Harness } from '../../runner/harness.ts';
import { stopPool } from '../finish.ts';
import { toBuffer as bytesOf, digestOf, type JsonBytes } from '../../../fixtures/bytes.ts';
import { loadVectors, type Vector } from '../../../fixtures/vectors.ts';
import { poolSocketPath, socketPool } from '../scenarios.ts';

/**
 * fixtures/framing/pool-socket.json replayed black-box through a live SOCKET pool: the exact
 * chunks go out as separate writes on one connection (one request per connection), and the
 * observed onMessage / response / close are compared with the vector.
 */
const OK = Buffer.from('6f6b', 'hex');
const OK_FRAME = Buffer.concat([Buffer.from([0, 0, 0, 2]), OK]);
// One byte, so it fits under any max_package_size a vector sets.
const SENTINEL = Buffer.from('S');
const SENTINEL_DIGEST = digestOf(SENTINEL.toString('hex'));

function digestOfSummary(v: unknown): { len: number; sha256: string } | undefined {
  const d = (v as { data?: unknown }).data;
  return isBytesSummary(d) ? { len: d.$bytes.len, sha256: d.$bytes.sha256 } : undefined;
}

/**
 * Handshake instead of a sleep: a complete request on a fresh connection is served, proving the
 * pool is alive; no other onMessage may have been observed before it.
 */
async function expectOnlySentinel(h: Harness, label: string): Promise<void> {
  const c = await h.connect({ path: poolSocketPath(h.tmpdir) });
  const frame = Buffer.alloc(4 + SENTINEL.length);
  frame.writeUInt32BE(SENTINEL.length, 0);
  SENTINEL.copy(frame, 4);
  await c.write(frame);
  const first = await h.waitEvent('Message');
  h.expectEqual(label, SENTINEL_DIGEST, digestOfSummary(first.args));
  await c.outcome(h.ms(5000));
}

function vectorCase(v: Vector): ConformanceCase {
  const frames = v.expect.frames ?? [];
  const clauses = v.clauses ?? [v.clause];
  return defineCase({
    id: `pool.socket.vector.${v.id.replace(/^pool-socket\./, '')}`,
    title: v.description,
    clauses,
    features: ['pool', 'pool.ipc.socket'],
    scenario: socketPool(v.settings as Record<string, unknown>),
    async run(h) {
      const parts = v.parts?.map(bytesOf);
      h.onEvent('Message', undefined, (e) => {
        if (digestOfSummary(e.args)?.sha256 === SENTINEL_DIGEST.sha256) return [{ call: 'write', args: [hexBytes(OK)] }];
        return (parts ?? [OK]).map((p) => ({ call: 'write', args: [hexBytes(p)] }));
      });
      await h.start();
      await h.waitEvents('WorkerStart', 2);
      const c = await h.connect({ path: poolSocketPath(h.tmpdir) });
      if (parts) {
        // Response vector: any request; the reply must be exactly one frame of all writes.
        await c.write(Buffer.from('0000000470696e67', 'hex'));
        const out = await c.outcome(h.ms(5000));
        h.expectEqual('response bytes', bytesOf(frames[0] as JsonBytes).toString('hex'), out.data.toString('hex'));
        h.expectEqual('connection closed after the response', 'eof', out.close);
      } else {
        for (const chunk of v.chunks ?? []) await c.write(bytesOf(chunk));
        if (v.end) c.halfClose();
        if (frames.length > 0) {
          const msg = await h.waitEvent('Message');
          h.expectEqual('onMessage data (first frame only: one request per connection)', digestOf(frames[0]!), digestOfSummary(msg.args));
          const out = await c.outcome(h.ms(5000));
          h.expectEqual('response frame', OK_FRAME.toString('hex'), out.data.toString('hex'));
          h.expectTrue('connection closed after the response', out.close !== 'open', out.close);
        } else if (v.end || (v.expect.error ?? null) !== null) {
          const out = await c.outcome(h.ms(5000));
          h.expectEqual('bytes received', '', out.data.toString('hex'));
          h.expectTrue('connection closed by the pool', out.close !== 'open', out.close);
          await expectOnlySentinel(h, 'no onMessage for the rejected request');
        } else {
          // Incomplete and still open: nothing yet, while other clients are served.
          await expectOnlySentinel(h, 'no onMessage for the incomplete request');
          h.expectEqual('incomplete connection still open', 'open', (await c.outcome(0)).close);
          c.destroy();
        }
      }
      await stopPool(h);
    },
  });
}

export default loadVectors('pool-socket.json').map(vectorCase);
