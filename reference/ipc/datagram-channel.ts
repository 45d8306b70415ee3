/**
 * The one I/O file for UNIXSOCK messages: sends a message to a worker's datagram pair (raw, or
 * chunked through the message bus) and receives a worker's own datagrams (truncated at
 * max_package_size without the bus, reassembled with it). A full socket never blocks and
 * never drops: datagrams wait in a queue until the socket is writable again.
 */
import type { DatagramSocket, NativeAddon, ReceivedDatagram } from '../native/api.ts';
import { Limits } from '../constants.ts';
import { BusReassembler, encodeBusMessage } from '../framing/message-bus.ts';
import { deliverDatagram } from '../framing/unixsock.ts';

export class DatagramSender {
  readonly #sockets: DatagramSocket[];
  readonly #queues: Buffer[][];
  readonly #bus: boolean;
  readonly #workerId: number;
  #msgSeq = 0;
  #chunkPayload: number = Limits.BUS_CHUNK_PAYLOAD;

  constructor(native: NativeAddon, fds: number[], bus: boolean, workerId: number) {
    this.#sockets = fds.map((fd) => {
      const s = native.openDatagram(fd);
      s.ref(false);
      return s;
    });
    this.#queues = fds.map(() => []);
    this.#bus = bus;
    this.#workerId = workerId;
  }

  /** Queues or sends; throws the ErrnoError of a datagram the kernel refuses (EMSGSIZE, ENOBUFS). */
  send(dst: number, data: Buffer): void {
    let datagrams: Buffer[];
    if (this.#bus) {
      // msg ids: unique per sender (worker id in the high bits, a counter below).
      const msgId = (this.#workerId + 1) * 2 ** 32 + (this.#msgSeq++ % 2 ** 32);
      datagrams = encodeBusMessage(data, { msgId, workerId: this.#workerId, chunkPayload: this.#chunkPayload });
    } else datagrams = [data];
    const queue = this.#queues[dst]!;
    if (queue.length) {
      queue.push(...datagrams);
      return;
    }
    const socket = this.#sockets[dst]!;
    let sent = 0;
    try {
      sent = datagrams.length === 1 ? (socket.send(datagrams[0]!) ? 1 : 0) : socket.sendBatch(datagrams);
    } catch (err) {
      if (!this.#bus || (err as { code?: string }).code !== 'EMSGSIZE' || this.#chunkPayload === Limits.BUS_MIN_CHUNK_PAYLOAD) throw err;
      // Swoole drops to 2048-byte datagrams when the kernel refuses the big ones (F12).
      this.#chunkPayload = Limits.BUS_MIN_CHUNK_PAYLOAD;
      this.#msgSeq--;
      this.send(dst, data);
      return;
    }
    if (sent < datagrams.length) {
      queue.push(...datagrams.slice(sent));
      socket.onWritable(() => this.#flush(dst));
    }
  }

  /** Datagrams waiting for buffer space, over all destinations. */
  get queued(): number {
    return this.#queues.reduce((n, q) => n + q.length, 0);
  }

  #flush(dst: number): void {
    const queue = this.#queues[dst]!;
    const socket = this.#sockets[dst]!;
    let sent = 0;
    try {
      sent = socket.sendBatch(queue);
    } catch {
      sent = 1; // a datagram the kernel refuses outright is dropped so the rest can go
    }
    queue.splice(0, sent);
    if (queue.length) socket.onWritable(() => this.#flush(dst));
  }

  /** Resolves once every queued datagram has been handed to the kernel. */
  async drain(): Promise<void> {
    while (this.queued) await new Promise((r) => setTimeout(r, 1));
  }

  close(): void {
    for (const s of this.#sockets) s.close();
  }
}

/** A worker's receiving end: whole messages out, in order. */
export class DatagramReceiver {
  readonly #socket: DatagramSocket;
  readonly #bus: BusReassembler | null;

  constructor(native: NativeAddon, fd: number, opts: { bus: boolean; maxPackageSize: number }, onMessage: (data: Buffer) => void, onError: (detail: string) => void) {
    this.#socket = native.openDatagram(fd);
    this.#bus = opts.bus ? new BusReassembler() : null;
    const max = opts.bus ? Limits.IPC_BUFFER_MAX_SIZE : Math.max(1, opts.maxPackageSize);
    this.#socket.startReading(max, (batch: ReceivedDatagram[]) => {
      for (const d of batch) {
        if (!this.#bus) {
          onMessage(deliverDatagram(d.data, opts.maxPackageSize));
          continue;
        }
        const r = this.#bus.push(d.data);
        if (r.kind === 'message') onMessage(Buffer.from(r.data));
        else if (r.kind === 'error') onError(r.error.detail);
      }
    });
  }

  stop(): void {
    this.#socket.stopReading();
  }

  close(): void {
    this.#socket.close();
  }
}
