/**
 * Adapter for the TypeScript reference implementation (adapter protocol v1,
 * spec/adapter-protocol.md). Run by `swoole-conformance run --impl reference`.
 */
import { readFileSync } from 'node:fs';
import { REFERENCE_POOL_FEATURES, runPoolAdapter } from './pool-adapter.ts';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
await runPoolAdapter({ name: 'reference', version: pkg.version, features: REFERENCE_POOL_FEATURES });
