/**
 * The TypeScript face of the addon's datagram handle. The native side delivers each recvmmsg
 * batch as one Buffer plus a metadata array (one allocation per batch); this wrapper turns it
 * into ReceivedDatagram[] with zero-copy subarrays. Everything else is passed straight through.
 * A datagram's `data` shares memory with the others of its batch (it keeps that slab alive).
 */
import type { DatagramSocket, ReceivedDatagram } from './api.ts';

/** What the .node file's openDatagram() returns (internal to the loader). */
export interface RawDatagramHandle {
  readonly fd: number;
  send(data: Buffer): boolean;
  sendBatch(list: readonly Buffer[], start?: number): number;
  onWritable(cb: () => void): void;
  /** cb(slab, count, meta): meta[2i] = length of datagram i in slab, meta[2i+1] = 1 if cut. */
  /** With `peers`, a 4th argument: [address, port] per datagram, flat. */
  startReading(maxSize: number, cb: (slab: Buffer, count: number, meta: Int32Array, peers?: (string | number)[]) => void, batch?: number, peers?: boolean): void;
  stopReading(): void;
  recvInto(max: number): ReceivedDatagram | null;
  ref(on: boolean): void;
  close(): void;
}

export class NativeDatagramSocket implements DatagramSocket {
  readonly #h: RawDatagramHandle;

  constructor(handle: RawDatagramHandle) {
    this.#h = handle;
  }

  get fd(): number {
    return this.#h.fd;
  }

  send(data: Buffer): boolean {
    return this.#h.send(data);
  }

  sendBatch(list: readonly Buffer[], start?: number): number {
    return this.#h.sendBatch(list, start);
  }

  onWritable(cb: () => void): void {
    this.#h.onWritable(cb);
  }

  startReading(maxSize: number, cb: (batch: ReceivedDatagram[]) => void, batch?: number, peers?: boolean): void {
    if (typeof cb !== 'function') throw new TypeError('cb must be a function');
    this.#h.startReading(
      maxSize,
      (slab, count, meta, names) => {
        const out = new Array<ReceivedDatagram>(count);
        let off = 0;
        for (let i = 0; i < count; i++) {
          const len = meta[2 * i]!;
          const d: ReceivedDatagram = { data: slab.subarray(off, off + len), truncated: meta[2 * i + 1] === 1 };
          if (names) {
            d.address = names[2 * i] as string;
            d.port = names[2 * i + 1] as number;
          }
          out[i] = d;
          off += len;
        }
        cb(out);
      },
      batch,
      peers,
    );
  }

  stopReading(): void {
    this.#h.stopReading();
  }

  recvInto(max: number): ReceivedDatagram | null {
    return this.#h.recvInto(max);
  }

  ref(on: boolean): void {
    this.#h.ref(on);
  }

  close(): void {
    this.#h.close();
  }
}
