<?php
// Real Swoole's side of bench/server-tasks.bench.ts, run only where `php -m` lists swoole:
// taskwait round trips (worker_num 1, task_worker_num 1, onTask returns its data) or
// task()+onFinish throughput (2 task workers, 500 in flight). Prints one line, then shuts down.
// Usage: php bench/swoole-tasks.php taskwait|task base|process N
[, $mode, $m, $n] = $argv + [null, 'taskwait', 'base', 20000];
$n = (int)$n;
$srv = new Swoole\Server('127.0.0.1', 0, $m === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE);
$srv->set([
    'worker_num' => 1, 'task_worker_num' => $mode === 'task' ? 2 : 1, 'log_level' => SWOOLE_LOG_WARNING,
    'enable_coroutine' => false, 'task_enable_coroutine' => false,
]);
$srv->on('receive', function () {});
$srv->on('task', function ($s, $id, $src, $data) { return $data; });
$done = 0;
$t0 = 0.0;
$srv->on('finish', function ($s, $id, $data) use (&$done, &$t0, $n) {
    if (++$done === $n) {
        printf("%.0f tasks/s (%d tasks, mean)\n", $n / (microtime(true) - $t0), $n);
        $s->shutdown();
    } elseif ($done <= $n - 500) {
        $s->task($data);
    }
});
$srv->on('workerStart', function ($s, $id) use ($mode, $n, &$t0) {
    if ($s->taskworker) return;
    if ($mode === 'taskwait') {
        $lat = [];
        for ($i = 0; $i < $n; $i++) {
            $t = hrtime(true);
            if ($s->taskwait("x$i", 1.0) !== "x$i") { echo "taskwait #$i failed\n"; break; }
            $lat[] = (hrtime(true) - $t) / 1000;
        }
        sort($lat);
        $k = count($lat);
        if ($k) printf("median %.1f µs, p99 %.1f µs (%d calls)\n", $lat[intdiv($k, 2)], $lat[max(0, (int)ceil($k * 0.99) - 1)], $k);
        $s->shutdown();
    } else {
        $t0 = microtime(true);
        for ($i = 0; $i < min(500, $n); $i++) $s->task("x$i");
    }
});
$srv->start();
