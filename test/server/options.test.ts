import t from 'tap';
import fc from 'fast-check';
import { ErrorCode, SwooleError } from '../../reference/errors.ts';
import { SWOOLE_BASE, SWOOLE_PROCESS } from '../../reference/constants.ts';
import {
  applySet, defaultMaxRequestGrace, effectivePackageMaxLength, heartbeatPlan, maxRequestThreshold,
  parseSize, portDefaults, resolveWorkerNum, serverDefaults, settingAtStart, validateOptions,
} from '../../reference/server/options.ts';

const runs = Number(process.env.FC_RUNS ?? 100);

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SwooleError) return e.code;
    throw e;
  }
  return undefined;
}

t.test('clause:server.options.unknown-warns — unknown key accepted with a coded warning', async (t) => {
  const warnings: Array<{ code?: string }> = [];
  const onWarn = (w: Error & { code?: string }) => warnings.push(w);
  process.on('warning', onWarn);
  const cur: Record<string, unknown> = {};
  t.equal(applySet(cur, { no_such_option: 5, worker_num: 2 }, false), true);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarn);
  t.equal(cur.no_such_option, 5);
  t.equal(cur.worker_num, 2);
  t.same(warnings.map((w) => w.code), [String(ErrorCode.INVALID_OPTION)]);
});

t.test('clause:server.options.invalid-value-throws — wrong types/domains throw 8801, nothing kept', async (t) => {
  const bad: Array<Record<string, unknown>> = [
    { worker_num: 'many' }, { dispatch_mode: 0 }, { dispatch_mode: 11 }, { dispatch_func: 3 },
    { open_length_check: 'yes' }, { package_max_length: 'xxx--2M' }, { socket_buffer_size: {} },
    { task_ipc_mode: 5 }, { max_connection: 0 }, { heartbeat_check_interval: 'soon' }, { task_worker_num: -1 },
  ];
  for (const opts of bad) t.equal(codeOf(() => validateOptions(opts)), ErrorCode.INVALID_OPTION, JSON.stringify(opts));
  const cur: Record<string, unknown> = { worker_num: 3 };
  t.equal(codeOf(() => applySet(cur, { worker_num: 4, dispatch_mode: 99 }, false)), ErrorCode.INVALID_OPTION);
  t.same(cur, { worker_num: 3 }, 'a failed set() keeps nothing');
  t.equal(codeOf(() => validateOptions(null as never)), ErrorCode.INVALID_OPTION);
});

t.test('clause:server.options.size-strings', async (t) => {
  t.equal(parseSize('2M', 'x'), 2 * 1024 * 1024);
  t.equal(parseSize('512k', 'x'), 512 * 1024);
  t.equal(parseSize('1G', 'x'), 1024 ** 3);
  t.equal(parseSize(4096, 'x'), 4096);
  t.equal(validateOptions({ buffer_output_size: '1M' }).values.output_buffer_size, 1024 * 1024, 'alias maps to output_buffer_size');
  t.equal(codeOf(() => parseSize('2MB', 'x')), ErrorCode.INVALID_OPTION);
  t.equal(codeOf(() => parseSize(Number.NaN, 'x')), ErrorCode.INVALID_OPTION);
});

t.test('clause:server.options.set-after-start', async (t) => {
  const cur: Record<string, unknown> = { worker_num: 1 };
  t.equal(applySet(cur, { worker_num: 4 }, true), false);
  t.same(cur, { worker_num: 1 });
});

t.test('clause:server.options.defaults', async (t) => {
  const base = serverDefaults(SWOOLE_BASE, 8);
  const proc = serverDefaults(SWOOLE_PROCESS, 8);
  t.equal(base.worker_num, 1);
  t.equal(proc.worker_num, 8);
  t.equal(base.dispatch_mode, 2);
  t.equal(base.task_worker_num, 0);
  t.equal(base.task_ipc_mode, 1);
  t.equal(base.max_wait_time, 3);
  t.equal(base.output_buffer_size, 0xffffffff);
  t.equal(base.socket_buffer_size, 8 * 1024 * 1024);
  const port = portDefaults();
  t.equal(port.package_length_type, 'N');
  t.equal(port.package_length_offset, 0);
  t.equal(port.package_body_offset, 4);
  t.equal(port.package_max_length, 2 * 1024 * 1024);
  t.same(port.package_eof, Buffer.from('\r\n\r\n'));
});

t.test('clause:server.options.worker-num', async (t) => {
  t.equal(resolveWorkerNum(0, 4), 4);
  t.equal(resolveWorkerNum(-3, 4), 4);
  t.equal(resolveWorkerNum(3, 4), 3);
  t.equal(resolveWorkerNum(10_000, 4), 4000);
});

t.test('clause:server.options.length-type', async (t) => {
  for (const code of 'cCsSnvlLNVqQJP') {
    t.equal(validateOptions({ package_length_type: code + 'xyz' }).values.package_length_type, code);
  }
  for (const code of ['i', 'I', 'x', '', 'H']) {
    t.equal(codeOf(() => validateOptions({ package_length_type: code })), ErrorCode.INVALID_LENGTH_TYPE, code);
  }
});

