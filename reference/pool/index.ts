export { Pool, type PoolProcess } from './pool.ts';
export { DEFAULT_POOL_OPTIONS, type PoolOptions } from './options.ts';
