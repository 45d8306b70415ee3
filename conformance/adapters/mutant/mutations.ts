import type { Mutation } from '../reference/pool-adapter.ts';

/** Each mutation is a plausible porting bug the suite must catch. */
export const MUTATIONS: Record<string, Mutation> = {
  /** Delivers one byte short whenever a message reaches max_package_size (an off-by-one cap). */
  'truncate-off-by-one': {
    received(data, scenario) {
      const max = Number(scenario.set?.max_package_size ?? 2 * 1024 * 1024);
      return data.length >= max ? data.subarray(0, max - 1) : data;
    },
  },
  /** Ignores enable_message_bus, so big UNIXSOCK messages get truncated. */
  'bus-ignored': {
    options(set) {
      const { enable_message_bus: _drop, ...rest } = set;
      return rest;
    },
  },
  /** Pool::write() claims success but sends nothing (no response frame). */
  'write-dropped': {
    call(method) {
      return method === 'write' ? { ret: true } : undefined;
    },
  },
};
