import { readdirSync, readlinkSync } from 'node:fs';

/**
 * Open sockets, memfds and other anonymous-inode fds of this process, the kinds the addon and
 * the reference create (for leak checks). Files and pipes are left out: the test runner and
 * tsx's esbuild service open and close those on their own schedule.
 */
export function openFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the readlink (e.g. the listing's own fd)
    }
    if (target.startsWith('socket:') || target.startsWith('anon_inode:') || target.startsWith('/memfd:')) n++;
  }
  return n;
}
