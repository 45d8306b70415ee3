/**
 * mallocTrim: arguments and mallopt's verdict. Its effect (freed receive buffers reused instead
 * of page-faulted in again) depends on the allocation pattern, so the Pool bench measures it
 * (page faults per 1000 messages), not a test.
 */
import t from 'tap';
import { native, isTypeError } from './_helpers.ts';

t.test('mallocTrim validates keepBytes and reports whether mallopt took it', async (t) => {
  t.throws(() => native.mallocTrim(-1), isTypeError);
  t.throws(() => native.mallocTrim(1.5), isTypeError);
  t.throws(() => native.mallocTrim('1' as never), isTypeError);
  t.throws(() => native.mallocTrim(2 ** 31), isTypeError);
  t.equal(native.mallocTrim(64 << 20), true);
});
