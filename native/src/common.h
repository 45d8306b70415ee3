// Shared helpers for the swoole_native addon: errno-shaped errors and argument checks.
// Every syscall failure becomes an Error with code/errno/syscall (like Node's own system
// errors); every bad argument becomes a TypeError naming the argument.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace swn {

// Error{code:'EAGAIN', errno: 11, syscall:'send'} — `err` is a positive errno.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowType(Napi::Env env, const std::string& message);

// Integer argument in [min, max]; `name` appears in the TypeError.
int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max);
// Optional integer argument (undefined -> fallback).
int64_t OptIntArg(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max,
                  int64_t fallback);
// Integer property of an options object (undefined -> fallback).
int64_t OptIntProp(Napi::Env env, const Napi::Object& obj, const char* name, int64_t min, int64_t max,
                   int64_t fallback);
bool OptBoolProp(Napi::Env env, const Napi::Object& obj, const char* name, bool fallback);
// Options object at `index`: undefined -> empty object; anything but a plain object -> TypeError.
Napi::Object OptObjectArg(const Napi::CallbackInfo& info, size_t index, const char* name);
Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t index, const char* name);
Napi::Function FunctionArg(const Napi::CallbackInfo& info, size_t index, const char* name);
// Non-negative fd number.
int FdArg(const Napi::CallbackInfo& info, size_t index, const char* name);

// Calls a JS callback from a libuv callback (outside any JS frame; the caller holds a handle
// scope): uses MakeCallback so microtasks run afterwards, and routes a thrown exception to
// process 'uncaughtException' instead of swallowing it.
void CallFromLoop(Napi::Env env, Napi::Function fn, napi_value resource, const std::initializer_list<napi_value>& args);

// Per-environment data (one per main thread / worker): the wrapped classes' constructors.
struct AddonData {
  Napi::FunctionReference datagramCtor;
  Napi::FunctionReference receiverCtor;
  Napi::FunctionReference acceptorCtor;
};

// Module parts: each file adds its exports.
void InitDatagram(Napi::Env env, Napi::Object exports, AddonData* data);
void InitFdPassing(Napi::Env env, Napi::Object exports);
void InitMsgQueue(Napi::Env env, Napi::Object exports, AddonData* data);
void InitProcess(Napi::Env env, Napi::Object exports);
void InitListen(Napi::Env env, Napi::Object exports);
void InitExec(Napi::Env env, Napi::Object exports);
void InitFdOps(Napi::Env env, Napi::Object exports);
void InitSharedMemory(Napi::Env env, Napi::Object exports);
void InitAddressed(Napi::Env env, Napi::Object exports);
void InitAcceptor(Napi::Env env, Napi::Object exports, AddonData* data);

}  // namespace swn
