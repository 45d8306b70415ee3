// openAcceptor(fd, callback): accept4() on a listening stream socket, driven by the libuv loop
// through uv_poll. On each readiness it accepts until EAGAIN (at most kBatch per wake-up) and
// calls back (fds, errno): the new connections (non-blocking, CLOEXEC) and the errno that stopped
// the loop, 0 for EAGAIN. No policy: what to do with a connection, or with EMFILE, is the
// caller's. The listening fd stays the caller's too: close() stops watching it, nothing more.
#include <sys/socket.h>
#include <uv.h>

#include <cerrno>
#include <vector>

#include "common.h"
#include "poll_handle.h"

namespace swn {
namespace {

constexpr int kBatch = 64;

class Acceptor : public Napi::ObjectWrap<Acceptor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Acceptor",
                       {
                           InstanceMethod<&Acceptor::Start>("start"),
                           InstanceMethod<&Acceptor::Stop>("stop"),
                           InstanceMethod<&Acceptor::Close>("close"),
                       });
  }

  explicit Acceptor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Acceptor>(info) {
    Napi::Env env = info.Env();
    fd_ = FdArg(info, 0, "fd");
    cb_ = Napi::Persistent(FunctionArg(info, 1, "callback"));
    env_ = env;
    int rc = poll_.Open(env, fd_, this, &Acceptor::Teardown);
    if (rc < 0) ThrowErrno(env, -rc, "uv_poll_init");
  }

  ~Acceptor() override { Shutdown(); }

 private:
  static void Teardown(void* self) { static_cast<Acceptor*>(self)->Shutdown(); }

  void Shutdown() {
    poll_.Close();
    cb_.Reset();
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    int rc = poll_.Start(UV_READABLE, &Acceptor::OnPoll);
    if (rc < 0) ThrowErrno(info.Env(), -rc, "uv_poll_start");
    return info.Env().Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    poll_.Stop();
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  static void OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
    auto* self = static_cast<Acceptor*>(handle->data);
    if (self == nullptr) return;
    std::vector<int> fds;
    int stopped = 0;
    while (fds.size() < static_cast<size_t>(kBatch)) {
      int fd = accept4(self->fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        fds.push_back(fd);
        continue;
      }
      // A connection reset before it was taken, or a signal: try the next one.
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) stopped = errno;
      break;
    }
    if (fds.empty() && stopped == 0) return;
    Napi::Env env = self->env_;
    Napi::HandleScope scope(env);
    Napi::Object keep = self->Value();
    Napi::Array arr = Napi::Array::New(env, fds.size());
    for (size_t i = 0; i < fds.size(); i++) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(env, fds[i]));
    // The callback may close us: hold the function and the object across the call.
    Napi::Function cb = self->cb_.Value();
    CallFromLoop(env, cb, keep, {arr, Napi::Number::New(env, stopped)});
  }

  int fd_ = -1;
  PollHandle poll_;
  Napi::FunctionReference cb_;
  napi_env env_ = nullptr;
};

Napi::Value OpenAcceptor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FdArg(info, 0, "fd");
  FunctionArg(info, 1, "callback");
  return env.GetInstanceData<AddonData>()->acceptorCtor.New({info[0], info[1]});
}

}  // namespace

void InitAcceptor(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->acceptorCtor = Napi::Persistent(Acceptor::Define(env));
  exports.Set("openAcceptor", Napi::Function::New<OpenAcceptor>(env, "openAcceptor"));
}

}  // namespace swn
