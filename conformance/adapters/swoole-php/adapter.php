<?php
/**
 * swoole-conformance adapter for real PHP Swoole (6.x), protocol v1 (spec/adapter-protocol.md).
 * Builds a Swoole\Process\Pool from SWC_SCENARIO, registers exactly the scenario's callbacks and
 * delegates each one to the runner over SWC_CONTROL. It performs actions and reports; it judges
 * nothing. Run by `swoole-conformance run --impl swoole-php`.
 */

declare(strict_types=1);

const SWC_PROTOCOL = 1;
const SWC_EXIT_UNAVAILABLE = 69;
const SWC_SIGNALS = ['SIGHUP' => 1, 'SIGINT' => 2, 'SIGQUIT' => 3, 'SIGKILL' => 9, 'SIGUSR1' => 10, 'SIGUSR2' => 12, 'SIGTERM' => 15];

function swc_out(array $line): void
{
    fwrite(STDOUT, json_encode($line, JSON_UNESCAPED_SLASHES) . "\n");
}

// Harness tests only: a stand-in for the extension (test/conformance/fixtures/swoole-stub.php).
if (getenv('SWC_SWOOLE_STUB')) {
    require getenv('SWC_SWOOLE_STUB');
}
$swcSwoole = extension_loaded('swoole') || class_exists('Swoole\\Process\\Pool', false);

if (getenv('SWC_DESCRIBE') === '1') {
    if (!$swcSwoole) {
        swc_out(['protocol' => SWC_PROTOCOL, 'name' => 'swoole-php', 'unavailable' => 'php/swoole not found (the swoole extension is not loaded)']);
        exit(SWC_EXIT_UNAVAILABLE);
    }
    swc_out([
        'protocol' => SWC_PROTOCOL,
        'name' => 'swoole-php',
        'version' => (string) (phpversion('swoole') ?: 'stub'),
        'features' => ['pool', 'pool.ipc.none', 'pool.ipc.unixsock', 'pool.ipc.socket', 'pool.ipc.msgqueue', 'pool.message-bus', 'pool.coroutine', 'pool.supervision',
            'server', 'server.base', 'server.process', 'server.tcp', 'server.udp', 'server.unix', 'server.unix-dgram', 'server.multi-port', 'server.heartbeat',
            'server.tasks', 'server.pipe-message', 'server.user-process', 'server.command', 'framing.length', 'framing.eof'],
    ]);
    exit(0);
}
if (!$swcSwoole) {
    fwrite(STDERR, "php/swoole not found\n");
    exit(SWC_EXIT_UNAVAILABLE);
}

/** One control connection per process: reopened after fork (the pid changed). */
final class SwcControl
{
    private $sock = null;
    private int $pid = 0;
    private int $seq = 0;

    public function __construct(private string $path)
    {
    }

    private function connection(string $role, ?int $workerId)
    {
        if ($this->sock !== null && $this->pid === getmypid()) {
            return $this->sock;
        }
        $this->pid = getmypid();
        $this->seq = 0;
        $sock = stream_socket_client('unix://' . $this->path, $errno, $errstr, 10);
        if ($sock === false) {
            fwrite(STDERR, "cannot connect to SWC_CONTROL: $errstr\n");
            exit(70);
        }
        stream_set_timeout($sock, 3600);
        $this->sock = $sock;
        $this->send(['t' => 'hello', 'protocol' => SWC_PROTOCOL, 'pid' => getmypid(), 'ppid' => posix_getppid_safe(), 'role' => $role, 'worker_id' => $workerId]);
        return $sock;
    }

    public function send(array $m): void
    {
        fwrite($this->sock, json_encode($m, JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION) . "\n");
    }