t.test('clause:server.options.offsets', async (t) => {
  t.equal(validateOptions({ package_length_offset: -5 }).values.package_length_offset, 0);
  t.equal(validateOptions({ package_body_offset: 8152 }).values.package_body_offset, 8152);
  t.equal(validateOptions({ package_body_start: 12 }).values.package_body_offset, 12, 'alias');
  t.equal(codeOf(() => validateOptions({ package_length_offset: 8153 })), ErrorCode.INVALID_OFFSET);
  t.equal(codeOf(() => validateOptions({ package_body_offset: 70000 })), ErrorCode.INVALID_OFFSET);
});

t.test('clause:server.options.eof', async (t) => {
  t.same(validateOptions({ package_eof: '\r\n' }).values.package_eof, Buffer.from('\r\n'));
  t.same(validateOptions({ package_eof: '12345678' }).values.package_eof, Buffer.from('12345678'));
  t.equal(codeOf(() => validateOptions({ package_eof: '' })), ErrorCode.INVALID_EOF);
  t.equal(codeOf(() => validateOptions({ package_eof: '123456789' })), ErrorCode.INVALID_EOF);
  t.equal(codeOf(() => validateOptions({ package_eof: 5 })), ErrorCode.INVALID_EOF);
  t.equal(validateOptions({ open_eof_split: true }).values.open_eof_check, true);
  t.equal(validateOptions({ open_eof_split: false }).values.open_eof_check, undefined);
});

t.test('clause:server.options.max-length-floor', async (t) => {
  t.equal(effectivePackageMaxLength(1024), 65536);
  t.equal(effectivePackageMaxLength(65536), 65536);
  t.equal(effectivePackageMaxLength(70000), 70000);
});

t.test('clause:server.options.heartbeat', async (t) => {
  t.equal(heartbeatPlan(0, 0), null);
  t.same(heartbeatPlan(0, 10), { idleTime: 10, checkInterval: 5, periodMs: 5000 });
  t.same(heartbeatPlan(0, 2), { idleTime: 2, checkInterval: 1, periodMs: 1000 });
  t.same(heartbeatPlan(1, 0), { idleTime: 2, checkInterval: 1, periodMs: 1000 });
  t.equal(validateOptions({ heartbeat_check_interval: 70000 }).values.heartbeat_check_interval, 65535);
  // observed h4 table: (interval, idle) → period seconds
  const table: Array<[number, number, number]> = [
    [1, 2, 1], [1.7, 2, 1], [0.5, 3, 1], [2, 1, 1], [5, 2, 1], [3, 4, 2], [5, 4, 2], [6, 7, 3], [100, 1, 1],
  ];
  for (const [i, d, p] of table) t.equal(heartbeatPlan(i, d)?.periodMs, p * 1000, `${i}/${d}`);
});

t.test('clause:server.options.max-request-grace', async (t) => {
  t.equal(defaultMaxRequestGrace(10), 0);
  t.equal(defaultMaxRequestGrace(11), 5);
  t.equal(maxRequestThreshold(0, undefined, Math.random), 0);
  t.equal(maxRequestThreshold(20, 0, Math.random), 20);
  for (const n of [1, 2, 3, 4, 10]) t.equal(maxRequestThreshold(n, undefined, () => 0.99), n);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, g, r) => {
      const th = maxRequestThreshold(n, g, () => r);
      const grace = g ?? defaultMaxRequestGrace(n);
      return grace === 0 ? th === n : th >= n + 1 && th <= n + grace;
    }),
    { numRuns: runs },
  );
  // observed h3: max_request 10 + grace 3 gave 11..13
  t.equal(maxRequestThreshold(10, 3, () => 0), 11);
  t.equal(maxRequestThreshold(10, 3, () => 0.999), 13);
});

t.test('clause:server.options.max-idle-time', async (t) => {
  t.equal(validateOptions({ max_idle_time: 0.0001 }).values.max_idle_time, 0.001);
  t.equal(validateOptions({ max_idle_time: 0 }).values.max_idle_time, 0);
  t.equal(validateOptions({ max_idle_time: 2.5 }).values.max_idle_time, 2.5);
});

t.test('clause:server.options.start-setting', async (t) => {
  const s = settingAtStart({ worker_num: 3, open_length_check: true }, serverDefaults(SWOOLE_PROCESS, 2), 1000);
  t.equal(s.worker_num, 3);
  t.equal(s.task_worker_num, 0);
  t.equal(s.output_buffer_size, 0xffffffff);
  t.equal(s.max_connection, 1000);
  t.equal(s.open_length_check, true);
});

t.test('port scope: server-only keys are unknown on a port', async (t) => {
  const { values, unknown } = validateOptions({ worker_num: 2, open_eof_check: true }, 'port');
  t.same(unknown, ['worker_num']);
  t.equal(values.open_eof_check, true);
});
