// socketpair(), getSocketBuffers(), mallocTrim() and DatagramSocket: a non-blocking datagram fd driven by
// the libuv loop through uv_poll. No send queue and no policy: send() reports EAGAIN as false
// and onWritable() lets the caller resume; reading drains one recvmmsg batch per readiness.
#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "poll_handle.h"

namespace swn {
namespace {

constexpr int kMaxBatch = 1024;
// recvmmsg results of at least this many datagrams mean a burst: worth another call (DrainOnce).
constexpr int kBurst = 4;
constexpr int64_t kMaxDatagram = 16 * 1024 * 1024;

// A received msg_name as text: IPv4/IPv6 address and port, or a unix path with port -1.
void PeerName(const sockaddr_storage& ss, socklen_t len, std::string* addr, int* port) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET && len >= sizeof(sockaddr_in)) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf));
    *addr = buf;
    *port = ntohs(v4->sin_port);
  } else if (ss.ss_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf));
    *addr = buf;
    *port = ntohs(v6->sin6_port);
  } else if (ss.ss_family == AF_UNIX && len > offsetof(sockaddr_un, sun_path)) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
    size_t n = len - offsetof(sockaddr_un, sun_path);
    // Abstract names start with NUL; pathnames may carry a trailing NUL.
    if (un->sun_path[0] != '\0') n = strnlen(un->sun_path, n);
    addr->assign(un->sun_path, n);
    *port = -1;
  } else {
    addr->clear();
    *port = -1;
  }
}

