/**
 * The reference adapter's entry (adapter protocol v1, spec/adapter-protocol.md): describe, then
 * one scenario per process tree — a Pool or a Server, by the scenario's kind.
 */
import { readFileSync } from 'node:fs';
import { EXIT_UNAVAILABLE, type Scenario } from '../../protocol/messages.ts';
import { runPoolScenario, type AdapterIdentity, type PoolLike } from './pool-adapter.ts';
import { runServerScenario, type ServerLike } from './server-adapter.ts';
import { setConstructors } from './perform.ts';

export interface ReferenceModule {
  Pool: new (workerNum: number, ipcType?: number, msgqueueKey?: number, enableCoroutine?: boolean) => PoolLike;
  Server?: new (host: string, port?: number, mode?: number, sockType?: number) => ServerLike;
  swooleLastError?: () => number;
  /** Swoole\\Process, for the user processes of server scenarios (addProcess). */
  Process?: new (callback: (process: { id?: number; pid?: number }) => unknown) => object;
}

/** Loads the implementation, or says in one line why it cannot. */
async function loadReference(): Promise<ReferenceModule | string> {
  try {
    // SWC_REFERENCE_MODULE lets the harness tests point the adapter at a stand-in Pool.
    const spec = process.env.SWC_REFERENCE_MODULE ?? '../../../reference/index.ts';
    const mod = (await import(spec)) as Partial<ReferenceModule>;
    if (typeof mod.Pool !== 'function') return 'reference/index.ts exports no Pool yet';
    return mod as ReferenceModule;
  } catch (e) {
    return `reference cannot load: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Describe (SWC_DESCRIBE=1) or run the scenario in SWC_SCENARIO. */
export async function runAdapter(id: AdapterIdentity, serverFeatures: string[] = []): Promise<void> {
  const ref = await loadReference();
  if (process.env.SWC_DESCRIBE === '1') {
    if (typeof ref === 'string') {
      process.stdout.write(JSON.stringify({ protocol: 1, name: id.name, unavailable: ref }) + '\n');
      process.exitCode = EXIT_UNAVAILABLE;
      return;
    }
    const features = [...id.features, ...(typeof ref.Server === 'function' ? serverFeatures : [])];
    process.stdout.write(JSON.stringify({ protocol: 1, name: id.name, version: id.version, features }) + '\n');
    return;
  }
  if (typeof ref === 'string') {
    process.stderr.write(`${ref}\n`);
    process.exit(EXIT_UNAVAILABLE);
  }
  setConstructors({ Server: ref.Server as never, Pool: ref.Pool as never });
  const scenario = JSON.parse(readFileSync(process.env.SWC_SCENARIO!, 'utf8')) as Scenario;
  if (scenario.kind === 'pool') return runPoolScenario(id, ref, scenario);
  if (scenario.kind === 'server' && typeof ref.Server === 'function' && serverFeatures.length > 0) return runServerScenario(id, ref, scenario);
  process.stderr.write(`${id.name}: scenario kind ${(scenario as { kind: string }).kind} not supported\n`);
  process.exit(EXIT_UNAVAILABLE);
}
