/**
 * Our wire inside a UNIXSOCK datagram: one or more records, each a 4-byte little-endian length
 * and that many bytes. A record is one message (without the bus) or one bus datagram (with it).
 * Packing several records into one datagram is what lets a burst of small messages cost one
 * syscall per ~64 KiB instead of one per message; what users see is unchanged: one sendMessage
 * is one record is one onMessage, in order (clause framing.unixsock.datagram). Pure: no I/O.
 */

export const RECORD_HEAD = 4;
/** Largest datagram the sender packs records into (one bigger record travels alone). */
export const PACK_LIMIT = 64 * 1024;

/** Writes `data` as one record at `at` in `into` (which must have room); returns the new end. */
export function writeRecord(into: Buffer, at: number, data: Buffer): number {
  const n = data.length;
  into[at] = n & 0xff;
  into[at + 1] = (n >>> 8) & 0xff;
  into[at + 2] = (n >>> 16) & 0xff;
  into[at + 3] = n >>> 24;
  data.copy(into, at + RECORD_HEAD);
  return at + RECORD_HEAD + n;
}

/** One record as its own datagram (for a record too big to pack). */
export function singleRecord(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEAD + data.length);
  writeRecord(out, 0, data);
  return out;
}

/**
 * Calls `onRecord` with a view of each record of `datagram`, in order. `truncated`: the kernel
 * cut the datagram (only a lone record bigger than the receive buffer can be), so its last
 * record may be short and is delivered as far as it goes. Returns an error detail for bytes
 * that are not records (a foreign writer), after delivering the records before them.
 */
export function splitRecords(datagram: Buffer, truncated: boolean, onRecord: (record: Buffer) => void): string | null {
  const end = datagram.length;
  let off = 0;
  while (end - off >= RECORD_HEAD) {
    const len = (datagram[off]! | (datagram[off + 1]! << 8) | (datagram[off + 2]! << 16)) + datagram[off + 3]! * 0x1000000;
    const from = off + RECORD_HEAD;
    let to = from + len;
    if (to > end) {
      if (!truncated) return `record of ${len} bytes overruns its ${end}-byte datagram`;
      to = end;
    }
    onRecord(datagram.subarray(from, to));
    off = to;
  }
  return off === end ? null : `${end - off} stray bytes after the last record`;
}
