/**
 * SWOOLE_IPC_UNIXSOCK delivery without the message bus (F8): the receiver reads each datagram
 * into a max_package_size buffer, so a longer datagram is cut to its first max_package_size
 * bytes (6000 with a 2048 limit → 2048). Returns a view, never a copy.
 */
export function deliverDatagram(datagram: Buffer, maxPackageSize: number): Buffer {
  return datagram.length > maxPackageSize ? datagram.subarray(0, Math.max(0, maxPackageSize)) : datagram;
}
