import type { NativeAddon } from '../../reference/native/api.ts';
import { CaseSkip } from './errors.ts';

/** The runner's SysV producer: the native addon, or a skip with the reason. */
export async function nativeAddon(): Promise<NativeAddon> {
  try {
    const mod = (await import('../../reference/native/loader.ts' as string)) as { loadNative: () => NativeAddon };
    return mod.loadNative();
  } catch (e) {
    throw new CaseSkip(`skipped: native addon unavailable (${(e as Error).message.split('\n')[0]})`);
  }
}
