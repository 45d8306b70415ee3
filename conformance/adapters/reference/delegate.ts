import type { Role } from '../../protocol/messages.ts';
import type { ControlClient } from './control.ts';
import { perform, type Target } from './perform.ts';

export type Delegate = (name: string, role: Role, args: Record<string, unknown>, raw?: Record<string, unknown>) => Promise<unknown>;

/**
 * One delegated callback: report the event, wait for the runner's actions, perform them on the
 * target, report the results, then return (or exit/throw as the actions asked). `raw` holds the
 * callback's own arguments for `$arg` references.
 */
export function delegator(control: ControlClient, target: Target): Delegate {
  return async (name, role, args, raw = {}) => {
    const { seq, actions } = await control.event(name, args, role);
    const done = await perform(actions, target, raw);
    await control.done(seq, done.results);
    if (done.exitCode !== undefined) process.exit(done.exitCode);
    if (done.toThrow) throw done.toThrow;
    return done.returnValue;
  };
}

/** A Target over an implementation object: methods are called bound to it. */
export function targetOf(object: object, lastError: () => number, intercept?: (method: string, args: unknown[]) => { ret: unknown } | undefined): Target {
  return {
    object: new Proxy(object as Record<string, unknown>, {
      get(o, k) {
        const v = o[k as string];
        if (typeof v !== 'function') return v;
        if (!intercept) return v.bind(o);
        return (...args: unknown[]) => intercept(k as string, args)?.ret ?? (v as (...a: unknown[]) => unknown).apply(o, args);
      },
    }),
    lastError,
  };
}

/** Workers re-run the adapter script (node cluster model): only the first process is the master. */
const MASTER_ENV = 'SWC_ADAPTER_MASTER_PID';
export function claimMaster(): boolean {
  const isMaster = process.env[MASTER_ENV] === undefined || process.env[MASTER_ENV] === String(process.pid);
  process.env[MASTER_ENV] ??= String(process.pid);
  return isMaster;
}
