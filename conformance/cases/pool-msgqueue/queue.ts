import type { NativeAddon } from '../../../reference/native/api.ts';
import type { Harness } from '../../runner/harness.ts';

/**
 * The fixed SysV key the msgqueue cases share. A key is a system-wide name: cases declare it as
 * a resource (never two at once) and teardown removes the queue.
 */
export const QUEUE_KEY = 0x5357c001;
export const QUEUE_RESOURCE = `msgqueue:0x${QUEUE_KEY.toString(16)}`;

/** A fresh, empty queue under QUEUE_KEY (a stale one from a crashed run is removed first). */
export function freshQueue(h: Harness, native: NativeAddon): number {
  try {
    native.msgRemove(native.msgget(QUEUE_KEY));
  } catch {
    // none left over
  }
  const id = native.msgget(QUEUE_KEY, { create: true, exclusive: true, mode: 0o600 });
  h.onTeardown(() => native.msgRemove(native.msgget(QUEUE_KEY)));
  return id;
}
