/**
 * The one I/O file for UNIXSOCK messages: sends a message to a worker's datagram pair (raw, or
 * chunked through the message bus) and receives a worker's own datagrams (truncated at
 * max_package_size without the bus, reassembled with it). A full socket never blocks and
 * never drops: datagrams wait in a queue until the socket is writable again.
 *
 * Messages are packed as records (./datagram-pack.ts): a message joins its destination's open
 * pack, which goes to the kernel when it is full, at the end of the current JS turn (a
 * microtask), or at process exit, whichever comes first. So a burst costs one syscall per
 * ~64 KiB and a lone message still leaves within the same turn.
 */
import type { DatagramSocket, NativeAddon, ReceivedDatagram } from '../native/api.ts';
import { Limits } from '../constants.ts';
import { BusReassembler, encodeBusMessage } from '../framing/message-bus.ts';
import { deliverDatagram } from '../framing/unixsock.ts';
import { PACK_LIMIT, RECORD_HEAD, singleRecord, splitRecords, writeRecord } from './datagram-pack.ts';
import { DatagramQueue } from './datagram-queue.ts';
import { Buffer } from 'node:buffer'; // the module binding: global Buffer is an accessor, slow on hot paths

/** Room the kernel leaves in a unix datagram below SO_SNDBUF (net/unix: len > sk_sndbuf - 32 → EMSGSIZE). */
const SNDBUF_SLACK = 64;
/**
 * Datagrams per read callback. A pack is ~64 KiB and the addon copies a batch into one fresh
 * Buffer: one pack per Buffer keeps it below malloc's mmap threshold, so freed batches are
 * reused warm instead of page-faulted in anew (a first touch costs ~8 µs per 4 KiB page on
 * this VM: measured, it was the receiver's biggest cost).
 */
const RECEIVE_BATCH = 1;
/** Recycled pack buffers kept per sender (at most 4 MiB with 64 KiB packs). */
const MAX_FREE_PACKS = 64;

export class DatagramSender {
  readonly #sockets: DatagramSocket[];
  /** Sealed datagrams waiting for buffer space, per destination. */
  readonly #queues: DatagramQueue[];
  /** The open pack per destination and how many bytes of it are used. */
  readonly #packs: Buffer[];
  readonly #used: number[];
  readonly #packLimit: number;
  /** Pack buffers the kernel has copied out of, ready for reuse. */
  readonly #free: Buffer[] = [];
  readonly #bus: boolean;
  /** Sender id in bus headers; the pool sets it when a standby is assigned its slot. */
  workerId: number;
  #msgSeq = 0;
  #chunkPayload: number = Limits.BUS_CHUNK_PAYLOAD;
  #flushScheduled = false;
  readonly #flushAll = (): void => {
    this.#flushScheduled = false;
    for (let dst = 0; dst < this.#used.length; dst++) if (this.#used[dst]) this.#seal(dst);
  };

  /** Last chance, without blocking: open packs and whatever the sockets take of the queues. */
  readonly #atExit = (): void => {
    this.#flushAll();
    for (const q of this.#queues) q.flush();
  };

