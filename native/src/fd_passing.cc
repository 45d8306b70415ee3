// sendFds / recvFds: SCM_RIGHTS over any unix socket fd. Non-blocking (MSG_DONTWAIT) so a
// call never stalls the loop; received fds arrive CLOEXEC (MSG_CMSG_CLOEXEC).
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common.h"

namespace swn {
namespace {

constexpr int kMaxFds = 253;  // SCM_MAX_FD

Napi::Value SendFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = FdArg(info, 0, "socketFd");
  Napi::Buffer<uint8_t> data = BufferArg(info, 1, "data");
  if (data.Length() == 0) ThrowType(env, "data must be non-empty (ancillary data needs at least one byte)");
  if (!info[2].IsArray()) ThrowType(env, "fds must be an array of fd numbers");
  Napi::Array list = info[2].As<Napi::Array>();
  uint32_t count = list.Length();
  if (count < 1 || count > kMaxFds) ThrowType(env, "fds must hold between 1 and 253 fds");
  std::vector<int> fds(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value v = list.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= INT32_MAX && static_cast<double>(static_cast<int>(d)) == d)) {
      ThrowType(env, "fds[" + std::to_string(i) + "] must be a non-negative integer");
    }
    fds[i] = static_cast<int>(d);
  }
  std::vector<char> control(CMSG_SPACE(sizeof(int) * count), 0);
  iovec iov{data.Data(), data.Length()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * count);
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * count);
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) ThrowErrno(env, errno, "sendmsg");
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value RecvFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = FdArg(info, 0, "socketFd");
  int64_t maxData = OptIntArg(info, 1, "maxData", 1, 16 * 1024 * 1024, 4096);
  int64_t maxFds = OptIntArg(info, 2, "maxFds", 1, kMaxFds, 16);
  std::vector<uint8_t> buf(static_cast<size_t>(maxData));
  std::vector<char> control(CMSG_SPACE(sizeof(int) * static_cast<size_t>(maxFds)), 0);
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  // CMSG_LEN, not CMSG_SPACE: the kernel installs as many fds as fit, and CMSG_SPACE's padding
  // would let one more through than maxFds.
  msg.msg_controllen = CMSG_LEN(sizeof(int) * static_cast<size_t>(maxFds));
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Null();
    ThrowErrno(env, errno, "recvmsg");
  }
  Napi::Array fds = Napi::Array::New(env);
  uint32_t k = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < nfds; i++) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.Set(k++, Napi::Number::New(env, fd));
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, buf.data(), static_cast<size_t>(n)));
  out.Set("fds", fds);
  // Additions to the contract: the kernel cut the payload (MSG_TRUNC) or dropped fds beyond
  // maxFds (MSG_CTRUNC; the dropped fds are closed by the kernel).
  out.Set("truncated", Napi::Boolean::New(env, (msg.msg_flags & MSG_TRUNC) != 0));
  out.Set("fdsTruncated", Napi::Boolean::New(env, (msg.msg_flags & MSG_CTRUNC) != 0));
  return out;
}

}  // namespace

void InitFdPassing(Napi::Env env, Napi::Object exports) {
  exports.Set("sendFds", Napi::Function::New<SendFds>(env, "sendFds"));
  exports.Set("recvFds", Napi::Function::New<RecvFds>(env, "recvFds"));
}

}  // namespace swn
