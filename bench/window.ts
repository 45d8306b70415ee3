/**
 * A closed-loop measurement window: the load runs through `warmupMs`, then the counter is on for
 * `ms`, then the load stops. `counting` and `running` are read by the load's callbacks.
 * Resolves with the window's real length in ms (timers overshoot).
 */
export interface Window {
  counting: boolean;
  running: boolean;
}

export async function measureWindow(w: Window, warmupMs: number, ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, warmupMs));
  w.counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const elapsed = performance.now() - t0;
  w.counting = false;
  w.running = false;
  return elapsed;
}
