<?php
/**
 * Server scenarios for the swoole-php adapter (required by adapter.php, which defines SwcControl,
 * swc_perform and the byte helpers, and has read $scenario and opened $control).
 */

declare(strict_types=1);

/** Swoole's callback arguments after $server, by name. */
const SWC_SERVER_ARGS = [
    'connect' => ['fd', 'reactor_id'],
    'receive' => ['fd', 'reactor_id', 'data'],
    'close' => ['fd', 'reactor_id'],
    'packet' => ['data', 'client_info'],
    'bufferfull' => ['fd'],
    'bufferempty' => ['fd'],
    'workerstart' => ['worker_id'],
    'workerstop' => ['worker_id'],
    'workerexit' => ['worker_id'],
    'workererror' => ['worker_id', 'worker_pid', 'exit_code', 'signal'],
    'pipemessage' => ['src_worker_id', 'data'],
    'task' => ['task_id', 'src_worker_id', 'data'],
    'finish' => ['task_id', 'data'],
];

/** Plain JSON for non-payload values (addresses stay strings). */
function swc_plain($v)
{
    if (is_object($v)) {
        return ['$object' => get_class($v)];
    }
    if (is_array($v)) {
        return array_map('swc_plain', $v);
    }
    return $v;
}

$masterPid = getmypid();
$server = null;
$GLOBALS['swc_in_user_process'] = false;
$delegate = function (string $name, string $role, array $eventArgs, array $raw = []) use ($control, &$server) {
    $wid = $server !== null && is_int($server->worker_id ?? null) && $server->worker_id >= 0 ? $server->worker_id : null;
    return swc_delegate($control, $server ?? new \stdClass(), $name, $role, $wid, $eventArgs, $raw);
};

/** The role of the process now, for callbacks that may run anywhere (commands, callables, signals). */
$roleNow = function () use (&$server, $masterPid): string {
    if ($GLOBALS['swc_in_user_process']) {
        return 'user_process';
    }
    if ($server !== null && ($server->taskworker ?? false)) {
        return 'task_worker';
    }
    if ($server !== null && is_int($server->worker_id ?? null) && $server->worker_id >= 0) {
        return 'worker';
    }
    if ($server !== null && ($server->manager_pid ?? 0) === getmypid()) {
        return 'manager';
    }
    return getmypid() === $masterPid ? 'master' : 'worker';
};

/**
 * A callback's arguments by name (after the leading server): `args` as they go on the wire
 * (long data summarised), `raw` as they came (for `$arg` references).
 */
function swc_callback_args(array $names, array $given): array
{
    $args = [];
    $raw = [];
    foreach ($names as $i => $n) {
        $v = $given[$i] ?? null;
        $raw[$n] = $v;
        $args[$n] = $n === 'data' && is_string($v) ? swc_summary($v) : swc_plain($v);
    }
    return [$args, $raw];
}

// {"$callback": {name, args}} in action args: a callable delegating `name` with its arguments
// after the leading server (task()'s per-task callback, addCommand's).
$GLOBALS['swc_callable'] = function (array $spec) use ($delegate, $roleNow) {
    $names = $spec['args'] ?? [];
    $name = (string) $spec['name'];
    return function ($s, ...$given) use ($names, $name, $delegate, $roleNow) {
        [$args, $raw] = swc_callback_args($names, $given);
        return $delegate($name, $roleNow(), $args, $raw);
    };
};
$GLOBALS['swc_notify'] = function (string $name, array $args) use ($delegate, $roleNow) {
    return $delegate($name, $roleNow(), $args);
};

try {
    $server = new Swoole\Server((string) $scenario['host'], (int) $scenario['port'], (int) $scenario['mode'], (int) $scenario['sock_type']);
} catch (\Throwable $e) {
    // A taken port or a bad host makes the constructor throw (observed h15).
    $delegate('ConstructError', 'master', ['threw' => swc_threw($e), 'last_error' => swoole_last_error()]);
    exit(0);
}

