/**
 * Property-based tests of the framing codecs: any message list × any chunking, chunking
 * invariance on arbitrary bytes, truncation, oversize with flat memory, never throwing.
 */
import t from 'tap';
import fc from 'fast-check';
import { decodeAll, type StreamDecoder } from '../../reference/framing/decoder.ts';
import { PoolFrameDecoder, encodePoolFrame } from '../../reference/framing/pool-frame.ts';
import { LengthDecoder } from '../../reference/framing/length.ts';
import { LENGTH_TYPES, type LengthTypeCode } from '../../reference/framing/length-types.ts';
import { EofDecoder } from '../../reference/framing/eof.ts';
import { deliverDatagram } from '../../reference/framing/unixsock.ts';
import { BusReassembler, encodeBusMessage } from '../../reference/framing/message-bus.ts';
import { ErrorCode } from '../../reference/errors.ts';
import { assertProperty, cutsArb, splitAt } from './fc-config.ts';

const CODES = Object.keys(LENGTH_TYPES) as LengthTypeCode[];
const MAX_VALUE: Record<number, number> = { 1: 0x7f, 2: 0x7fff, 4: 0x7fffffff, 8: Number.MAX_SAFE_INTEGER };

/** An independent encoder for one length-framed packet (the test's oracle, not the decoder). */
function writeLength(code: LengthTypeCode, value: number, into: Buffer, at: number): void {
  switch (code) {
    case 'c': into.writeInt8(value, at); break;
    case 'C': into.writeUInt8(value, at); break;
    case 's': into.writeInt16LE(value, at); break;
    case 'S': case 'v': into.writeUInt16LE(value, at); break;
    case 'n': into.writeUInt16BE(value, at); break;
    case 'l': into.writeInt32LE(value, at); break;
    case 'L': case 'V': into.writeUInt32LE(value, at); break;
    case 'N': into.writeUInt32BE(value, at); break;
    case 'q': into.writeBigInt64LE(BigInt(value), at); break;
    case 'Q': case 'P': into.writeBigUInt64LE(BigInt(value), at); break;
    case 'J': into.writeBigUInt64BE(BigInt(value), at); break;
  }
}

interface LengthSetup { code: LengthTypeCode; lengthOffset: number; bodyOffset: number }

function packet(s: LengthSetup, filler: Buffer, body: Buffer): Buffer {
  const width = LENGTH_TYPES[s.code].width;
  const head = Math.max(s.bodyOffset, s.lengthOffset + width);
  const out = Buffer.alloc(s.bodyOffset + body.length);
  filler.copy(out, 0, 0, Math.min(filler.length, head));
  writeLength(s.code, body.length, out, s.lengthOffset);
  body.copy(out, s.bodyOffset);
  return out;
}

const setupArb = fc
  .record({ code: fc.constantFrom(...CODES), lengthOffset: fc.nat({ max: 12 }), extra: fc.nat({ max: 6 }) })
  .map(({ code, lengthOffset, extra }): LengthSetup => ({ code, lengthOffset, bodyOffset: lengthOffset + LENGTH_TYPES[code].width + extra }));

const lengthDecoder = (s: LengthSetup, maxLength = 1 << 20): LengthDecoder =>
  new LengthDecoder({ lengthType: LENGTH_TYPES[s.code], lengthOffset: s.lengthOffset, bodyOffset: s.bodyOffset, maxLength });

function outcome(decoder: StreamDecoder, chunks: Buffer[]): { frames: string[]; error: number | null } {
  const r = decodeAll(decoder, chunks);
  return { frames: r.frames.map((f) => f.toString('hex')), error: r.error?.code ?? null };
}

