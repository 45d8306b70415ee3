/**
 * swoole-conformance: run the conformance suite against any implementation through the adapter
 * protocol (spec/adapter-protocol.md). Exit codes: 0 all good, 1 conformance failures, 2
 * harness/adapter error, 64 usage error.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCases } from './cases/index.ts';
import { progressPrinter, renderSummary } from './reporters/console.ts';
import { renderHtml } from './reporters/html.ts';
import { parseReport, renderJson } from './reporters/json.ts';
import { renderJunit } from './reporters/junit.ts';
import { renderTap } from './reporters/tap.ts';
import { describeAdapter, resolveImpl } from './runner/adapter.ts';
import { applyExpectations, expectationsFrom, loadExpectations } from './runner/expectations.ts';
import { exitCodeFor, summarize, type RunReport } from './runner/result.ts';
import { parseShard, select, shardOf } from './runner/select.ts';
import { runSuite } from './runner/suite.ts';

export const EXIT = { OK: 0, FAIL: 1, ERROR: 2, USAGE: 64 } as const;

const USAGE = `usage:
  swoole-conformance run --impl <reference|swoole-php|"<command>"> [options]
      --filter <glob>        case ids (e.g. 'pool.socket.*', comma for alternatives)
      --features a,b         run only cases whose features are all listed
      --shard i/n            run shard i of n (stable hash of the case id)
      --timeout <x>          multiply every timeout by x (default 1)
      --seed <n> --runs <n>  property cases: replay seed, runs per property
      --jobs <n>             parallel cases (default 2)
      --reports <dir>        write <impl>.json, .junit.xml, .tap, .html there
      --expectations <file>  known failures (default conformance/expectations/<impl>.json)
  swoole-conformance list [--filter g] [--features a,b] [--shard i/n]
  swoole-conformance report --html out.html a.json [b.json ...]
  swoole-conformance expectations --from report.json [--previous file]
`;

class UsageError extends Error {}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

function num(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${v}`);
  return n;
}

export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case 'run':
        return await cmdRun(rest, io);
      case 'list':
        return await cmdList(rest, io);
      case 'report':
        return cmdReport(rest, io);
      case 'expectations':
        return cmdExpectations(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return cmd === undefined ? EXIT.USAGE : EXIT.OK;
      default:
        throw new UsageError(`unknown command ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`swoole-conformance: ${(e as Error).message}\n${USAGE}`);
      return EXIT.USAGE;
    }
    io.err(`swoole-conformance: ${(e as Error).stack ?? e}\n`);
    return EXIT.ERROR;
  }
}

const selectionOptions = {
  filter: { type: 'string' },
  features: { type: 'string' },
  shard: { type: 'string' },
} as const;

function selection(v: { filter?: string; features?: string; shard?: string }) {
  let shard;
  try {
    shard = v.shard ? parseShard(v.shard) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { filter: v.filter, shard, features: v.features ? v.features.split(',').map((s) => s.trim()).filter(Boolean) : undefined };
}

async function cmdList(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...selectionOptions, shards: { type: 'string' } }, strict: true });
  const sel = selection(values);
  const cases = select(await loadCases(), sel);
  const total = sel.shard?.total ?? num(values.shards, 'shards', 1);
  for (const c of cases) {
    io.out(`${c.id}\tshard ${shardOf(c.id, total)}/${total}\tclauses: ${c.clauses.join(',')}\tfeatures: ${c.features.join(',') || '-'}${c.property ? '\tproperty' : ''}\n`);
  }
  io.out(`${cases.length} case(s)\n`);
  return EXIT.OK;
}

async function cmdRun(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...selectionOptions,
      impl: { type: 'string' },
      timeout: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      jobs: { type: 'string' },
      reports: { type: 'string' },
      expectations: { type: 'string' },
      quiet: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.impl) throw new UsageError('run needs --impl');
  const sel = selection(values);
  const timeout = num(values.timeout, 'timeout', 1);
  const jobs = Math.floor(num(values.jobs, 'jobs', 2));
  const runs = values.runs === undefined ? undefined : Math.floor(num(values.runs, 'runs', 1));
  const seedText = values.seed ?? process.env.FC_SEED;
  const seed = seedText === undefined ? (Date.now() ^ (process.pid << 8)) >>> 0 : Number(seedText);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer`);
  const impl = resolveImpl(values.impl);
  const expPath = values.expectations ?? impl.expectations;
  const expectations = expPath && (values.expectations || existsSync(expPath)) ? loadExpectations(expPath) : undefined;

  const cases = select(await loadCases(), sel);
  const d = await describeAdapter(impl.command);
  if (d.kind === 'unavailable' && impl.bundled) {
    // Our own implementation must run wherever the kit runs: CI must not pass without it.
    io.err(`harness error: ${impl.name} cannot run: ${d.reason}\n`);
    return EXIT.ERROR;
  }
  if (d.kind === 'unavailable') {
    io.out(`unavailable: ${impl.name}: ${d.reason}\n0 passed, 0 failed (implementation unavailable, ${cases.length} case(s) not run)\n`);
    return EXIT.OK;
  }
  if (d.kind === 'error') {
    io.err(`adapter error: ${impl.name}: ${d.reason}\n`);
    return EXIT.ERROR;
  }
  const info = d.info;
  if (impl.note) io.out(`note: ${impl.note}\n`);
  io.out(`swoole-conformance: ${info.name} ${info.version} (protocol ${info.protocol}); ${cases.length} case(s), seed ${seed}, jobs ${jobs}\n`);
  const started = Date.now();
  const printer = values.quiet ? undefined : progressPrinter(cases.map((c) => c.id), io.out);
  const raw = await runSuite(cases, { command: impl.command, features: info.features, jobs, timeoutMultiplier: timeout, seed, runs, onResult: printer });
  const results = applyExpectations(raw, expectations);
  const report: RunReport = {
    format: 'swoole-conformance-report',
    formatVersion: 1,
    implementation: { name: info.name, version: info.version, features: info.features, command: impl.command.join(' ') },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    options: { filter: sel.filter, shard: values.shard, seed, runs, timeout, jobs },
    results,
    summary: summarize(results),
    exitCode: exitCodeFor(results),
  };
  if (values.reports) {
    mkdirSync(values.reports, { recursive: true });
    const base = join(values.reports, info.name.replace(/[^A-Za-z0-9._-]/g, '_'));
    writeFileSync(`${base}.json`, renderJson(report));
    writeFileSync(`${base}.junit.xml`, renderJunit(report));
    writeFileSync(`${base}.tap`, renderTap(report));
    writeFileSync(`${base}.html`, renderHtml([report]));
  }
  io.out('\n' + renderSummary(report));
  return report.exitCode;
}

function cmdReport(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args, options: { html: { type: 'string' } }, allowPositionals: true, strict: true });
  if (!values.html || positionals.length === 0) throw new UsageError('report needs --html <out> and at least one JSON report');
  const reports = positionals.map((p) => parseReport(readFileSync(p, 'utf8'), p));
  writeFileSync(values.html, renderHtml(reports));
  io.out(`wrote ${values.html} (${reports.length} implementation(s))\n`);
  return EXIT.OK;
}

function cmdExpectations(args: string[], io: CliIo): number {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, previous: { type: 'string' } }, strict: true });
  if (!values.from) throw new UsageError('expectations needs --from <report.json>');
  const report = parseReport(readFileSync(values.from, 'utf8'), values.from);
  const prev = values.previous ? loadExpectations(values.previous) : undefined;
  io.out(JSON.stringify(expectationsFrom(report, prev), null, 2) + '\n');
  return EXIT.OK;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
