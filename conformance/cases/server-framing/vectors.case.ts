import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import { isBytesSummary } from '../../protocol/bytes.ts';
import type { Harness, ObservedEvent } from '../../runner/harness.ts';
import { startServer, stopServer } from '../finish.ts';
import { toBuffer as bytesOf, digestOf } from '../../../fixtures/bytes.ts';
import { loadVectors, type Vector } from '../../../fixtures/vectors.ts';
import { tcpServer } from '../scenarios.ts';

/**
 * fixtures/framing/length.json and eof.json replayed black-box through a live server: each
 * chunk is one write on one TCP connection, and the onReceive packets (header/EOF included),
 * the close and onClose are compared with the vector. Vectors that expect a config error are
 * decoder-level checks (fixtures/replay.ts) and are not replayed here.
 */
/**
 * Settings as Swoole's set() takes them. A "hex:…" package_eof becomes the string of those bytes;
 * JSON carries it as \u escapes, which only survive every JSON decoder unchanged below 0x80.
 */
function serverSettings(s: Record<string, unknown>): Record<string, unknown> {
  const out = { ...s };
  if (typeof out.package_eof === 'string' && out.package_eof.startsWith('hex:')) {
    const bytes = Buffer.from(out.package_eof.slice(4), 'hex');
    if (bytes.some((b) => b >= 0x80)) throw new Error(`package_eof ${out.package_eof}: bytes ≥ 0x80 cannot cross the scenario JSON`);
    out.package_eof = bytes.toString('latin1');
  }
  return out;
}

function digestOfData(e: ObservedEvent): { len: number; sha256: string } | undefined {
  const d = e.args.data;
  return isBytesSummary(d) ? { len: d.$bytes.len, sha256: d.$bytes.sha256 } : undefined;
}

/**
 * Which frames are due once `sent` stream bytes are out: frames partition a prefix of the stream
 * in order, so a frame is due when its last byte has been sent. Waiting for them before the next
 * write is the handshake that makes each chunk one read where the vector depends on it (eof_check).
 */
function dueAfter(frames: { len: number }[], sent: number): number {
  let end = 0;
  let n = 0;
  for (const f of frames) {
    end += f.len;
    if (end > sent) break;
    n++;
  }
  return n;
}

async function replay(h: Harness, v: Vector): Promise<void> {
  const frames = (v.expect.frames ?? []).map(digestOf);
  const error = v.expect.error ?? null;
  const [port] = await startServer(h);
  const c = await h.connect({ host: '127.0.0.1', port: port!.port });
  const connect = await h.waitEvent('Connect');
  const fd = connect.args.fd as number;
  const mine = { where: (e: ObservedEvent) => e.args.fd === fd };
  const got: ({ len: number; sha256: string } | undefined)[] = [];
  let sent = 0;
  for (const chunk of v.chunks ?? []) {
    const bytes = bytesOf(chunk);
    await c.write(bytes);
    sent += bytes.length;
    const due = dueAfter(frames, sent);
    while (got.length < due) {
      // An early onClose fails at once instead of waiting out the timeout.
      const e = await h.waitEvent(['Receive', 'Close'], mine);
      if (e.name === 'Close') h.expectEqual('onReceive packets before onClose', frames, got);
      got.push(digestOfData(e));
    }
  }
  if (v.end) c.halfClose();
  if (error !== null || v.end) {
    // A bad packet, or the peer's FIN (a partial packet is dropped, 8806), ends the connection
    // from the server side, with no onReceive for the rest.
    const out = await c.outcome(h.ms(5000));
    h.expectTrue('connection closed by the server', out.close !== 'open', out.close);
  } else {
    h.expectEqual('connection still open (no protocol error)', 'open', (await c.outcome(0)).close);
    c.destroy();
  }
  // onClose comes after every packet of this connection: then nothing more can be delivered.
  await h.waitEvent('Close', mine);
  const late = h.events.filter((e) => e.name === 'Receive' && e.args.fd === fd).slice(got.length);
  h.expectEqual('onReceive packets (length and sha256, in order)', frames, [...got, ...late.map(digestOfData)]);
  await stopServer(h);
}

function vectorCase(v: Vector): ConformanceCase {
  const codec = v.id.split('.')[0];
  return defineCase({
    // Case ids are lowercase; the length type letters are case-sensitive (c vs C), so C → cap-c.
    id: `server.framing.${v.id.replace(/[A-Z]/g, (m) => `cap-${m.toLowerCase()}`)}`,
    title: v.description,
    // The codec clause the vector was built for, plus the server-level rule it exercises live.
    clauses: [...(v.clauses ?? [v.clause]), (v.expect.error ?? null) === null ? 'server.framing.frames' : v.end && v.expect.error === 8806 ? 'server.framing.partial-dropped' : 'server.framing.error-closes'],
    features: ['server', 'server.base', 'server.tcp', codec === 'eof' ? 'framing.eof' : 'framing.length'],
    scenario: tcpServer(serverSettings(v.settings as Record<string, unknown>)),
    run: (h) => replay(h, v),
  });
}

function load(name: string): Vector[] {
  return loadVectors(name).filter((v) => v.expect.config_error === undefined);
}

export default [...load('length.json'), ...load('eof.json')].map(vectorCase);
