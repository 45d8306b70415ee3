/** The standby hand-off datagram (./handoff.ts), as bytes: pure. */

/** int32 LE [target pid, slot, from pid, n, pid 0..n-1] (0 = no pid). */
export interface HandoffMessage {
  /** The standby it is meant for. */
  target: number;
  slot: number;
  /** The exiting worker that hands the slot over. */
  from: number;
  /** The pid table as the standby should see it (its own pid in `slot`). */
  pids: (number | null)[];
}

const HEAD = 16;

export function encodeHandoff(m: HandoffMessage): Buffer {
  const b = Buffer.alloc(HEAD + 4 * m.pids.length);
  b.writeInt32LE(m.target, 0);
  b.writeInt32LE(m.slot, 4);
  b.writeInt32LE(m.from, 8);
  b.writeInt32LE(m.pids.length, 12);
  m.pids.forEach((p, i) => b.writeInt32LE(p ?? 0, HEAD + 4 * i));
  return b;
}

/** Sets the target of an encoded datagram, and its pid table entry for the slot. */
export function patchTarget(b: Buffer, target: number): void {
  b.writeInt32LE(target, 0);
  b.writeInt32LE(target, HEAD + 4 * b.readInt32LE(4));
}

/** null for anything that is not a well-formed hand-off datagram. */
export function decodeHandoff(b: Buffer): HandoffMessage | null {
  if (b.length < HEAD || b.length % 4 !== 0) return null;
  const target = b.readInt32LE(0);
  const slot = b.readInt32LE(4);
  const from = b.readInt32LE(8);
  const n = b.readInt32LE(12);
  if (target <= 0 || from <= 0 || n < 1 || b.length !== HEAD + 4 * n || slot < 0 || slot >= n) return null;
  const pids: (number | null)[] = [];
  for (let i = 0; i < n; i++) pids.push(b.readInt32LE(HEAD + 4 * i) || null);
  return { target, slot, from, pids };
}
