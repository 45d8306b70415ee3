// Datagrams with an address: a unix datagram socket bound at a path (or unbound), and
// sendto() to an IP:port or a unix path on any datagram fd. Receiving with the peer's address
// is DatagramSocket.startReading(..., peers = true) in datagram.cc. No policy: results are
// bytes or -errno, and the caller decides what a failure means.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "common.h"

namespace swn {
namespace {

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsString()) ThrowType(info.Env(), std::string(name) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

// sockaddr_un for `path`; false when it does not fit (1..107 bytes).
bool UnixName(const std::string& path, sockaddr_un* sa) {
  *sa = {};
  if (path.empty() || path.size() >= sizeof(sa->sun_path)) return false;
  sa->sun_family = AF_UNIX;
  std::memcpy(sa->sun_path, path.data(), path.size());
  return true;
}

// A unix dgram socket; `sndbuf` > 0 sets SO_SNDBUF (the largest datagram it can send).
int UnixDgram(Napi::Env env, int sndbuf) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowErrno(env, errno, "socket");
  if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0) {
    int err = errno;
    ::close(fd);
    ThrowErrno(env, err, "setsockopt");
  }
  return fd;
}

// bindUnixDgram(path, {mode = 0o600, sndbuf}): the file gets `mode` right after bind (the caller keeps
// the parent directory private, so the window before chmod is not reachable by others).
Napi::Value BindUnixDgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "path");
  sockaddr_un sa;
  if (!UnixName(path, &sa)) ThrowType(env, "path must be 1..107 bytes");
  Napi::Object opts = OptObjectArg(info, 1, "options");
  mode_t mode = static_cast<mode_t>(OptIntProp(env, opts, "mode", 0, 0777, 0600));
  int sndbuf = static_cast<int>(OptIntProp(env, opts, "sndbuf", 1, INT32_MAX / 2, 0));
  int fd = UnixDgram(env, sndbuf);
  const char* step = "bind";
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
    step = "chmod";
    if (chmod(path.c_str(), mode) == 0) return Napi::Number::New(env, fd);
    int err = errno;
    unlink(path.c_str());
    ::close(fd);
    ThrowErrno(env, err, step);
  }
  int err = errno;
  ::close(fd);
  ThrowErrno(env, err, step);
}

// An unbound unix datagram socket (a client that sends without a name of its own).
Napi::Value UnixDgramSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object opts = OptObjectArg(info, 0, "options");
  int sndbuf = static_cast<int>(OptIntProp(env, opts, "sndbuf", 1, INT32_MAX / 2, 0));
  return Napi::Number::New(env, UnixDgram(env, sndbuf));
}

ssize_t SendTo(int fd, const Napi::Buffer<uint8_t>& data, const sockaddr* sa, socklen_t len) {
  ssize_t n;
  do {
    n = ::sendto(fd, data.Data(), data.Length(), MSG_DONTWAIT | MSG_NOSIGNAL, sa, len);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

// sendTo(fd, data, host, port): bytes sent or -errno (-EAGAIN when the socket is full).
Napi::Value SendToIp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  Napi::Buffer<uint8_t> data = BufferArg(info, 1, "data");
  std::string host = StringArg(info, 2, "host");
  int port = static_cast<int>(IntArg(info, 3, "port", 0, 65535));
  sockaddr_storage ss{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    ThrowType(env, "host must be an IPv4 or IPv6 address literal");
  }
  return Napi::Number::New(env, static_cast<double>(SendTo(fd, data, reinterpret_cast<sockaddr*>(&ss), len)));
}

// sendToPath(fd, data, path): bytes sent or -errno (ENOENT: no such file, ECONNREFUSED: nobody bound).
Napi::Value SendToPath(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  Napi::Buffer<uint8_t> data = BufferArg(info, 1, "data");
  std::string path = StringArg(info, 2, "path");
  sockaddr_un sa;
  if (!UnixName(path, &sa)) ThrowType(env, "path must be 1..107 bytes");
  return Napi::Number::New(env, static_cast<double>(SendTo(fd, data, reinterpret_cast<sockaddr*>(&sa), sizeof(sa))));
}

// getsockname() as {address, port} (port -1 and the path for unix sockets).
Napi::Value SockName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) ThrowErrno(env, errno, "getsockname");
  Napi::Object out = Napi::Object::New(env);
  char buf[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf));
    out.Set("address", buf);
    out.Set("port", ntohs(v4->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf));
    out.Set("address", buf);
    out.Set("port", ntohs(v6->sin6_port));
  } else {
    auto* un = reinterpret_cast<sockaddr_un*>(&ss);
    size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    out.Set("address", std::string(un->sun_path, strnlen(un->sun_path, n)));
    out.Set("port", -1);
  }
  return out;
}

}  // namespace

void InitAddressed(Napi::Env env, Napi::Object exports) {
  exports.Set("bindUnixDgram", Napi::Function::New<BindUnixDgram>(env, "bindUnixDgram"));
  exports.Set("unixDgramSocket", Napi::Function::New<UnixDgramSocket>(env, "unixDgramSocket"));
  exports.Set("sendTo", Napi::Function::New<SendToIp>(env, "sendTo"));
  exports.Set("sendToPath", Napi::Function::New<SendToPath>(env, "sendToPath"));
  exports.Set("sockName", Napi::Function::New<SockName>(env, "sockName"));
}

}  // namespace swn