class DatagramSocket : public Napi::ObjectWrap<DatagramSocket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "DatagramSocket",
                       {
                           InstanceAccessor<&DatagramSocket::GetFd>("fd"),
                           InstanceMethod<&DatagramSocket::Send>("send"),
                           InstanceMethod<&DatagramSocket::SendBatch>("sendBatch"),
                           InstanceMethod<&DatagramSocket::OnWritable>("onWritable"),
                           InstanceMethod<&DatagramSocket::StartReading>("startReading"),
                           InstanceMethod<&DatagramSocket::StopReading>("stopReading"),
                           InstanceMethod<&DatagramSocket::RecvInto>("recvInto"),
                           InstanceMethod<&DatagramSocket::Ref>("ref"),
                           InstanceMethod<&DatagramSocket::Close>("close"),
                       });
  }

  // Constructed only from openDatagram(fd) with an already-validated fd.
  explicit DatagramSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatagramSocket>(info) {
    Napi::Env env = info.Env();
    fd_ = static_cast<int>(info[0].As<Napi::Number>().Int32Value());
    env_ = env;
    int rc = poll_.Open(env, fd_, this, &DatagramSocket::Teardown);
    if (rc < 0) {
      ::close(fd_);
      fd_ = -1;
      ThrowErrno(env, -rc, "uv_poll_init");
    }
  }

  ~DatagramSocket() override { Shutdown(); }

 private:
  static void Teardown(void* self) { static_cast<DatagramSocket*>(self)->Shutdown(); }

  // Stops the poll, closes the fd once, and lets the poll handle be freed by libuv.
  void Shutdown() {
    poll_.Close();
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    readCb_.Reset();
    writableCb_.Reset();
    meta_.Reset();
  }

  void CheckOpen(Napi::Env env, const char* syscall) {
    if (fd_ < 0) ThrowErrno(env, EBADF, syscall);
  }

  void UpdatePoll() {
    if (!poll_.open()) return;
    int events = (reading_ ? UV_READABLE : 0) | (writableCb_.IsEmpty() ? 0 : UV_WRITABLE);
    if (events == 0) {
      poll_.Stop();
    } else {
      poll_.Start(events, &DatagramSocket::OnPoll);
    }
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<DatagramSocket*>(handle->data);
    if (self == nullptr) return;
    if (status < 0) {
      // The fd is in an error state; readable delivery will surface it via recvmmsg.
      events |= self->reading_ ? UV_READABLE : 0;
    }
    // Keep the JS object alive across callbacks that may close it.
    Napi::Env env = self->env_;
    Napi::HandleScope scope(env);
    Napi::Object keep = self->Value();
    if ((events & UV_WRITABLE) && !self->writableCb_.IsEmpty()) {
      Napi::Function cb = self->writableCb_.Value();
      self->writableCb_.Reset();
      self->UpdatePoll();
      CallFromLoop(env, cb, keep, {});
    }
    if ((events & UV_READABLE) && self->reading_ && self->fd_ >= 0) self->DrainOnce(env, keep);
    (void)keep;
  }

  // recvmmsg of up to batch_ datagrams into the reusable scratch slab, then ONE JS Buffer
  // holding the received bytes back to back. The callback gets (slab, count, meta) where
  // meta[2i] is datagram i's length in the slab and meta[2i+1] is 1 when it was cut
  // (MSG_TRUNC). The TypeScript wrapper (reference/native/datagram-socket.ts) turns that into
  // ReceivedDatagram[] with subarrays: one allocation per batch instead of one per datagram
  // (measured: per-datagram Buffer+object creation in C++ cost ~3 us each here).
  void DrainOnce(Napi::Env env, napi_value resource) {
    const int batch = batch_;
    const size_t max = maxSize_;
    if (slabSize_ < static_cast<size_t>(batch) * max) {
      // Uninitialised on purpose: pages the kernel never writes into stay out of the RSS.
      slabSize_ = static_cast<size_t>(batch) * max;
      slab_.reset(new uint8_t[slabSize_]);
    }
    if (msgs_.size() < static_cast<size_t>(batch)) {
      msgs_.resize(batch);
      iov_.resize(batch);
    }
    if (peers_ && names_.size() < static_cast<size_t>(batch)) names_.resize(batch);
    for (int i = 0; i < batch; i++) {
      iov_[i].iov_base = slab_.get() + static_cast<size_t>(i) * max;
      iov_[i].iov_len = max;
      msgs_[i] = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      if (peers_) {
        msgs_[i].msg_hdr.msg_name = &names_[i];
        msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      }
    }
    // While a burst is flowing (a call returned several datagrams), call recvmmsg again until
    // the batch is full or the queue is empty: a sender that is still writing refills the queue
    // while we copy, and every extra datagram per wake-up saves a loop turn and a JS callback.
    // A lone datagram (a request/response exchange) does not pay for a second, empty call.
    int n = 0;
    while (n < batch) {
      int r = recvmmsg(fd_, msgs_.data() + n, static_cast<unsigned>(batch - n), MSG_DONTWAIT, nullptr);
      if (r > 0) {
        n += r;
        if (r < kBurst) break;
        continue;
      }
      if (r < 0 && n == 0) {
        int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return;
        // No error channel in the contract: a broken socket stops reading rather than spinning.
        reading_ = false;
        UpdatePoll();
        return;
      }
      break;  // EAGAIN (or an error that the next readiness will surface) after some datagrams
    }
    if (n == 0 || readCb_.IsEmpty()) return;
    size_t total = 0;
    for (int i = 0; i < n; i++) total += std::min<size_t>(msgs_[i].msg_len, max);
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, total);
    Napi::Int32Array meta = meta_.Value();
    int32_t* m = meta.Data();
    size_t off = 0;
    for (int i = 0; i < n; i++) {
      size_t len = std::min<size_t>(msgs_[i].msg_len, max);
      if (len > 0) std::memcpy(out.Data() + off, iov_[i].iov_base, len);
      off += len;
      m[2 * i] = static_cast<int32_t>(len);
      m[2 * i + 1] = (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 ? 1 : 0;
    }
    // A local handle keeps the function alive even if the callback replaces or drops readCb_.
    if (!peers_) {
      CallFromLoop(env, readCb_.Value(), resource, {out, Napi::Number::New(env, n), meta});
      return;
    }
    // Peer addresses: [address, port] per datagram (port -1 for a unix path; '' for an unbound
    // unix sender, whose name the kernel leaves empty).
    Napi::Array peers = Napi::Array::New(env, static_cast<size_t>(n) * 2);
    for (int i = 0; i < n; i++) {
      std::string addr;
      int port = -1;
      PeerName(names_[i], msgs_[i].msg_hdr.msg_namelen, &addr, &port);
      peers.Set(static_cast<uint32_t>(2 * i), Napi::String::New(env, addr));
      peers.Set(static_cast<uint32_t>(2 * i + 1), Napi::Number::New(env, port));
    }
    CallFromLoop(env, readCb_.Value(), resource, {out, Napi::Number::New(env, n), meta, peers});
  }

  Napi::Value GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Buffer<uint8_t> data = BufferArg(info, 0, "data");
    CheckOpen(env, "send");
    ssize_t n;
    do {
      n = ::send(fd_, data.Data(), data.Length(), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
      ThrowErrno(env, errno, "send");
    }
    return Napi::Boolean::New(env, true);
  }

  Napi::Value SendBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) ThrowType(env, "list must be an array of Buffers");
    Napi::Array list = info[0].As<Napi::Array>();
    const uint32_t len = list.Length();
    const int64_t start = OptIntArg(info, 1, "start", 0, len, 0);
    CheckOpen(env, "sendmmsg");
    std::vector<mmsghdr> msgs;
    std::vector<iovec> iov;
    uint32_t total = 0;
    uint32_t pos = static_cast<uint32_t>(start);
    while (pos < len) {
      uint32_t count = std::min<uint32_t>(len - pos, kMaxBatch);
      msgs.assign(count, mmsghdr{});
      iov.resize(count);
      for (uint32_t i = 0; i < count; i++) {
        Napi::Value v = list.Get(pos + i);
        if (!v.IsBuffer()) ThrowType(env, "list[" + std::to_string(pos + i) + "] must be a Buffer");
        auto b = v.As<Napi::Buffer<uint8_t>>();
        iov[i].iov_base = b.Data();
        iov[i].iov_len = b.Length();
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n;
      do {
        n = sendmmsg(fd_, msgs.data(), count, MSG_DONTWAIT | MSG_NOSIGNAL);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (total > 0) break;  // report progress; the next call surfaces the error
        ThrowErrno(env, errno, "sendmmsg");
      }
      total += static_cast<uint32_t>(n);
      pos += static_cast<uint32_t>(n);
      if (static_cast<uint32_t>(n) < count) break;  // partial: the socket filled up (or errored)
    }
    return Napi::Number::New(env, total);
  }

  Napi::Value OnWritable(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Function cb = FunctionArg(info, 0, "cb");
    CheckOpen(env, "uv_poll_start");
    writableCb_ = Napi::Persistent(cb);
    UpdatePoll();
    return env.Undefined();
  }

  Napi::Value StartReading(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int64_t max = IntArg(info, 0, "maxSize", 1, kMaxDatagram);
    Napi::Function cb = FunctionArg(info, 1, "cb");
    int64_t batch = OptIntArg(info, 2, "batch", 1, kMaxBatch, 64);
    if (!info[3].IsUndefined() && !info[3].IsBoolean()) ThrowType(env, "peers must be a boolean");
    peers_ = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
    CheckOpen(env, "uv_poll_start");
    maxSize_ = static_cast<size_t>(max);
    batch_ = static_cast<int>(batch);
    // Cap the retained slab: big datagrams with big batches would pin megabytes.
    if (maxSize_ * static_cast<size_t>(batch_) > (8u << 20)) {
      batch_ = std::max<int>(1, static_cast<int>((8u << 20) / maxSize_));
    }
    slab_.reset();
    slabSize_ = 0;
    meta_ = Napi::Persistent(Napi::Int32Array::New(env, static_cast<size_t>(batch_) * 2));
    readCb_ = Napi::Persistent(cb);
    reading_ = true;
    UpdatePoll();
    return env.Undefined();
  }

  Napi::Value StopReading(const Napi::CallbackInfo& info) {
    reading_ = false;
    readCb_.Reset();
    UpdatePoll();
    return info.Env().Undefined();
  }

  Napi::Value RecvInto(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int64_t max = IntArg(info, 0, "max", 1, kMaxDatagram);
    CheckOpen(env, "recvmsg");
    std::vector<uint8_t> buf(static_cast<size_t>(max));
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n;
    do {
      n = recvmsg(fd_, &msg, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Null();
      ThrowErrno(env, errno, "recvmsg");
    }
    Napi::Object d = Napi::Object::New(env);
    d.Set("data", Napi::Buffer<uint8_t>::Copy(env, buf.data(), static_cast<size_t>(n)));
    d.Set("truncated", Napi::Boolean::New(env, (msg.msg_flags & MSG_TRUNC) != 0));
    return d;
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBoolean()) ThrowType(env, "on must be a boolean");
    bool on = info[0].As<Napi::Boolean>().Value();
    if (poll_.open()) {
      if (on) {
        uv_ref(poll_.handle());
      } else {
        uv_unref(poll_.handle());
      }
    }
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    bool wasOpen = fd_ >= 0;
    reading_ = false;
    Shutdown();
    if (wasOpen && pinned_) {
      pinned_ = false;
      Unref();
    }
    return info.Env().Undefined();
  }

 public:
  // An open socket is pinned (strong reference) like a libuv handle: dropping the JS object
  // does not silently stop delivery; close() releases it.
  void Pin() {
    pinned_ = true;
    Napi::ObjectWrap<DatagramSocket>::Ref();
  }

 private:
  napi_env env_ = nullptr;
  int fd_ = -1;
  PollHandle poll_;
  bool pinned_ = false;
  bool reading_ = false;
  size_t maxSize_ = 0;
  int batch_ = 64;
  std::unique_ptr<uint8_t[]> slab_;
  size_t slabSize_ = 0;
  std::vector<mmsghdr> msgs_;
  std::vector<iovec> iov_;
  bool peers_ = false;
  std::vector<sockaddr_storage> names_;
  Napi::Reference<Napi::Int32Array> meta_;
  Napi::FunctionReference readCb_;
  Napi::FunctionReference writableCb_;
};

