// PollHandle: the uv_poll_t a wrapped object watches its fd with, plus the environment cleanup
// hook that tears the owner down when the environment ends first. Close() is idempotent and
// hands the handle to uv_close, which frees it; the fd itself is never touched here.
#pragma once

#include <napi.h>
#include <uv.h>

namespace swn {

class PollHandle {
 public:
  using Teardown = void (*)(void* owner);

  // 0, or the libuv error (negative) so the owner can release what it holds before throwing.
  int Open(napi_env env, int fd, void* owner, Teardown teardown) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) return UV_EINVAL;
    auto* p = new uv_poll_t;
    int rc = uv_poll_init_socket(loop, p, fd);
    if (rc < 0) {
      delete p;
      return rc;
    }
    p->data = owner;
    poll_ = p;
    env_ = env;
    owner_ = owner;
    teardown_ = teardown;
    napi_add_env_cleanup_hook(env, &PollHandle::OnEnvTeardown, this);
    hooked_ = true;
    return 0;
  }

  bool open() const { return poll_ != nullptr; }
  uv_handle_t* handle() const { return reinterpret_cast<uv_handle_t*>(poll_); }

  int Start(int events, uv_poll_cb cb) { return poll_ != nullptr ? uv_poll_start(poll_, events, cb) : UV_EBADF; }

  void Stop() {
    if (poll_ != nullptr) uv_poll_stop(poll_);
  }

  void Close() {
    if (hooked_) {
      hooked_ = false;
      napi_remove_env_cleanup_hook(env_, &PollHandle::OnEnvTeardown, this);
    }
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      poll_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
  }

 private:
  static void OnEnvTeardown(void* self) {
    auto* h = static_cast<PollHandle*>(self);
    h->hooked_ = false;  // running inside the hook: nothing to remove
    h->teardown_(h->owner_);
  }

  uv_poll_t* poll_ = nullptr;
  napi_env env_ = nullptr;
  void* owner_ = nullptr;
  Teardown teardown_ = nullptr;
  bool hooked_ = false;
};

}  // namespace swn