  constructor(native: NativeAddon, fds: number[], bus: boolean, workerId: number) {
    this.#sockets = fds.map((fd) => {
      const s = native.openDatagram(fd);
      s.ref(false);
      return s;
    });
    // A pack must fit what the kernel accepts as one datagram.
    const sndbuf = fds.length ? Math.min(...fds.map((fd) => native.getSocketBuffers(fd).sndbuf)) : PACK_LIMIT;
    this.#packLimit = Math.max(RECORD_HEAD + 1, Math.min(PACK_LIMIT, sndbuf - SNDBUF_SLACK));
    this.#queues = this.#sockets.map((socket, dst) => new DatagramQueue(socket, {
      // Packs are below the kernel's datagram limit, so this is ENOBUFS-like and rare; a
      // sendMessage that already returned cannot fail, so we say so instead of losing it silently.
      onRefused: (d, err) => process.emitWarning(`sendMessage: a datagram of ${d.length} bytes to worker ${dst} was refused: ${err.message}`, { code: 'SWOOLE_IPC_SEND' }),
      // The kernel copied the pack out: its buffer serves a later pack (fresh memory costs a page
      // fault per 4 KiB, measured as the sender's biggest cost under backpressure).
      onSent: (d) => {
        if (d.buffer.byteLength === this.#packLimit && this.#free.length < MAX_FREE_PACKS) this.#free.push(Buffer.from(d.buffer, 0, this.#packLimit));
      },
    }));
    this.#packs = fds.map(() => Buffer.allocUnsafeSlow(this.#packLimit));
    this.#used = fds.map(() => 0);
    this.#bus = bus;
    this.workerId = workerId;
    // process.exit() right after sendMessage must not lose the open packs (Swoole's send is synchronous).
    process.on('exit', this.#atExit);
  }

  /** Packs or sends; throws the ErrnoError of a datagram the kernel refuses (EMSGSIZE, ENOBUFS). */
  send(dst: number, data: Buffer): void {
    if (!this.#bus) {
      this.#put(dst, data);
      return;
    }
    // msg ids: unique per sender (worker id in the high bits, a counter below).
    const msgId = (this.workerId + 1) * 2 ** 32 + (this.#msgSeq++ % 2 ** 32);
    const datagrams = encodeBusMessage(data, { msgId, workerId: this.workerId, chunkPayload: this.#chunkPayload });
    try {
      for (const d of datagrams) this.#put(dst, d);
    } catch (err) {
      // Only a lone (big) record can be refused, and the first chunk is the biggest: nothing of this message went out.
      if ((err as { code?: string }).code !== 'EMSGSIZE' || this.#chunkPayload === Limits.BUS_MIN_CHUNK_PAYLOAD) throw err;
      // Swoole drops to 2048-byte datagrams when the kernel refuses the big ones (F12).
      this.#chunkPayload = Limits.BUS_MIN_CHUNK_PAYLOAD;
      this.#msgSeq--;
      this.send(dst, data);
    }
  }

  #put(dst: number, data: Buffer): void {
    const need = RECORD_HEAD + data.length;
    if (need > this.#packLimit) {
      // Too big to pack: what is open goes first (order), then this record alone.
      this.#seal(dst);
      this.#sendAlone(dst, singleRecord(data));
      return;
    }
    let used = this.#used[dst]!;
    if (used + need > this.#packLimit) {
      this.#seal(dst);
      used = 0;
    }
    this.#used[dst] = writeRecord(this.#packs[dst]!, used, data);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushAll);
    }
  }

  /** Hands the open pack of `dst` to the kernel, or to the queue when the socket is full. */
  #seal(dst: number): void {
    const used = this.#used[dst]!;
    if (used === 0) return;
    this.#used[dst] = 0;
    const pack = this.#packs[dst]!;
    // Sent (or refused) at once: the pack buffer is free again. Else the queue holds it and the
    // next pack gets a recycled buffer.
    if (this.#queues[dst]!.send(pack.subarray(0, used))) return;
    this.#packs[dst] = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#packLimit);
  }

  /** A record too big to pack; the kernel's refusal (EMSGSIZE) reaches the caller when nothing waits before it. */
  #sendAlone(dst: number, datagram: Buffer): void {
    const queue = this.#queues[dst]!;
    if (queue.length === 0 && this.#sockets[dst]!.send(datagram)) return;
    queue.send(datagram);
  }

  /** Datagrams waiting for buffer space, over all destinations. */
  get queued(): number {
    return this.#queues.reduce((n, q) => n + q.length, 0);
  }

  /** Resolves once every message sent so far has been handed to the kernel. */
  async drain(): Promise<void> {
    this.#flushAll();
    // Usually all of it went out in that flush: no timer, no promise (this is on the restart path).
    if (this.queued === 0) return;
    // The sockets do not hold the loop (ref false): a timer does, while the queues wait.
    const hold = setInterval(() => {}, 1000);
    try {
      await Promise.all(this.#queues.map((q) => q.drained()));
    } finally {
      clearInterval(hold);
    }
  }

  close(): void {
    process.off('exit', this.#atExit);
    this.#flushAll();
    for (const s of this.#sockets) s.close();
  }
}

/** A worker's receiving end: whole messages out, in order. */
export class DatagramReceiver {
  readonly #socket: DatagramSocket;

  constructor(native: NativeAddon, fd: number, opts: { bus: boolean; maxPackageSize: number }, onMessage: (data: Buffer) => void, onError: (detail: string) => void) {
    this.#socket = native.openDatagram(fd);
    const bus = opts.bus ? new BusReassembler() : null;
    const max = opts.maxPackageSize;
    // A lone record bigger than this buffer is cut by the kernel: the buffer holds a whole pack
    // and at least max_package_size bytes of one message (the bus: one whole bus datagram).
    const room = RECORD_HEAD + (bus ? Limits.IPC_BUFFER_MAX_SIZE : Math.max(0, max));
    const onRecord = bus
      ? (record: Buffer): void => {
          const r = bus.push(record);
          if (r.kind === 'message') onMessage(Buffer.from(r.data));
          else if (r.kind === 'error') onError(r.error.detail);
        }
      : (record: Buffer): void => onMessage(deliverDatagram(record, max));
    this.#socket.startReading(Math.max(PACK_LIMIT, room), (batch: ReceivedDatagram[]) => {
      for (const d of batch) {
        const bad = splitRecords(d.data, d.truncated, onRecord);
        if (bad) onError(bad);
      }
    }, RECEIVE_BATCH);
  }

  stop(): void {
    this.#socket.stopReading();
  }

  close(): void {
    this.#socket.close();
  }
}
