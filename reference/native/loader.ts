/**
 * The one loader for the native addon. Finds build/Release/swoole_native.node relative to the
 * package root and returns it typed as NativeAddon, or throws SwooleError(NATIVE_UNAVAILABLE)
 * with a single line: why it could not load and how to rebuild.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, SwooleError } from '../errors.ts';
import type { NativeAddon } from './api.ts';
import { packageRoot } from '../package-root.ts';
import { NativeDatagramSocket, type RawDatagramHandle } from './datagram-socket.ts';

/** Where `node-gyp rebuild` (the package's install script) puts the addon. */
export const addonPath = join(packageRoot, 'build', 'Release', 'swoole_native.node');

const REBUILD = 'rebuild it with `npm rebuild` (or `npx node-gyp rebuild`) in the package root';

let cached: NativeAddon | undefined;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Loads (once) and returns the addon; throws SwooleError(NATIVE_UNAVAILABLE) on failure. */
export function loadNative(path: string = addonPath): NativeAddon {
  if (path === addonPath && cached) return cached;
  if (!existsSync(path)) {
    throw new SwooleError(ErrorCode.NATIVE_UNAVAILABLE, `native addon not built: ${path} is missing; ${REBUILD}`);
  }
  let raw: Omit<NativeAddon, 'openDatagram'> & { openDatagram(fd: number): RawDatagramHandle };
  try {
    raw = createRequire(import.meta.url)(path) as typeof raw;
  } catch (cause) {
    const text = oneLine(cause instanceof Error ? cause.message : String(cause));
    const why = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(text)
      ? `native addon built for another Node.js ABI (${text})`
      : `native addon failed to load (${text})`;
    throw new SwooleError(ErrorCode.NATIVE_UNAVAILABLE, `${why}; ${REBUILD}`, { cause });
  }
  // A build from before the newest exports is stale: say so now, not at the first missing call.
  if (['openDatagram', 'msgReceiver', 'listenUnix', 'execve', 'pollFd', 'createSharedMemory', 'mallocTrim', 'bindUnixDgram', 'sendTo', 'openAcceptor'].some((k) => typeof (raw as Record<string, unknown>)[k] !== 'function')) {
    throw new SwooleError(ErrorCode.NATIVE_UNAVAILABLE, `native addon at ${path} is stale (missing exports); ${REBUILD}`);
  }
  // Everything is the native function itself except openDatagram, whose batch delivery is
  // finished in TypeScript (see datagram-socket.ts).
  const addon: NativeAddon = { ...raw, openDatagram: (fd: number) => new NativeDatagramSocket(raw.openDatagram(fd)) };
  if (path === addonPath) cached = addon;
  return addon;
}

/** The addon, or the SwooleError that explains why it is unavailable (for feature checks). */
export function tryLoadNative(): NativeAddon | SwooleError {
  try {
    return loadNative();
  } catch (e) {
    if (e instanceof SwooleError) return e;
    throw e;
  }
}
