import fc from 'fast-check';
import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import { summarize } from '../../protocol/bytes.ts';
import { checkProperty } from '../../runner/property.ts';
import type { ObservedEvent } from '../../runner/harness.ts';
import { ramp } from '../expect-bytes.ts';
import { startServer, stopServer } from '../finish.ts';
import { SWOOLE_BASE, SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { multiServer, tcpServer } from '../scenarios.ts';

const EOF = Buffer.from('\r\n');

/** Any packet list, cut at any points, arrives as exactly those packets, in order, on one connection. */
function chunkingCase(id: string, title: string, set: Record<string, unknown>, feature: string, encode: (body: Buffer) => Buffer, body: fc.Arbitrary<Buffer>, mode = SWOOLE_BASE): ConformanceCase {
  const workers = mode === SWOOLE_PROCESS ? 2 : 1;
  return defineCase({
    id,
    title,
    clauses: ['server.framing.frames', feature === 'framing.eof' ? 'framing.eof.split' : 'framing.length.type-codes'],
    features: ['server', mode === SWOOLE_PROCESS ? 'server.process' : 'server.base', 'server.tcp', feature],
    property: true,
    scenario: mode === SWOOLE_PROCESS ? multiServer(SWOOLE_PROCESS, set) : tcpServer(set),
    async run(h) {
      const [port] = await startServer(h, workers);
      const sample = fc.array(body, { minLength: 1, maxLength: 8 }).chain((bodies) => {
        const total = bodies.reduce((n, b) => n + encode(b).length, 0);
        return fc.tuple(fc.constant(bodies), fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, total - 1) }), { maxLength: 10 }));
      });
      await checkProperty(h, 'packets cut anywhere', sample, async ([bodies, cuts]) => {
        const packets = bodies.map(encode);
        const stream = Buffer.concat(packets);
        const points = [0, ...[...cuts].filter((c) => c < stream.length).sort((a, b) => a - b), stream.length];
        const c = await h.connect({ host: '127.0.0.1', port: port!.port });
        const fd = (await h.waitEvent('Connect')).args.fd;
        const mine = { where: (e: ObservedEvent) => e.args.fd === fd };
        for (let i = 0; i + 1 < points.length; i++) await c.write(stream.subarray(points[i], points[i + 1]));
        c.halfClose();
        await h.waitEvent('Close', mine);
        const got = h.events.filter((e) => e.name === 'Receive' && e.args.fd === fd).map((e) => e.args.data);
        h.expectEqual(`${packets.length} packet(s) of ${packets.map((p) => p.length).join('/')} bytes cut at ${JSON.stringify(points.slice(1, -1))}`, packets.map(summarize), got);
      });
      await stopServer(h);
    },
  });
}

function lengthN(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

// Bodies without the EOF bytes, so every packet ends exactly at its marker.
const eofBody = fc.integer({ min: 0, max: 3000 }).map((n) => Buffer.from(ramp(n).map((b) => (b === 0x0d || b === 0x0a ? 0x41 : b))));

/** 4-byte big-endian length, body after it: the settings both length cases (BASE, PROCESS) use. */
const LENGTH_N = { open_length_check: true, package_length_type: 'N', package_length_offset: 0, package_body_offset: 4 };
const packets = fc.integer({ min: 0, max: 3000 }).map(ramp);

export default [
  chunkingCase(
    'server.framing.length-chunking-property',
    'open_length_check (N, body offset 4): any packets cut at any points arrive whole and in order',
    LENGTH_N,
    'framing.length',
    lengthN,
    packets,
  ),
  // PROCESS mode: the master decodes and hands whole packets to the workers over its channel.
  chunkingCase(
    'server.framing.process-length-chunking-property',
    'PROCESS mode, open_length_check: any packets cut at any points reach the workers whole and in order',
    LENGTH_N,
    'framing.length',
    lengthN,
    packets,
    SWOOLE_PROCESS,
  ),
  chunkingCase(
    'server.framing.eof-split-chunking-property',
    'open_eof_split ("\\r\\n"): any packets cut at any points arrive one per marker, in order',
    { open_eof_split: true, package_eof: '\r\n' },
    'framing.eof',
    (b) => Buffer.concat([b, EOF]),
    eofBody,
  ),
];
