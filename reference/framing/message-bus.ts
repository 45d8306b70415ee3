import { Limits } from '../constants.ts';
import { ErrorCode, framingError, type FramingError } from '../errors.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

/**
 * Swoole's message bus (F10–F15): every datagram starts with a 40-byte DataHead (native,
 * little-endian layout); a payload larger than one datagram's room is sent as BEGIN / CHUNK /
 * END pieces that share one msg_id and carry the TOTAL length in `len`. No size limit.
 */

export const BusFlag = { DATA_PTR: 2, CHUNK: 4, BEGIN: 8, END: 16, OBJ_PTR: 32, POP_PTR: 64 } as const;

export const DATA_HEAD_SIZE = Limits.DATA_HEAD_SIZE;

export interface DataHead {
  fd: number;
  msgId: number;
  /** Total payload length, even on a chunk. */
  len: number;
  /** Sender worker id. */
  reactorId: number;
  type: number;
  flags: number;
  serverFd: number;
  extFlags: number;
  time: number;
}

export function encodeDataHead(h: DataHead, into: Buffer = Buffer.allocUnsafe(DATA_HEAD_SIZE), at = 0): Buffer {
  into.writeBigInt64LE(BigInt(h.fd), at);
  into.writeBigUInt64LE(BigInt(h.msgId), at + 8);
  into.writeUInt32LE(h.len, at + 16);
  into.writeInt16LE(h.reactorId, at + 20);
  into.writeUInt8(h.type, at + 22);
  into.writeUInt8(h.flags, at + 23);
  into.writeUInt16LE(h.serverFd, at + 24);
  into.writeUInt16LE(h.extFlags, at + 26);
  into.writeUInt32LE(0, at + 28);
  into.writeDoubleLE(h.time, at + 32);
  return into;
}

export function decodeDataHead(d: Buffer): DataHead {
  return {
    fd: Number(d.readBigInt64LE(0)),
    msgId: Number(d.readBigUInt64LE(8)),
    len: d.readUInt32LE(16),
    reactorId: d.readInt16LE(20),
    type: d.readUInt8(22),
    flags: d.readUInt8(23),
    serverFd: d.readUInt16LE(24),
    extFlags: d.readUInt16LE(26),
    time: d.readDoubleLE(32),
  };
}

export interface BusEncodeOptions {
  msgId: number;
  workerId: number;
  /** Payload bytes per datagram (65496 = 65536 - 40 normally; 2008 after EMSGSIZE). */
  chunkPayload?: number;
  type?: number;
  time?: number;
}

/** One message → its datagrams (header + payload slice each). */
export function encodeBusMessage(payload: Buffer, o: BusEncodeOptions): Buffer[] {
  const room = o.chunkPayload ?? Limits.BUS_CHUNK_PAYLOAD;
  if (!Number.isInteger(room) || room < 1) throw new TypeError(`chunkPayload must be a positive integer, got ${String(room)}`);
  const head: DataHead = { fd: 0, msgId: o.msgId, len: payload.length, reactorId: o.workerId, type: o.type ?? 0, flags: 0, serverFd: 0, extFlags: 0, time: o.time ?? 0 };
  const datagram = (from: number, to: number, flags: number): Buffer => {
    const d = Buffer.allocUnsafe(DATA_HEAD_SIZE + (to - from));
    encodeDataHead({ ...head, flags }, d, 0);
    payload.copy(d, DATA_HEAD_SIZE, from, to);
    return d;
  };
  if (payload.length <= room) return [datagram(0, payload.length, 0)];
  const out: Buffer[] = [];
  for (let from = 0; from < payload.length; from += room) {
    const to = Math.min(payload.length, from + room);
    const flags = BusFlag.CHUNK | (from === 0 ? BusFlag.BEGIN : 0) | (to === payload.length ? BusFlag.END : 0);
    out.push(datagram(from, to, flags));
  }
  return out;
}

export type BusResult =
  | { kind: 'message'; data: Buffer; msgId: number; workerId: number }
  | { kind: 'pending' }
  | { kind: 'error'; error: FramingError };

interface Partial {
  parts: Buffer[];
  size: number;
}

/** Receiver side: whole messages out, per msg_id reassembly; orphans dropped with 9102. */
export class BusReassembler {
  readonly #partial = new Map<number, Partial>();

  /** Messages being reassembled right now. */
  get pendingMessages(): number {
    return this.#partial.size;
  }

  push(datagram: Buffer): BusResult {
    if (datagram.length < DATA_HEAD_SIZE) {
      return { kind: 'error', error: framingError(ErrorCode.WORKER_ABNORMAL_PIPE_DATA, `datagram of ${datagram.length} bytes is shorter than the bus header`) };
    }
    const flags = datagram[23]!;
    const msgId = Number(datagram.readBigUInt64LE(8));
    const workerId = datagram.readInt16LE(20);
    const body = datagram.subarray(DATA_HEAD_SIZE);
    if ((flags & BusFlag.CHUNK) === 0) return { kind: 'message', data: body, msgId, workerId };
    let partial = this.#partial.get(msgId);
    if (flags & BusFlag.BEGIN) {
      partial = { parts: [], size: 0 };
      this.#partial.set(msgId, partial);
    } else if (!partial) {
      return { kind: 'error', error: framingError(ErrorCode.WORKER_ABNORMAL_PIPE_DATA, `chunk of msg_id ${msgId} without its BEGIN`) };
    }
    partial.parts.push(body);
    partial.size += body.length;
    if ((flags & BusFlag.END) === 0) return { kind: 'pending' };
    this.#partial.delete(msgId);
    return { kind: 'message', data: Buffer.concat(partial.parts, partial.size), msgId, workerId };
  }
}
