/** The standby hand-off datagram (./handoff.ts), as bytes: pure. */

/** The datagram: int32 LE [target pid, slot, n, pid 0..n-1] (0 = no pid). */
export interface HandoffMessage {
  target: number;
  slot: number;
  pids: (number | null)[];
}

export function encodeHandoff(m: HandoffMessage): Buffer {
  const b = Buffer.alloc(12 + 4 * m.pids.length);
  b.writeInt32LE(m.target, 0);
  b.writeInt32LE(m.slot, 4);
  b.writeInt32LE(m.pids.length, 8);
  m.pids.forEach((p, i) => b.writeInt32LE(p ?? 0, 12 + 4 * i));
  return b;
}

/** null for anything that is not a well-formed hand-off datagram. */
export function decodeHandoff(b: Buffer): HandoffMessage | null {
  if (b.length < 12 || b.length % 4 !== 0) return null;
  const target = b.readInt32LE(0);
  const slot = b.readInt32LE(4);
  const n = b.readInt32LE(8);
  if (target <= 0 || n < 1 || b.length !== 12 + 4 * n || slot < 0 || slot >= n) return null;
  const pids: (number | null)[] = [];
  for (let i = 0; i < n; i++) pids.push(b.readInt32LE(12 + 4 * i) || null);
  return { target, slot, pids };
}
