/** The native addon: its contract types and the one loader. */
export type * from './api.ts';
export { loadNative, tryLoadNative, addonPath } from './loader.ts';
export { NativeDatagramSocket } from './datagram-socket.ts';
