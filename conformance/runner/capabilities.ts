/** Runner-side capabilities cases may need (the SysV producer uses the native addon). */
export async function probeNative(): Promise<string | null> {
  try {
    const loaderPath = '../../reference/native/loader.ts';
    const mod = (await import(loaderPath)) as { loadNative?: () => unknown };
    if (typeof mod.loadNative !== 'function') return 'native addon unavailable (no loader)';
    mod.loadNative();
    return null;
  } catch (e) {
    return `native addon unavailable (${(e as Error).message.split('\n')[0]})`;
  }
}
