// System V message queues: msgget/msgsnd/msgrcv/msgctl, msgLimits, and MsgReceiver — a
// dedicated std::thread doing blocking msgrcv that hands ONE message at a time to JS.
//
// Hand-off: the thread receives a message, parks it in `slot_`, uv_async_send()s the loop and
// then waits on a condition variable until JS calls next() (or close()). So a receiver never
// holds more than one message taken from the queue; competing processes share it fairly.
//
// Wake-up on close(): the thread may be blocked inside msgrcv, which no condition variable can
// interrupt. close() sets `stop_` and sends the thread a realtime signal whose handler does
// nothing and is installed WITHOUT SA_RESTART, so msgrcv fails with EINTR and the loop sees
// `stop_`. The signal is re-sent every few ms until the thread reports it has exited, which
// covers the race where the signal lands just before the thread enters msgrcv. A message the
// thread received but JS never saw (close raced it) is put back with msgsnd(IPC_NOWAIT) so it
// is not lost (it goes to the back of the queue).
#include <pthread.h>
#include <signal.h>
#include <sys/msg.h>
#include <uv.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "common.h"

namespace swn {
namespace {

constexpr int64_t kMaxMsg = 16 * 1024 * 1024;

// The wake-up signal: SIGRTMIN+7 stays clear of glibc's reserved RT signals (SIGRTMIN is
// already past them) and of anything libuv/V8 use.
int WakeSignal() { return SIGRTMIN + 7; }

void InstallWakeHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = [](int) {};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocking msgrcv must return EINTR
    sigaction(WakeSignal(), &sa, nullptr);
  });
}

struct MsgBuf {
  std::vector<char> raw;
  explicit MsgBuf(size_t max) : raw(sizeof(long) + max) {}
  long& mtype() { return *reinterpret_cast<long*>(raw.data()); }
  char* text() { return raw.data() + sizeof(long); }
};

Napi::Object MessageObject(Napi::Env env, long mtype, const char* data, size_t len) {
  Napi::Object m = Napi::Object::New(env);
  m.Set("mtype", Napi::Number::New(env, static_cast<double>(mtype)));
  m.Set("data", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(data), len));
  return m;
}

int QueueIdArg(const Napi::CallbackInfo& info, size_t i) { return static_cast<int>(IntArg(info, i, "id", 0, INT32_MAX)); }

Napi::Value MsgGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t key = IntArg(info, 0, "key", INT32_MIN, UINT32_MAX);
  Napi::Object opts = OptObjectArg(info, 1, "options");
  bool create = OptBoolProp(env, opts, "create", false);
  bool exclusive = OptBoolProp(env, opts, "exclusive", false);
  int mode = static_cast<int>(OptIntProp(env, opts, "mode", 0, 0777, 0600));
  int flags = mode | (create ? IPC_CREAT : 0) | (exclusive ? IPC_EXCL : 0);
  key_t k = key == 0 ? IPC_PRIVATE : static_cast<key_t>(static_cast<uint32_t>(key));
  int id = msgget(k, flags);
  if (id < 0) ThrowErrno(env, errno, "msgget");
  return Napi::Number::New(env, id);
}

Napi::Value MsgSnd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = QueueIdArg(info, 0);
  int64_t mtype = IntArg(info, 1, "mtype", 1, INT64_C(9007199254740991));
  Napi::Buffer<uint8_t> data = BufferArg(info, 2, "data");
  bool nowait = false;
  if (!info[3].IsUndefined()) {
    if (!info[3].IsBoolean()) ThrowType(env, "nowait must be a boolean");
    nowait = info[3].As<Napi::Boolean>().Value();
  }
  MsgBuf buf(data.Length());
  buf.mtype() = static_cast<long>(mtype);
  if (data.Length() > 0) std::memcpy(buf.text(), data.Data(), data.Length());
  int r;
  do {
    r = msgsnd(id, buf.raw.data(), data.Length(), nowait ? IPC_NOWAIT : 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EAGAIN && nowait) return Napi::Boolean::New(env, false);
    ThrowErrno(env, errno, "msgsnd");
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value MsgRcv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = QueueIdArg(info, 0);
  int64_t msgtyp = IntArg(info, 1, "msgtyp", -INT64_C(9007199254740991), INT64_C(9007199254740991));
  int64_t max = IntArg(info, 2, "maxSize", 0, kMaxMsg);
  Napi::Object opts = OptObjectArg(info, 3, "options");
  bool nowait = OptBoolProp(env, opts, "nowait", false);
  bool truncate = OptBoolProp(env, opts, "truncate", false);
  MsgBuf buf(static_cast<size_t>(max));
  int flags = (nowait ? IPC_NOWAIT : 0) | (truncate ? MSG_NOERROR : 0);
  ssize_t n;
  do {
    n = msgrcv(id, buf.raw.data(), static_cast<size_t>(max), static_cast<long>(msgtyp), flags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ENOMSG && nowait) return env.Null();
    ThrowErrno(env, errno, "msgrcv");
  }
  return MessageObject(env, buf.mtype(), buf.text(), static_cast<size_t>(n));
}

