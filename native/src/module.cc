// Module init: each concern lives in its own file and adds its exports here.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new swn::AddonData();
  env.SetInstanceData<swn::AddonData>(data);
  swn::InitDatagram(env, exports, data);
  swn::InitFdPassing(env, exports);
  swn::InitMsgQueue(env, exports, data);
  swn::InitProcess(env, exports);
  swn::InitListen(env, exports);
  swn::InitExec(env, exports);
  swn::InitFdOps(env, exports);
  swn::InitSharedMemory(env, exports);
  swn::InitAddressed(env, exports);
  swn::InitAcceptor(env, exports, data);
  return exports;
}

NODE_API_MODULE(swoole_native, Init)
