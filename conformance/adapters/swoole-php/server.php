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
$delegate = function (string $name, string $role, array $eventArgs, array $raw = []) use ($control, &$server) {
    $wid = $server !== null && is_int($server->worker_id ?? null) && $server->worker_id >= 0 ? $server->worker_id : null;
    return swc_delegate($control, $server ?? new \stdClass(), $name, $role, $wid, $eventArgs, $raw);
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
        $args = [];
        $raw = [];
        foreach ($names as $i => $n) {
            $v = $given[$i] ?? null;
            $raw[$n] = $v;
            $args[$n] = $n === 'data' && is_string($v) ? swc_summary($v) : swc_plain($v);
        }
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
$delegate('Init', 'master', ['ports' => $ports, 'last_error' => swoole_last_error()]);
$ret = $server->start();
if (getmypid() === $masterPid) {
    $delegate('Return', 'master', ['ret' => swc_plain($ret), 'last_error' => swoole_last_error()]);
}