Napi::Value MsgStat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = QueueIdArg(info, 0);
  msqid_ds ds{};
  if (msgctl(id, IPC_STAT, &ds) < 0) ThrowErrno(env, errno, "msgctl");
  Napi::Object out = Napi::Object::New(env);
  out.Set("qnum", Napi::Number::New(env, static_cast<double>(ds.msg_qnum)));
  out.Set("qbytes", Napi::Number::New(env, static_cast<double>(ds.msg_qbytes)));
  out.Set("cbytes", Napi::Number::New(env, static_cast<double>(ds.__msg_cbytes)));
  out.Set("mode", Napi::Number::New(env, ds.msg_perm.mode & 0777));
  return out;
}

Napi::Value MsgRemove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = QueueIdArg(info, 0);
  if (msgctl(id, IPC_RMID, nullptr) < 0) ThrowErrno(env, errno, "msgctl");
  return env.Undefined();
}

int64_t ReadProcNumber(Napi::Env env, const char* path) {
  std::ifstream f(path);
  int64_t v = -1;
  if (!(f >> v)) ThrowErrno(env, f.is_open() ? EIO : ENOENT, "open");
  return v;
}

Napi::Value MsgLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("msgmax", Napi::Number::New(env, static_cast<double>(ReadProcNumber(env, "/proc/sys/kernel/msgmax"))));
  out.Set("msgmnb", Napi::Number::New(env, static_cast<double>(ReadProcNumber(env, "/proc/sys/kernel/msgmnb"))));
  return out;
}