    /** Sends the event; blocks until the runner's `do` for it; returns [seq, actions]. */
    public function event(string $name, string $role, ?int $workerId, array $args): array
    {
        $sock = $this->connection($role, $workerId);
        $seq = ++$this->seq;
        $this->send(['t' => 'event', 'seq' => $seq, 'pid' => getmypid(), 'role' => $role, 'worker_id' => $workerId, 'name' => $name, 'args' => (object) $args]);
        while (true) {
            $line = fgets($sock);
            if ($line === false) {
                exit(70); // the runner is gone: end instead of running unobserved
            }
            $m = json_decode($line, true);
            if (is_array($m) && ($m['t'] ?? '') === 'do' && ($m['re'] ?? 0) === $seq) {
                return [$seq, $m['actions'] ?? []];
            }
        }
    }

    public function done(int $seq, array $results): void
    {
        $this->send(['t' => 'done', 're' => $seq, 'pid' => getmypid(), 'results' => $results]);
    }
}

function posix_getppid_safe(): int
{
    return function_exists('posix_getppid') ? posix_getppid() : 0;
}

/** Byte summary of a payload the implementation handed us. */
function swc_summary(string $data): array
{
    return ['$bytes' => ['len' => strlen($data), 'sha256' => hash('sha256', $data), 'head' => bin2hex(substr($data, 0, 32))]];
}

/**
 * A runner payload spec ({"$bytes": {hex} | {fill, len}}) to a binary string, a {"$arg": name}
 * reference to the current callback's argument; other values as is.
 */
function swc_from_wire($v, array $cbArgs = [])
{
    if (is_array($v) && isset($v['$arg']) && is_string($v['$arg']) && count($v) === 1) {
        if (!array_key_exists($v['$arg'], $cbArgs)) {
            throw new \InvalidArgumentException('callback has no argument ' . $v['$arg']);
        }
        return $cbArgs[$v['$arg']];
    }
    if (is_array($v) && isset($v['$callback']['name']) && count($v) === 1) {
        // A callable that delegates an event (server scenarios set the maker: server.php).
        $make = $GLOBALS['swc_callable'] ?? null;
        if ($make === null) {
            throw new \InvalidArgumentException('this adapter makes no callables for $callback here');
        }
        return $make($v['$callback']);
    }
    if (is_array($v) && isset($v['$bytes']) && is_array($v['$bytes'])) {
        $b = $v['$bytes'];
        if (isset($b['hex'])) {
            return (string) hex2bin($b['hex']);
        }
        $pattern = (string) hex2bin((string) $b['fill']);
        $len = (int) $b['len'];
        return $len === 0 || $pattern === '' ? str_repeat("\0", $len) : substr(str_repeat($pattern, intdiv($len, strlen($pattern)) + 1), 0, $len);
    }
    if (is_array($v)) {
        return array_map(fn ($x) => swc_from_wire($x, $cbArgs), $v);
    }
    return $v;
}

function swc_to_wire($v)
{
    if (is_string($v)) {
        // Strings an implementation returns are payloads: report them as summaries.
        return swc_summary($v);
    }
    if (is_object($v)) {
        return ['$object' => get_class($v)];
    }
    if (is_array($v)) {
        return array_map('swc_to_wire', $v);
    }
    if (is_float($v) && !is_finite($v)) {
        return null;
    }
    return $v;
}

