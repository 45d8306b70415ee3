// Shared memory for counters several processes update: an anonymous memfd (passed to
// children through their stdio like any fd), mapped MAP_SHARED and handed to JS as an
// external ArrayBuffer. Plain typed-array writes work for single-writer cells; atomicAdd is
// the one read-modify-write that several writers may race on (session ids).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "common.h"

namespace swn {
namespace {

constexpr int64_t kMaxShared = int64_t{1} << 30;

Napi::Value CreateSharedMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t size = IntArg(info, 0, "size", 1, kMaxShared);
  int fd = memfd_create("swoole-ref-shm", MFD_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "memfd_create");
  if (ftruncate(fd, static_cast<off_t>(size)) < 0) {
    int err = errno;
    ::close(fd);
    ThrowErrno(env, err, "ftruncate");
  }
  return Napi::Number::New(env, fd);
}

Napi::Value MapSharedMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  int64_t size = IntArg(info, 1, "size", 1, kMaxShared);
  void* p = mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) ThrowErrno(env, errno, "mmap");
  size_t len = static_cast<size_t>(size);
  return Napi::ArrayBuffer::New(env, p, len, [len](Napi::Env, void* data) { munmap(data, len); });
}

// The 64-bit word `index` (argument 1) of the ArrayBuffer in argument 0, checked.
int64_t* WordArg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) ThrowType(env, "buffer must be an ArrayBuffer");
  auto ab = info[0].As<Napi::ArrayBuffer>();
  size_t words = ab.ByteLength() / sizeof(int64_t);
  int64_t index = IntArg(info, 1, "index", 0, static_cast<int64_t>(words) - 1);
  return static_cast<int64_t*>(ab.Data()) + index;
}

// Values a double carries exactly (what JS numbers can hand over).
constexpr int64_t kSafe = int64_t{1} << 52;

// atomicAdd(buffer, index, delta): 64-bit fetch-add on word `index`; returns the old value.
Napi::Value AtomicAdd(const Napi::CallbackInfo& info) {
  int64_t* cell = WordArg(info);
  int64_t delta = IntArg(info, 2, "delta", -kSafe, kSafe);
  int64_t old = __atomic_fetch_add(cell, delta, __ATOMIC_SEQ_CST);
  return Napi::Number::New(info.Env(), static_cast<double>(old));
}

// atomicCompareExchange(buffer, index, expected, desired): 64-bit CAS on word `index`; returns
// the value seen (== expected when the swap happened). Lets several processes race for one
// token (the pre-booted standby's hand-off) with exactly one winner.
Napi::Value AtomicCompareExchange(const Napi::CallbackInfo& info) {
  int64_t* cell = WordArg(info);
  int64_t expected = IntArg(info, 2, "expected", -kSafe, kSafe);
  int64_t desired = IntArg(info, 3, "desired", -kSafe, kSafe);
  __atomic_compare_exchange_n(cell, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return Napi::Number::New(info.Env(), static_cast<double>(expected));
}

}  // namespace

void InitSharedMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("createSharedMemory", Napi::Function::New<CreateSharedMemory>(env, "createSharedMemory"));
  exports.Set("mapSharedMemory", Napi::Function::New<MapSharedMemory>(env, "mapSharedMemory"));
  exports.Set("atomicAdd", Napi::Function::New<AtomicAdd>(env, "atomicAdd"));
  exports.Set("atomicCompareExchange", Napi::Function::New<AtomicCompareExchange>(env, "atomicCompareExchange"));
}

}  // namespace swn