t.test('clause:framing.length.total clause:framing.length.chunking any messages × any chunking, every length type', async (t) => {
  assertProperty(
    fc.property(setupArb, fc.uint8Array({ minLength: 20, maxLength: 20 }), cutsArb, fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (s, fillerBytes, cuts, bodies) => {
      const max = MAX_VALUE[LENGTH_TYPES[s.code].width]!;
      const filler = Buffer.from(fillerBytes);
      const packets = bodies.map((b) => Buffer.from(b)).filter((b) => b.length <= max).map((b) => packet(s, filler, b));
      const stream = Buffer.concat(packets);
      const got = outcome(lengthDecoder(s), splitAt(stream, cuts));
      t.strictSame(got, { frames: packets.map((p) => p.toString('hex')), error: null });
      return true;
    }),
  );
});

t.test('clause:framing.pool-socket.header any messages × any chunking, Pool frames', async (t) => {
  assertProperty(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 10 }), cutsArb, (bodies, cuts) => {
      const stream = Buffer.concat(bodies.map((b) => encodePoolFrame([Buffer.from(b)])));
      const got = outcome(new PoolFrameDecoder({ maxPackageSize: 64 }), splitAt(stream, cuts));
      t.strictSame(got, { frames: bodies.map((b) => Buffer.from(b).toString('hex')), error: null });
      return true;
    }),
  );
});

t.test('clause:framing.eof.split any messages × any chunking, EOF split', async (t) => {
  const eofArb = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a));
  assertProperty(
    fc.property(eofArb, fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 8 }), cutsArb, (eof, raw, cuts) => {
      // A message must not contain the EOF, nor end with a proper prefix of it that the EOF completes.
      const messages = raw.map((m) => Buffer.from(m)).filter((m) => !Buffer.concat([m, eof]).subarray(0, m.length + eof.length - 1).includes(eof));
      const packets = messages.map((m) => Buffer.concat([m, eof]));
      const got = outcome(new EofDecoder({ eof, split: true, maxLength: 1 << 16 }), splitAt(Buffer.concat(packets), cuts));
      t.strictSame(got, { frames: packets.map((p) => p.toString('hex')), error: null });
      return true;
    }),
  );
});

t.test('chunking invariance on arbitrary bytes (frames and error)', async (t) => {
  const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
  const make: Record<string, () => StreamDecoder> = {
    pool: () => new PoolFrameDecoder({ maxPackageSize: 40 }),
    eofSplit: () => new EofDecoder({ eof: Buffer.from([0x0d, 0x0a]), split: true, maxLength: 50 }),
  };
  for (const code of CODES) make[`length-${code}`] = () => lengthDecoder({ code, lengthOffset: 1, bodyOffset: 1 + LENGTH_TYPES[code].width }, 60);
  for (const [name, factory] of Object.entries(make)) {
    assertProperty(
      fc.property(bytes, cutsArb, (data, cuts) => {
        t.strictSame(outcome(factory(), splitAt(data, cuts)), outcome(factory(), [data]), `${name}: clause:framing.length.chunking`);
        return true;
      }),
      60,
    );
  }
});

t.test('clause:framing.eof.check-whole-buffer eof_check deliveries end with the EOF and form a prefix of the stream', async (t) => {
  const eof = Buffer.from('\r\n');
  assertProperty(
    fc.property(fc.array(fc.constantFrom('a', 'b', '\r', '\n'), { maxLength: 60 }), cutsArb, (chars, cuts) => {
      const data = Buffer.from(chars.join(''), 'latin1');
      const r = decodeAll(new EofDecoder({ eof, split: false, maxLength: 1 << 16 }), splitAt(data, cuts));
      t.equal(r.error, null);
      for (const f of r.frames) t.ok(f.subarray(f.length - 2).equals(eof));
      t.ok(data.subarray(0, Buffer.concat(r.frames).length).equals(Buffer.concat(r.frames)));
      const whole = decodeAll(new EofDecoder({ eof, split: false, maxLength: 1 << 16 }), [data]).frames;
      t.same(whole.map((f) => f.toString('latin1')), data.subarray(data.length - 2).equals(eof) ? [data.toString('latin1')] : [], 'one chunk: all or nothing');
      return true;
    }),
  );
});

