/** The bufferFull/bufferEmpty state machine (watermark.ts), pure; live servers in buffer-events.test.ts. */
import t from 'tap';
import { WaterLevel, waterMarks } from '../../reference/server/watermark.ts';

t.test('clause:server.base.buffer-marks buffer_high_watermark defaults to 80 % of socket_buffer_size, the low mark to 0', async (t) => {
  t.same(waterMarks({}, 8 * 1024 * 1024), { high: Math.floor(8 * 1024 * 1024 * 0.8), low: 0 });
  t.same(waterMarks({ buffer_high_watermark: 1000, buffer_low_watermark: 10 }, 8 * 1024 * 1024), { high: 1000, low: 10 });
});

t.test('clause:server.base.buffer-events full once when the queue reaches the high mark, empty once it is back at the low mark, then full again', async (t) => {
  const w = new WaterLevel({ high: 100, low: 10 }, true, true);
  t.equal(w.queued(99), null, 'below the high mark');
  t.equal(w.drained(0), null, 'no empty without a full first');
  t.equal(w.queued(100), 'bufferfull', 'at the high mark');
  t.equal(w.queued(500), null, 'once per crossing');
  t.equal(w.drained(11), null, 'above the low mark');
  t.equal(w.drained(10), 'bufferempty', 'at the low mark');
  t.equal(w.drained(0), null, 'once per crossing');
  t.equal(w.queued(100), 'bufferfull', 'a new crossing fires again');
});

t.test('clause:server.base.buffer-events with only onBufferEmpty, an overflow (1009) arms the empty event', async (t) => {
  const w = new WaterLevel({ high: 100, low: 0 }, false, true);
  t.equal(w.queued(1000), null, 'no onBufferFull: nothing on queueing');
  t.equal(w.drained(0), null, 'not armed');
  w.overflowed();
  t.equal(w.drained(0), 'bufferempty');
  const f = new WaterLevel({ high: 100, low: 0 }, true, false);
  t.equal(f.queued(100), 'bufferfull');
  t.equal(f.drained(0), null, 'no onBufferEmpty: nothing to call');
  t.equal(f.queued(100), 'bufferfull', 'but the level resets, so a later crossing fires again');
});
