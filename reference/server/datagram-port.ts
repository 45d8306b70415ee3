/**
 * A datagram port as one process sees it: the port's fd (bound by the process that built the
 * server, inherited by workers), read with each sender's address when this process serves it,
 * and written with sendto() by any process that holds it, so a reply leaves from the server's
 * own port or path (h9). I/O only; the rules are in packet.ts.
 */
import { constants as osConstants } from 'node:os';
import type { DatagramSocket, NativeAddon } from '../native/api.ts';
import type { Port } from './port.ts';
import { recvSize, sendLimit, type DatagramKind, type DatagramTarget } from './packet.ts';

const EMSGSIZE = osConstants.errno.EMSGSIZE;

/** One datagram as read: the payload (a view into its batch) and the sender. */
export interface Arrival {
  data: Buffer;
  address: string;
  port: number;
}

export class DatagramPort {
  readonly port: Port;
  readonly kind: DatagramKind;
  readonly #native: NativeAddon;
  #sock: DatagramSocket | null = null;

  constructor(native: NativeAddon, port: Port, kind: DatagramKind) {
    this.#native = native;
    this.port = port;
    this.kind = kind;
  }

  /** server_socket in clientInfo: this process's fd for the port (what sendto() takes back). */
  get fd(): number {
    return this.port.fd;
  }

  /**
   * Reads every datagram in batches (recvmmsg with msg_name). Empty datagrams are skipped (h9);
   * one cut by the kernel (longer than the receive buffer) goes to `onCut` instead.
   */
  startReading(onPacket: (a: Arrival) => void, onCut: (a: Arrival) => void): void {
    if (this.#sock) return;
    // The DatagramSocket takes this process's fd; closing it closes the fd (see close()).
    const sock = this.#native.openDatagram(this.port.fd);
    this.#sock = sock;
    sock.startReading(recvSize(this.kind), (batch) => {
      for (const d of batch) {
        if (d.data.length === 0) continue;
        const a = { data: d.data, address: d.address ?? '', port: d.port ?? -1 };
        if (d.truncated) onCut(a);
        else onPacket(a);
      }
    }, 64, true);
  }

  /** Stops reading (a stopping worker); the fd stays open for replies and other readers. */
  stopReading(): void {
    this.#sock?.stopReading();
    this.#sock?.ref(false);
  }

  /** sendto() on the port's fd: bytes sent or -errno (never throws for a syscall failure). */
  send(target: DatagramTarget, data: Buffer): number {
    if (data.length > sendLimit(target)) return -EMSGSIZE;
    return target.kind === 'unix'
      ? this.#native.sendToPath(this.port.fd, data, target.path)
      : this.#native.sendTo(this.port.fd, data, target.host, target.port);
  }

  /** Closes this process's fd for the port. */
  close(): void {
    if (this.#sock) this.#sock.close();
    else if (this.port.fd >= 0) this.#native.close(this.port.fd);
    this.#sock = null;
    this.port.fd = -1;
  }
}