t.test('clause:framing.unixsock.truncate clause:framing.bus.no-limit truncation without the bus, none with it', async (t) => {
  const max = 2048;
  const sizes = [0, 1, max - 1, max, max + 1, 65495, 65496, 65497, 65496 * 2 + 1];
  assertProperty(
    fc.property(fc.oneof(fc.constantFrom(...sizes), fc.nat({ max: 140_000 })), fc.nat({ max: 1000 }), (len, msgId) => {
      const payload = Buffer.alloc(len, msgId & 0xff);
      t.equal(deliverDatagram(payload, max).length, Math.min(len, max));
      const bus = new BusReassembler();
      const datagrams = encodeBusMessage(payload, { msgId, workerId: 1 });
      const results = datagrams.map((d) => bus.push(d));
      const last = results.at(-1)!;
      t.equal(last.kind, 'message');
      if (last.kind === 'message') t.ok(last.data.equals(payload));
      t.equal(datagrams.length, Math.max(1, Math.ceil(len / 65496)));
      return true;
    }),
    40,
  );
});

t.test('clause:framing.length.too-large oversize: error exactly when the declared total exceeds the limit, memory flat', async (t) => {
  assertProperty(
    fc.property(setupArb, fc.integer({ min: 64, max: 4096 }), fc.integer({ min: -40, max: 40 }), (s, limit, delta) => {
      const declared = Math.max(0, Math.min(MAX_VALUE[LENGTH_TYPES[s.code].width]!, limit - s.bodyOffset + delta));
      const total = s.bodyOffset + declared;
      const header = Buffer.alloc(s.bodyOffset);
      writeLength(s.code, declared, header, s.lengthOffset);
      const decoder = lengthDecoder(s, limit);
      const err = decoder.push(header, () => {});
      if (total > limit) {
        t.equal(err?.code, ErrorCode.PACKAGE_LENGTH_TOO_LARGE);
        t.ok(decoder.bufferedBytes <= s.bodyOffset);
      } else if (total === 0) {
        t.equal(err?.code, ErrorCode.PACKAGE_LENGTH_NOT_FOUND);
      } else {
        t.equal(err, null);
      }
      return true;
    }),
  );
  assertProperty(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 0xffffffff }), (max, len) => {
      const decoder = new PoolFrameDecoder({ maxPackageSize: max });
      const head = Buffer.alloc(4);
      head.writeUInt32BE(len);
      const err = decoder.push(head, () => {});
      t.equal(err?.code ?? null, len === 0 ? ErrorCode.PACKAGE_LENGTH_NOT_FOUND : len > max ? ErrorCode.PACKAGE_LENGTH_TOO_LARGE : null);
      t.ok(decoder.bufferedBytes <= 4);
      return true;
    }),
  );
});

t.test('decoders never throw and never loop on random bytes', async (t) => {
  const factories: (() => StreamDecoder)[] = [
    () => new PoolFrameDecoder({ maxPackageSize: 100 }),
    () => new EofDecoder({ eof: Buffer.from('\r\n\r\n'), split: false, maxLength: 64 }),
    () => new EofDecoder({ eof: Buffer.from('\n'), split: true, maxLength: 64 }),
    ...CODES.map((code) => () => lengthDecoder({ code, lengthOffset: 0, bodyOffset: LENGTH_TYPES[code].width }, 200)),
  ];
  assertProperty(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), fc.nat({ max: factories.length - 1 }), (chunks, which) => {
      const decoder = factories[which]!();
      for (const c of chunks) decoder.push(Buffer.from(c), () => {});
      decoder.end();
      return true;
    }),
  );
  // Random datagrams through the bus reassembler: errors are values, never exceptions.
  assertProperty(
    fc.property(fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 10 }), (datagrams) => {
      const bus = new BusReassembler();
      for (const d of datagrams) t.ok(['message', 'pending', 'error'].includes(bus.push(Buffer.from(d)).kind));
      return true;
    }),
    60,
  );
});