/** Performs the actions in order. Returns [results, returnValue, exitCode|null, throwMessage|null]. */
function swc_perform(array $actions, object $target, array $cbArgs = []): array
{
    $results = [];
    $return = null;
    foreach ($actions as $a) {
        if (isset($a['call'])) {
            try {
                $ret = $target->{$a['call']}(...swc_from_wire($a['args'] ?? [], $cbArgs));
                if (isset($a['then'])) {
                    // A call on what the first call returned (e.g. getProcess(0) then write("x")).
                    if (!is_object($ret)) {
                        throw new \Error('the result has no method ' . $a['then']['call']);
                    }
                    $ret = $ret->{$a['then']['call']}(...swc_from_wire($a['then']['args'] ?? [], $cbArgs));
                }
                if (isset($a['prop']) && is_object($ret)) {
                    $ret = $ret->{$a['prop']} ?? null;
                } elseif (isset($a['prop']) && is_array($ret)) {
                    $ret = $ret[$a['prop']] ?? null; // e.g. stats() then user_worker_num
                }
                $results[] = ['ret' => swc_to_wire($ret), 'last_error' => swoole_last_error()];
            } catch (\Throwable $e) {
                $results[] = ['ret' => null, 'last_error' => swoole_last_error(), 'threw' => swc_threw($e)];
            }
        } elseif (isset($a['construct'])) {
            // Makes another instance and drops it: true, or what the constructor threw (S1, P6).
            try {
                $class = ['Server' => \Swoole\Server::class, 'Pool' => \Swoole\Process\Pool::class][$a['construct']['class']] ?? null;
                if ($class === null) {
                    throw new \Error('this adapter cannot construct ' . $a['construct']['class']);
                }
                $made = new $class(...swc_from_wire($a['construct']['args'] ?? [], $cbArgs));
                unset($made);
                $results[] = ['ret' => true, 'last_error' => swoole_last_error()];
            } catch (\Throwable $e) {
                $results[] = ['ret' => null, 'last_error' => swoole_last_error(), 'threw' => swc_threw($e)];
            }
        } elseif (isset($a['report'])) {
            $facts = [];
            foreach ($a['report'] as $name) {
                $facts[$name] = swc_to_wire_fact($target->{$name} ?? null);
            }
            $results[] = ['ret' => (object) $facts];
        } elseif (array_key_exists('sleep_ms', $a)) {
            // A signal (even one a handler ignores) cuts usleep short: sleep out the rest.
            $until = microtime(true) + ((int) $a['sleep_ms']) / 1000;
            while (($left = $until - microtime(true)) > 0) {
                usleep((int) ceil($left * 1e6));
            }
            $results[] = ['ret' => null];
        } elseif (array_key_exists('return', $a)) {
            $return = swc_from_wire($a['return'], $cbArgs);
            $results[] = ['ret' => null];
        } elseif (isset($a['ignore_signal'])) {
            $results[] = ['ret' => \Swoole\Process::signal(SWC_SIGNALS[$a['ignore_signal']] ?? 0, function () {
            })];
        } elseif (isset($a['handle_signal'])) {
            $h = $a['handle_signal'];
            $after = (int) ($h['after_ms'] ?? 0);
            $then = $h['then'];
            $notify = !empty($h['notify']);
            $signal = (string) $h['signal'];
            $handler = function () use ($then, $after, $notify, $signal) {
                // notify: the runner hears of the signal (pseudo-event Signal) before the handler acts.
                if ($notify && isset($GLOBALS['swc_notify'])) {
                    ($GLOBALS['swc_notify'])('Signal', ['signal' => $signal]);
                }
                if ($then === 'exit') {
                    usleep($after * 1000);
                    exit(0);
                }
            };
            if (!empty($GLOBALS['swc_in_user_process']) && function_exists('pcntl_signal')) {
                // A user process sits in a blocking loop, not in the reactor: use pcntl (as observed h12).
                pcntl_async_signals(true);
                $results[] = ['ret' => pcntl_signal(SWC_SIGNALS[$signal] ?? 0, $handler)];
            } else {
                $results[] = ['ret' => \Swoole\Process::signal(SWC_SIGNALS[$signal] ?? 0, $handler)];
            }
        } elseif (array_key_exists('exit', $a)) {
            $results[] = ['ret' => null];
            return [$results, $return, (int) $a['exit'], null];
        } elseif (isset($a['throw'])) {
            $results[] = ['ret' => null];
            return [$results, $return, null, (string) $a['throw']];
        }
    }
    return [$results, $return, null, null];
}

/** Properties such as workerId and master_pid are numbers, not payloads. */
function swc_to_wire_fact($v)
{
    return is_string($v) ? $v : swc_to_wire($v);
}

