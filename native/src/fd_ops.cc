// Fd-level calls for the synchronous Process API: wait for one fd with a timeout (poll),
// non-blocking send/recv that report EAGAIN as a value (the sync pipe's hot path; an exception
// per EAGAIN would cost more than the syscall), duplicate an fd (dup, CLOEXEC) and half-close
// a socket (shutdown).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common.h"

namespace swn {
namespace {

// pollFd(fd, 'in' | 'out', timeoutMs) -> 'ready' | 'timeout' | 'hup' (peer gone, nothing to read).
Napi::Value PollFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  if (!info[1].IsString()) ThrowType(env, "events must be 'in' or 'out'");
  std::string ev = info[1].As<Napi::String>().Utf8Value();
  if (ev != "in" && ev != "out") ThrowType(env, "events must be 'in' or 'out'");
  int timeout = static_cast<int>(IntArg(info, 2, "timeoutMs", -1, INT32_MAX));
  struct pollfd p = {fd, static_cast<short>(ev == "in" ? POLLIN : POLLOUT), 0};
  int r;
  do {
    r = poll(&p, 1, timeout);
  } while (r < 0 && errno == EINTR);  // a signal restarts the full timeout; callers' timeouts are coarse
  if (r < 0) ThrowErrno(env, errno, "poll");
  if (r == 0) return Napi::String::New(env, "timeout");
  if (p.revents & POLLNVAL) ThrowErrno(env, EBADF, "poll");
  if (p.revents & (POLLIN | POLLOUT)) return Napi::String::New(env, "ready");
  return Napi::String::New(env, "hup");
}

// One non-blocking attempt; on EAGAIN with waitMs != 0, one poll(waitMs) and one more attempt.
// Doing the wait here saves a JS round trip per blocked message on the pipe's hot path.
template <typename Op>
ssize_t AttemptThenWait(int fd, short events, int waitMs, Op op) {
  ssize_t r;
  do {
    r = op();
  } while (r < 0 && errno == EINTR);
  if (r >= 0 || errno != EAGAIN || waitMs == 0) return r;
  struct pollfd p = {fd, events, 0};
  int pr;
  do {
    pr = poll(&p, 1, waitMs);
  } while (pr < 0 && errno == EINTR);
  if (pr <= 0) {
    if (pr == 0) errno = EAGAIN;
    return -1;
  }
  do {
    r = op();
  } while (r < 0 && errno == EINTR);
  return r;
}

// trySend(fd, buf, offset, length, waitMs = 0) -> bytes sent, or -errno (-EAGAIN: still full).
// MSG_DONTWAIT|MSG_NOSIGNAL.
Napi::Value TrySend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  Napi::Buffer<uint8_t> buf = BufferArg(info, 1, "buf");
  size_t off = static_cast<size_t>(IntArg(info, 2, "offset", 0, static_cast<int64_t>(buf.Length())));
  size_t len = static_cast<size_t>(IntArg(info, 3, "length", 0, static_cast<int64_t>(buf.Length() - off)));
  int waitMs = static_cast<int>(OptIntArg(info, 4, "waitMs", -1, INT32_MAX, 0));
  ssize_t r = AttemptThenWait(fd, POLLOUT, waitMs, [&] { return send(fd, buf.Data() + off, len, MSG_DONTWAIT | MSG_NOSIGNAL); });
  return Napi::Number::New(env, r < 0 ? -errno : static_cast<double>(r));
}

// tryRecv(fd, buf, length, waitMs = 0) -> bytes read (0 at EOF / an empty datagram), or -errno
// (-EAGAIN: still nothing). MSG_DONTWAIT; a datagram longer than length is cut (the kernel
// drops the rest).
Napi::Value TryRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  Napi::Buffer<uint8_t> buf = BufferArg(info, 1, "buf");
  size_t len = static_cast<size_t>(IntArg(info, 2, "length", 0, static_cast<int64_t>(buf.Length())));
  int waitMs = static_cast<int>(OptIntArg(info, 3, "waitMs", -1, INT32_MAX, 0));
  ssize_t r = AttemptThenWait(fd, POLLIN, waitMs, [&] { return recv(fd, buf.Data(), len, MSG_DONTWAIT); });
  return Napi::Number::New(env, r < 0 ? -errno : static_cast<double>(r));
}

Napi::Value Dup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (r < 0) ThrowErrno(env, errno, "dup");
  return Napi::Number::New(env, r);
}

// shutdown(fd, 'read' | 'write' | 'both').
Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  if (!info[1].IsString()) ThrowType(env, "how must be 'read', 'write' or 'both'");
  std::string how = info[1].As<Napi::String>().Utf8Value();
  int h;
  if (how == "read") h = SHUT_RD;
  else if (how == "write") h = SHUT_WR;
  else if (how == "both") h = SHUT_RDWR;
  else ThrowType(env, "how must be 'read', 'write' or 'both'");
  if (shutdown(fd, h) < 0) ThrowErrno(env, errno, "shutdown");
  return env.Undefined();
}

}  // namespace

void InitFdOps(Napi::Env env, Napi::Object exports) {
  exports.Set("pollFd", Napi::Function::New<PollFd>(env, "pollFd"));
  exports.Set("trySend", Napi::Function::New<TrySend>(env, "trySend"));
  exports.Set("tryRecv", Napi::Function::New<TryRecv>(env, "tryRecv"));
  exports.Set("dup", Napi::Function::New<Dup>(env, "dup"));
  exports.Set("shutdown", Napi::Function::New<Shutdown>(env, "shutdown"));
}

}  // namespace swn
