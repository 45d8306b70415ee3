/**
 * stats() counters as a pure accumulator: events in, a snapshot out. Rules: S33, observed h14
 * (exact counts), h9 (UDP counts requests but not bytes or accepts).
 */

export interface StatsContext {
  workerNum: number;
  taskWorkerNum: number;
  userWorkerNum: number;
  idleWorkerNum: number;
  /** Counts of the worker calling stats(). */
  worker: { requestCount: number; responseCount: number; dispatchCount: number; concurrency: number };
  task?: { idleWorkerNum: number; taskingNum: number; taskCount: number };
  minFd: number;
  maxFd: number;
}

export class StatsCounter {
  readonly startTime: number;
  connectionNum = 0;
  abortCount = 0;
  acceptCount = 0;
  closeCount = 0;
  dispatchCount = 0;
  requestCount = 0;
  responseCount = 0;
  totalRecvBytes = 0;
  totalSendBytes = 0;
  pipePacketMsgId = 0;
  concurrency = 0;
  sessionRound = 0;

  constructor(startTimeSec: number) {
    this.startTime = Math.floor(startTimeSec);
  }

  accepted(): void {
    this.acceptCount++;
    this.connectionNum++;
    this.sessionRound++;
  }

  closed(): void {
    this.closeCount++;
    this.connectionNum = Math.max(0, this.connectionNum - 1);
  }

  /** One stream frame dispatched and handed to onReceive. */
  received(bytes: number): void {
    this.dispatchCount++;
    this.requestCount++;
    this.totalRecvBytes += bytes;
  }

  /** One datagram handed to onPacket: request_count only (h9). */
  packet(): void {
    this.requestCount++;
  }

  /** A successful send(). */
  sent(bytes: number): void {
    this.responseCount++;
    this.totalSendBytes += bytes;
  }

  snapshot(ctx: StatsContext): Record<string, number> {
    const out: Record<string, number> = {
      start_time: this.startTime,
      connection_num: this.connectionNum,
      abort_count: this.abortCount,
      accept_count: this.acceptCount,
      close_count: this.closeCount,
      worker_num: ctx.workerNum,
      task_worker_num: ctx.taskWorkerNum,
      user_worker_num: ctx.userWorkerNum,
      idle_worker_num: ctx.idleWorkerNum,
      dispatch_count: this.dispatchCount,
      request_count: this.requestCount,
      response_count: this.responseCount,
      total_recv_bytes: this.totalRecvBytes,
      total_send_bytes: this.totalSendBytes,
      pipe_packet_msg_id: this.pipePacketMsgId,
      concurrency: this.concurrency,
      session_round: this.sessionRound,
      min_fd: ctx.minFd,
      max_fd: ctx.maxFd,
      worker_request_count: ctx.worker.requestCount,
      worker_response_count: ctx.worker.responseCount,
      worker_dispatch_count: ctx.worker.dispatchCount,
      worker_concurrency: ctx.worker.concurrency,
    };
    if (ctx.taskWorkerNum > 0 && ctx.task) {
      out.task_idle_worker_num = ctx.task.idleWorkerNum;
      out.tasking_num = ctx.task.taskingNum;
      out.task_count = ctx.task.taskCount;
    }
    out.coroutine_num = 0;
    out.coroutine_peek_num = 0;
    return out;
  }
}
