/**
 * Datagram ports (UDP, UDP6, unix dgram), the pure part: what onPacket's clientInfo holds, how
 * a sendto()/send() address is read, and which key hash dispatch modes use for a datagram.
 * Rules: E5, S10, S11; observed h9. The sockets are in datagram-port.ts.
 */
import net from 'node:net';
import { crc32 } from 'node:zlib';
import { ErrorCode, type ErrorCodeValue } from '../errors.ts';
import { SWOOLE_SOCK_UDP, SWOOLE_SOCK_UDP6, SWOOLE_SOCK_UNIX_DGRAM } from '../constants.ts';

export type DatagramKind = 'udp' | 'udp6' | 'unix';

/** The largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes); h9 delivered it whole. */
export const UDP_MAX_PAYLOAD = 65507;
/** Over IPv6 the 16-bit payload length excludes the IP header: 65,535 − 8 (no jumbograms). */
export const UDP6_MAX_PAYLOAD = 65527;
/**
 * Unix dgram: the receive buffer of a port. Linux takes a unix datagram up to the sender's
 * SO_SNDBUF (212,992 bytes by default), so this holds any datagram a default sender can make;
 * a longer one (a sender with a raised buffer) is cut by the kernel and dropped here (1201).
 */
export const UNIX_DGRAM_RECV_MAX = 256 * 1024;
/** dispatch_func's event type for a datagram (S11). */
export const DISPATCH_TYPE_DGRAM = 1;

export function datagramKind(sockType: number): DatagramKind | null {
  if (sockType === SWOOLE_SOCK_UDP) return 'udp';
  if (sockType === SWOOLE_SOCK_UDP6) return 'udp6';
  if (sockType === SWOOLE_SOCK_UNIX_DGRAM) return 'unix';
  return null;
}

export const isDatagram = (sockType: number): boolean => datagramKind(sockType) !== null;

/** Receive buffer size for a port of this kind (bigger datagrams are cut by the kernel and dropped). */
export function recvSize(kind: DatagramKind): number {
  return kind === 'unix' ? UNIX_DGRAM_RECV_MAX : (kind === 'udp6' ? UDP6_MAX_PAYLOAD : UDP_MAX_PAYLOAD) + 1;
}

/**
 * h9: onPacket's clientInfo, keys in Swoole's order. UDP: server_socket, dispatch_time,
 * server_port, address, port. Unix dgram: the same without `port`; `address` is the sender's
 * bound path, '' for an unbound sender (Swoole reports garbage or the previous sender's path
 * there: not mirrored).
 */
export function packetClientInfo(kind: DatagramKind, serverSocket: number, serverPort: number, address: string, port: number, now: number): Record<string, string | number> {
  if (kind === 'unix') return { server_socket: serverSocket, dispatch_time: now, server_port: serverPort, address };
  return { server_socket: serverSocket, dispatch_time: now, server_port: serverPort, address, port };
}

export type DatagramTarget =
  | { kind: 'udp' | 'udp6'; host: string; port: number }
  | { kind: 'unix'; path: string };

/**
 * sendto(ip, port) / send(path): where the datagram goes. An absolute path is a unix dgram
 * peer (port ignored); otherwise an IP literal (we do not resolve names: 505) and a port in
 * 1..65535 (505).
 */
export function datagramTarget(address: unknown, port: unknown): DatagramTarget | ErrorCodeValue {
  if (typeof address !== 'string' || address === '') return ErrorCode.INVALID_PARAMS;
  if (address.startsWith('/')) return Buffer.byteLength(address) < 108 ? { kind: 'unix', path: address } : ErrorCode.INVALID_PARAMS;
  const family = net.isIP(address);
  if (family === 0) return ErrorCode.INVALID_PARAMS;
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return ErrorCode.INVALID_PARAMS;
  return { kind: family === 6 ? 'udp6' : 'udp', host: address, port };
}

/** The payload limit of a datagram sent to `target` (bigger: false with EMSGSIZE, not sent). */
export function sendLimit(target: DatagramTarget): number {
  return target.kind === 'unix' ? Infinity : target.kind === 'udp6' ? UDP6_MAX_PAYLOAD : UDP_MAX_PAYLOAD;
}

/**
 * PROCESS hash modes (2 FDMOD, 4 IPMOD, 5 UIDMOD, 8 CO_CONN_LB): a datagram has no connection,
 * so Swoole's reactor puts a key in the fd slot: for UDP the sender's IPv4 address bytes copied
 * into an int (read little-endian on x86: 127.0.0.1 is 0x0100007f); for UDP6 and unix dgram the
 * crc32 of the sender's address as text (its IPv6 literal, its path). Every mode then reduces
 * the key modulo worker_num, so one peer address always reaches the same worker whatever its
 * port. Ours hashes the text's own bytes; Swoole's crc32 runs over the sockaddr's length, so it
 * also takes in bytes past the end of the text (not reproducible: not mirrored).
 */
export function datagramDispatchKey(kind: DatagramKind, address: string): number {
  if (kind !== 'udp') return crc32(Buffer.from(address)) >>> 0;
  const parts = address.split('.').map(Number);
  return ((parts[0]! & 0xff) | ((parts[1]! & 0xff) << 8) | ((parts[2]! & 0xff) << 16) | ((parts[3]! & 0xff) << 24)) >>> 0;
}