class MsgReceiver : public Napi::ObjectWrap<MsgReceiver> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "MsgQueueReceiver",
                       {
                           InstanceMethod<&MsgReceiver::Next>("next"),
                           InstanceMethod<&MsgReceiver::Close>("close"),
                           InstanceMethod<&MsgReceiver::Ref>("ref"),
                       });
  }

  // Constructed only from msgReceiver(...) after validation: (id, msgtyp, maxSize, cb).
  explicit MsgReceiver(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MsgReceiver>(info) {
    Napi::Env env = info.Env();
    env_ = env;
    id_ = info[0].As<Napi::Number>().Int32Value();
    msgtyp_ = static_cast<long>(info[1].As<Napi::Number>().Int64Value());
    maxSize_ = static_cast<size_t>(info[2].As<Napi::Number>().Int64Value());
    cb_ = Napi::Persistent(info[3].As<Napi::Function>());
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no libuv loop");
    async_ = new uv_async_t;
    async_->data = this;
    uv_async_init(loop, async_, &MsgReceiver::OnAsync);
    InstallWakeHandler();
    try {
      thread_ = std::thread(&MsgReceiver::Run, this);
    } catch (const std::system_error& e) {
      async_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(async_), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
      async_ = nullptr;
      ThrowErrno(env, e.code().value() > 0 ? e.code().value() : EAGAIN, "pthread_create");
    }
    napi_add_env_cleanup_hook(env, &MsgReceiver::Teardown, this);
    hooked_ = true;
  }

  ~MsgReceiver() override { Shutdown(); }

  void Pin() {
    pinned_ = true;
    Napi::ObjectWrap<MsgReceiver>::Ref();
  }

 private:
  struct Slot {
    bool full = false;
    int err = 0;
    long mtype = 0;
    std::vector<char> data;
  };

  void Run() {
    // Named, so a test (or ps -L) can tell this thread from V8's and libuv's.
    pthread_setname_np(pthread_self(), "swc-msgrcv");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, WakeSignal());
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    MsgBuf buf(maxSize_);
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait(lock, [this] { return stop_ || want_; });
      if (stop_) break;
      lock.unlock();
      ssize_t n = msgrcv(id_, buf.raw.data(), maxSize_, msgtyp_, 0);
      int err = n < 0 ? errno : 0;
      lock.lock();
      if (n < 0 && err == EINTR) continue;
      if (stop_) {
        if (n >= 0) PutBack(buf.mtype(), buf.text(), static_cast<size_t>(n));
        break;
      }
      want_ = false;
      slot_.full = true;
      slot_.err = err;
      slot_.mtype = n >= 0 ? buf.mtype() : 0;
      slot_.data.assign(buf.text(), buf.text() + (n >= 0 ? n : 0));
      uv_async_send(async_);
    }
    exited_ = true;
    exitedCv_.notify_all();
  }

  void PutBack(long mtype, const char* data, size_t len) {
    MsgBuf b(len);
    b.mtype() = mtype;
    if (len > 0) std::memcpy(b.text(), data, len);
    msgsnd(id_, b.raw.data(), len, IPC_NOWAIT);  // best effort: the queue may be full or gone
  }

  static void OnAsync(uv_async_t* handle) {
    auto* self = static_cast<MsgReceiver*>(handle->data);
    if (self == nullptr) return;
    Slot s;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      if (!self->slot_.full) return;
      s = std::move(self->slot_);
      self->slot_ = Slot{};
    }
    Napi::Env env = self->env_;
    Napi::HandleScope scope(env);
    Napi::Object keep = self->Value();
    Napi::Function cb = self->cb_.Value();
    if (s.err != 0) {
      CallFromLoop(env, cb, keep, {ErrnoError(env, s.err, "msgrcv").Value(), env.Null()});
    } else {
      CallFromLoop(env, cb, keep, {env.Null(), MessageObject(env, s.mtype, s.data.data(), s.data.size())});
    }
    (void)keep;
  }

  static void Teardown(void* p) {
    auto* self = static_cast<MsgReceiver*>(p);
    self->hooked_ = false;
    self->Shutdown();
  }

  void Shutdown() {
    if (hooked_) {
      hooked_ = false;
      napi_remove_env_cleanup_hook(env_, &MsgReceiver::Teardown, this);
    }
    if (thread_.joinable()) {
      std::unique_lock<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
      while (!exited_) {
        pthread_kill(thread_.native_handle(), WakeSignal());
        exitedCv_.wait_for(lock, std::chrono::milliseconds(5));
      }
      lock.unlock();
      thread_.join();
      // A message parked for JS but never delivered goes back to the queue.
      if (slot_.full && slot_.err == 0) PutBack(slot_.mtype, slot_.data.data(), slot_.data.size());
      slot_ = Slot{};
    }
    if (async_ != nullptr) {
      async_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(async_), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
      async_ = nullptr;
    }
    cb_.Reset();
  }

  Napi::Value Next(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_ && !slot_.full) {
      want_ = true;
      cv_.notify_all();
    }
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    if (pinned_) {
      pinned_ = false;
      Unref();
    }
    return info.Env().Undefined();
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBoolean()) ThrowType(env, "on must be a boolean");
    if (async_ != nullptr) {
      if (info[0].As<Napi::Boolean>().Value()) {
        uv_ref(reinterpret_cast<uv_handle_t*>(async_));
      } else {
        uv_unref(reinterpret_cast<uv_handle_t*>(async_));
      }
    }
    return env.Undefined();
  }

  napi_env env_ = nullptr;
  int id_ = -1;
  long msgtyp_ = 0;
  size_t maxSize_ = 0;
  Napi::FunctionReference cb_;
  uv_async_t* async_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable exitedCv_;
  bool stop_ = false;
  bool want_ = true;  // the first message is wanted at start
  bool exited_ = false;
  Slot slot_;
  bool hooked_ = false;
  bool pinned_ = false;
};

Napi::Value StartReceiver(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = QueueIdArg(info, 0);
  int64_t msgtyp = IntArg(info, 1, "msgtyp", -INT64_C(9007199254740991), INT64_C(9007199254740991));
  int64_t max = IntArg(info, 2, "maxSize", 0, kMaxMsg);
  Napi::Function cb = FunctionArg(info, 3, "cb");
  Napi::Object obj = env.GetInstanceData<AddonData>()->receiverCtor.New(
      {Napi::Number::New(env, id), Napi::Number::New(env, static_cast<double>(msgtyp)),
       Napi::Number::New(env, static_cast<double>(max)), cb});
  MsgReceiver::Unwrap(obj)->Pin();
  return obj;
}

}  // namespace

void InitMsgQueue(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->receiverCtor = Napi::Persistent(MsgReceiver::Define(env));
  exports.Set("msgget", Napi::Function::New<MsgGet>(env, "msgget"));
  exports.Set("msgsnd", Napi::Function::New<MsgSnd>(env, "msgsnd"));
  exports.Set("msgrcv", Napi::Function::New<MsgRcv>(env, "msgrcv"));
  exports.Set("msgStat", Napi::Function::New<MsgStat>(env, "msgStat"));
  exports.Set("msgRemove", Napi::Function::New<MsgRemove>(env, "msgRemove"));
  exports.Set("msgReceiver", Napi::Function::New<StartReceiver>(env, "msgReceiver"));
  exports.Set("msgLimits", Napi::Function::New<MsgLimits>(env, "msgLimits"));
}

}  // namespace swn
