/**
 * PHP's exit() inside a Swoole worker callback unwinds into the worker loop, which still runs
 * onWorkerStop before the process ends (swoole-observed.md §d). Node's process.exit() would end
 * the process on the spot, skipping it. So in an assigned worker the first process.exit(code)
 * becomes a graceful stop with that code; once the worker is already stopping (a second exit,
 * or exit() inside onWorkerStop) it exits for real.
 */
type Exit = (code?: number | string | null) => never;

/** Installs the hook; `stop(code)` returns false when the worker is already stopping. */
export function routeExitThroughStop(stop: (code: number) => boolean, realExit: Exit): void {
  process.exit = ((code?: number | string | null) => {
    const n = Number(code ?? process.exitCode ?? 0);
    if (!stop(Number.isInteger(n) ? n : 1)) realExit(code);
    // Like PHP's exit, code after the call in this callback is not meant to run; the stop
    // waits for the callback to return and then ends the process.
    return undefined as never;
  }) as typeof process.exit;
}
