/** 4-byte big-endian length framing over a net.Socket, shared by the native bench and its peer. */
import type net from 'node:net';

/** Calls `onFrame` for each complete length-prefixed frame read from `sock`. */
export function readFrames(sock: net.Socket, onFrame: (payload: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    while (pending.length - off >= 4) {
      const len = pending.readUInt32BE(off);
      if (pending.length - off - 4 < len) break;
      onFrame(pending.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    pending = pending.subarray(off);
  });
}