Napi::Value OpenDatagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  int type = 0;
  socklen_t len = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) ThrowErrno(env, errno, "getsockopt");
  if (type != SOCK_DGRAM && type != SOCK_SEQPACKET) ThrowType(env, "fd must be a datagram socket");
  Napi::Object obj = env.GetInstanceData<AddonData>()->datagramCtor.New({Napi::Number::New(env, fd)});
  DatagramSocket::Unwrap(obj)->Pin();
  return obj;
}

void SetBuffer(int fd, int forceOpt, int opt, int value, bool force) {
  if (force && setsockopt(fd, SOL_SOCKET, forceOpt, &value, sizeof(value)) == 0) return;
  if (setsockopt(fd, SOL_SOCKET, opt, &value, sizeof(value)) < 0) throw errno;
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "type must be 'dgram' or 'stream'");
  std::string t = info[0].As<Napi::String>().Utf8Value();
  int type;
  if (t == "dgram") {
    type = SOCK_DGRAM;
  } else if (t == "stream") {
    type = SOCK_STREAM;
  } else {
    ThrowType(env, "type must be 'dgram' or 'stream'");
  }
  Napi::Object opts = OptObjectArg(info, 1, "options");
  int64_t sndbuf = OptIntProp(env, opts, "sndbuf", 1, INT32_MAX / 2, 0);
  int64_t rcvbuf = OptIntProp(env, opts, "rcvbuf", 1, INT32_MAX / 2, 0);
  bool force = OptBoolProp(env, opts, "force", false);
  int sv[2];
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0) ThrowErrno(env, errno, "socketpair");
  try {
    for (int fd : sv) {
      if (sndbuf > 0) SetBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, static_cast<int>(sndbuf), force);
      if (rcvbuf > 0) SetBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, static_cast<int>(rcvbuf), force);
    }
  } catch (int err) {
    ::close(sv[0]);
    ::close(sv[1]);
    ThrowErrno(env, err, "setsockopt");
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sv[0]));
  out.Set(1u, Napi::Number::New(env, sv[1]));
  return out;
}

