// listenTcp / bindUdp: sockets with SO_REUSEADDR (+SO_REUSEPORT) bound to an IP literal,
// CLOEXEC and non-blocking, for adoption by net.Server.listen({fd}) or openDatagram().
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common.h"

namespace swn {
namespace {

struct Bound {
  int fd;
  int port;
};

Bound BindSocket(Napi::Env env, const std::string& host, int port, int type, bool reusePort, int ipv6Only,
                 int backlog) {
  sockaddr_storage ss{};
  socklen_t slen;
  int family;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    family = AF_INET;
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    slen = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    slen = sizeof(sockaddr_in6);
  } else {
    ThrowType(env, "host must be an IPv4 or IPv6 address literal");
  }
  int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowErrno(env, errno, "socket");
  const char* step = "setsockopt";
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) goto fail;
  if (reusePort && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) goto fail;
  if (family == AF_INET6 && ipv6Only >= 0 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &ipv6Only, sizeof(ipv6Only)) < 0) {
    goto fail;
  }
  step = "bind";
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), slen) < 0) goto fail;
  if (type == SOCK_STREAM) {
    step = "listen";
    if (listen(fd, backlog) < 0) goto fail;
  }
  step = "getsockname";
  slen = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &slen) < 0) goto fail;
  return Bound{fd, ntohs(family == AF_INET ? v4->sin_port : v6->sin6_port)};
fail:
  int err = errno;
  ::close(fd);
  ThrowErrno(env, err, step);
}

std::string HostArg(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) ThrowType(info.Env(), "host must be a string (an IP address literal)");
  return info[0].As<Napi::String>().Utf8Value();
}

Napi::Value Result(Napi::Env env, Bound b) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, b.fd));
  out.Set("port", Napi::Number::New(env, b.port));
  return out;
}

Napi::Value ListenTcp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string host = HostArg(info);
  int port = static_cast<int>(IntArg(info, 1, "port", 0, 65535));
  Napi::Object opts = OptObjectArg(info, 2, "options");
  int backlog = static_cast<int>(OptIntProp(env, opts, "backlog", 0, 65535, 511));
  bool reusePort = OptBoolProp(env, opts, "reusePort", false);
  // Node's default for dual-stack sockets is ipv6Only=false; set it explicitly either way.
  int ipv6Only = OptBoolProp(env, opts, "ipv6Only", false) ? 1 : 0;
  return Result(env, BindSocket(env, host, port, SOCK_STREAM, reusePort, ipv6Only, backlog));
}

Napi::Value BindUdp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string host = HostArg(info);
  int port = static_cast<int>(IntArg(info, 1, "port", 0, 65535));
  Napi::Object opts = OptObjectArg(info, 2, "options");
  bool reusePort = OptBoolProp(env, opts, "reusePort", false);
  return Result(env, BindSocket(env, host, port, SOCK_DGRAM, reusePort, -1, 0));
}

// A listening unix stream socket at `path` (the caller owns the file and unlinks it).
Napi::Value ListenUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un sa{};
  if (path.empty() || path.size() >= sizeof(sa.sun_path)) ThrowType(env, "path must be 1..107 bytes");
  Napi::Object opts = OptObjectArg(info, 1, "options");
  int backlog = static_cast<int>(OptIntProp(env, opts, "backlog", 0, 65535, 511));
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowErrno(env, errno, "socket");
  const char* step = "bind";
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
    step = "listen";
    if (listen(fd, backlog) == 0) return Napi::Number::New(env, fd);
  }
  int err = errno;
  ::close(fd);
  ThrowErrno(env, err, step);
}

}  // namespace

void InitListen(Napi::Env env, Napi::Object exports) {
  exports.Set("listenTcp", Napi::Function::New<ListenTcp>(env, "listenTcp"));
  exports.Set("listenUnix", Napi::Function::New<ListenUnix>(env, "listenUnix"));
  exports.Set("bindUdp", Napi::Function::New<BindUdp>(env, "bindUdp"));
}

}  // namespace swn