$register = function ($target, string $event, ?int $listener = null) use ($delegate, &$server) {
    $key = strtolower($event);
    $names = SWC_SERVER_ARGS[$key] ?? [];
    $target->on($event, function ($s, ...$given) use ($event, $key, $names, $listener, $delegate, &$server) {
        [$args, $raw] = swc_callback_args($names, $given);
        if ($listener !== null) {
            $args['listener'] = $listener;
        }
        if (in_array($key, ['start', 'shutdown', 'beforeshutdown'], true)) {
            $role = 'master';
        } elseif (in_array($key, ['managerstart', 'managerstop', 'workererror'], true)) {
            $role = 'manager';
        } else {
            $role = $key === 'task' || ($server->taskworker ?? false) ? 'task_worker' : 'worker';
        }
        return $delegate($event, $role, $args, $raw);
    });
};

if (isset($scenario['set'])) {
    $server->set($scenario['set']);
}
foreach ($scenario['events'] as $event) {
    $register($server, $event);
}
$ports = [['host' => $scenario['host'], 'port' => $server->port, 'sock_type' => (int) $scenario['sock_type']]];
foreach ($scenario['listeners'] ?? [] as $i => $l) {
    $port = $server->addListener((string) $l['host'], (int) $l['port'], (int) $l['sock_type']);
    if ($port === false) {
        $ports[] = null;
        continue;
    }
    if (isset($l['set'])) {
        $port->set($l['set']);
    }
    foreach ($l['events'] ?? [] as $event) {
        $register($port, $event, $i + 1);
    }
    $ports[] = ['host' => $l['host'], 'port' => $port->port, 'sock_type' => (int) $l['sock_type']];
}
/** {ret, last_error[, threw]} of one setup call. */
$attempt = function (callable $fn): array {
    try {
        return ['ret' => swc_plain($fn()), 'last_error' => swoole_last_error()];
    } catch (\Throwable $e) {
        return ['ret' => null, 'last_error' => swoole_last_error(), 'threw' => swc_threw($e)];
    }
};
// User processes: the callback delegates UserProcess {index, id}; without a `return` action it
// stays in the callback (a sleep loop; pcntl signals) until signalled, as a user process does.
$processResults = [];
foreach ($scenario['processes'] ?? [] as $index => $_p) {
    $processResults[] = $attempt(function () use ($index, $control, &$server) {
        $proc = new Swoole\Process(function ($p) use ($index, $control, &$server) {
            $GLOBALS['swc_in_user_process'] = true;
            [$seq, $actions] = $control->event('UserProcess', 'user_process', null, ['index' => $index, 'id' => $p->id ?? null]);
            [$results, $return, $exit, $throw] = swc_perform($actions, $server, []);
            $control->done($seq, $results);
            if ($exit !== null) {
                exit($exit);
            }
            if ($throw !== null) {
                throw new \Exception($throw);
            }
            foreach ($actions as $a) {
                if (array_key_exists('return', $a)) {
                    return $return;
                }
            }
            while (true) {
                sleep(1);
            }
        }, false, 0, false);
        return $server->addProcess($proc);
    });
}
$commandResults = [];
foreach ($scenario['commands'] ?? [] as $c) {
    $cname = (string) $c['name'];
    $commandResults[] = $attempt(fn () => $server->addCommand($cname, (int) $c['types'], function ($s, $json) use ($cname, $delegate, $roleNow) {
        return $delegate('Command', $roleNow(), ['name' => $cname, 'json' => $json], ['json' => $json]);
    }));
}
$initArgs = ['ports' => $ports, 'last_error' => swoole_last_error()];
if (isset($scenario['processes'])) {
    $initArgs['processes'] = $processResults;
}
if (isset($scenario['commands'])) {
    $initArgs['commands'] = $commandResults;
}
$delegate('Init', 'master', $initArgs);
$ret = $server->start();
if (getmypid() === $masterPid) {
    $delegate('Return', 'master', ['ret' => swc_plain($ret), 'last_error' => swoole_last_error()]);
}