Napi::Value GetSocketBuffers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  int snd = 0, rcv = 0;
  socklen_t len = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &len) < 0) ThrowErrno(env, errno, "getsockopt");
  len = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len) < 0) ThrowErrno(env, errno, "getsockopt");
  Napi::Object out = Napi::Object::New(env);
  out.Set("sndbuf", Napi::Number::New(env, snd));
  out.Set("rcvbuf", Napi::Number::New(env, rcv));
  return out;
}

// The heap under the receive buffers: returns free heap pages to the kernel now (malloc_trim)
// and sets how much free heap glibc may keep before trimming on its own (M_TRIM_THRESHOLD).
// Lets a process drop its boot garbage, then keep freed datagram buffers for reuse.
Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t keep = IntArg(info, 0, "keepBytes", 0, INT32_MAX);
  malloc_trim(0);
  return Napi::Boolean::New(env, mallopt(M_TRIM_THRESHOLD, static_cast<int>(keep)) == 1);
}

}  // namespace

void InitDatagram(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->datagramCtor = Napi::Persistent(DatagramSocket::Define(env));
  exports.Set("socketpair", Napi::Function::New<SocketPair>(env, "socketpair"));
  exports.Set("openDatagram", Napi::Function::New<OpenDatagram>(env, "openDatagram"));
  exports.Set("getSocketBuffers", Napi::Function::New<GetSocketBuffers>(env, "getSocketBuffers"));
  exports.Set("mallocTrim", Napi::Function::New<MallocTrim>(env, "mallocTrim"));
}

}  // namespace swn
