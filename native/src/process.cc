// Process helpers: parent-death signal, getppid, waitpid(WNOHANG), close(fd).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common.h"

namespace swn {
namespace {

Napi::Value SetParentDeathSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sig = static_cast<int>(IntArg(info, 0, "signal", 0, SIGRTMAX));
  if (prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(sig)) < 0) ThrowErrno(env, errno, "prctl");
  // Read after prctl: if the parent was already gone, this is the reaper's pid, not the old one.
  return Napi::Number::New(env, getppid());
}

Napi::Value GetPpid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), getppid()); }

Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = static_cast<int>(IntArg(info, 0, "pid", INT32_MIN, INT32_MAX));
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) ThrowErrno(env, errno, "waitpid");
  if (r == 0) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, r));
  out.Set("code", WIFEXITED(status) ? Napi::Number::New(env, WEXITSTATUS(status)) : env.Null());
  out.Set("signal", WIFSIGNALED(status) ? Napi::Number::New(env, WTERMSIG(status)) : env.Null());
  return out;
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0, "fd");
  // Linux releases the fd even when close() reports EINTR, so EINTR is success here.
  if (::close(fd) < 0 && errno != EINTR) ThrowErrno(env, errno, "close");
  return env.Undefined();
}

}  // namespace

void InitProcess(Napi::Env env, Napi::Object exports) {
  exports.Set("setParentDeathSignal", Napi::Function::New<SetParentDeathSignal>(env, "setParentDeathSignal"));
  exports.Set("getppid", Napi::Function::New<GetPpid>(env, "getppid"));
  exports.Set("waitpid", Napi::Function::New<WaitPid>(env, "waitpid"));
  exports.Set("close", Napi::Function::New<CloseFd>(env, "close"));
}

}  // namespace swn