$scenario = json_decode((string) file_get_contents((string) getenv('SWC_SCENARIO')), true);
$control = new SwcControl((string) getenv('SWC_CONTROL'));
if (($scenario['kind'] ?? '') === 'server') {
    require __DIR__ . '/server.php';
    exit(0);
}
if (($scenario['kind'] ?? '') !== 'pool') {
    fwrite(STDERR, "swoole-php adapter: unknown scenario kind\n");
    exit(SWC_EXIT_UNAVAILABLE);
}
$masterPid = getmypid();
$args = $scenario['args'];
/** How a throw is reported (ActionResult.threw). */
function swc_threw(\Throwable $e): array
{
    return ['code' => $e->getCode(), 'message' => $e->getMessage(), 'class' => get_class($e)];
}

try {
    $pool = new Swoole\Process\Pool((int) $args['worker_num'], (int) $args['ipc_type'], (int) $args['msgqueue_key'], (bool) $args['enable_coroutine']);
} catch (\Throwable $e) {
    // The constructor threw (e.g. worker_num 0): report it; there is no pool to start.
    [$seq, $actions] = $control->event('ConstructError', 'master', null, ['threw' => swc_threw($e), 'last_error' => swoole_last_error()]);
    [$results] = swc_perform($actions, new \stdClass());
    $control->done($seq, $results);
    exit(0);
}

/**
 * One delegated callback: event → the runner's actions performed on $target → done; then exit or
 * throw if the actions said so, else return the callback's value. $raw: the callback's own
 * arguments, for {"$arg": name}.
 */
function swc_delegate(SwcControl $control, object $target, string $name, string $role, ?int $workerId, array $eventArgs, array $raw = [])
{
    [$seq, $actions] = $control->event($name, $role, $role === 'master' ? null : $workerId, $eventArgs);
    [$results, $return, $exit, $throw] = swc_perform($actions, $target, $raw);
    $control->done($seq, $results);
    if ($exit !== null) {
        exit($exit);
    }
    if ($throw !== null) {
        throw new \Exception($throw);
    }
    return $return;
}

$delegate = function (string $name, string $role, array $eventArgs, array $raw = []) use ($control, $pool) {
    $workerId = is_int($pool->workerId ?? null) && $pool->workerId >= 0 ? $pool->workerId : null;
    return swc_delegate($control, $pool, $name, $role, $workerId, $eventArgs, $raw);
};

if (isset($scenario['set'])) {
    $pool->set($scenario['set']);
}
// What each on() answered (false for an unknown name, a throw for onMessage with ipc NONE).
$onResults = [];
foreach ($scenario['events'] as $event) {
    $role = in_array($event, ['Start', 'Shutdown'], true) ? 'master' : 'worker';
    $cb = function ($p, $arg = null) use ($event, $role, $delegate) {
        $eventArgs = [];
        if ($event === 'Message') {
            $eventArgs['data'] = swc_summary((string) $arg);
        } elseif (is_int($arg)) {
            $eventArgs['worker_id'] = $arg;
        }
        return $delegate($event, $role, $eventArgs, $event === 'Message' ? ['data' => (string) $arg] : ['worker_id' => $arg]);
    };
    try {
        $onResults[$event] = ['ret' => swc_to_wire($pool->on($event, $cb)), 'last_error' => swoole_last_error()];
    } catch (\Throwable $e) {
        $onResults[$event] = ['ret' => null, 'last_error' => swoole_last_error(), 'threw' => swc_threw($e)];
    }
}
$listenRet = null;
if (isset($scenario['listen'])) {
    $l = $scenario['listen'];
    $listenRet = $pool->listen((string) $l['host'], (int) $l['port'], (int) ($l['backlog'] ?? 2048));
}
$delegate('Init', 'master', ['listen' => $listenRet, 'last_error' => swoole_last_error(), 'on' => (object) $onResults]);
try {
    $ret = $pool->start();
} catch (\Throwable $e) {
    // start() refusing by exception (e.g. onWorkerExit without coroutines, P12) is reported.
    if (getmypid() === $masterPid) {
        $delegate('Return', 'master', ['ret' => null, 'last_error' => swoole_last_error(), 'threw' => swc_threw($e)]);
    }
    exit(0);
}
if (getmypid() === $masterPid) {
    $delegate('Return', 'master', ['ret' => swc_to_wire($ret), 'last_error' => swoole_last_error()]);
}
exit(0);
