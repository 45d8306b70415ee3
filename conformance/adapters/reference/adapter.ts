/**
 * Adapter for the TypeScript reference implementation (adapter protocol v1,
 * spec/adapter-protocol.md). Run by `swoole-conformance run --impl reference`.
 */
import { readFileSync } from 'node:fs';
import { runAdapter } from './main.ts';
import { REFERENCE_POOL_FEATURES } from './pool-adapter.ts';
import { REFERENCE_SERVER_FEATURES } from './server-adapter.ts';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
await runAdapter({ name: 'reference', version: pkg.version, features: REFERENCE_POOL_FEATURES }, REFERENCE_SERVER_FEATURES);
