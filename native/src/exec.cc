// execve(2) for Process::exec(): replaces the calling process image. Only returns by throwing.
// Before the call it restores what a fresh program expects and Node changed: the default
// disposition of every signal (Node ignores SIGPIPE), an empty signal mask, and inheritable,
// blocking stdio (Node marks fds 0-2 FD_CLOEXEC, and libuv may have set O_NONBLOCK on a pipe
// shared as fd 0-2) - as libuv's own spawn does. `keepFds` are also made inheritable.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common.h"

namespace swn {
namespace {

std::vector<std::string> StringArray(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Env env = info.Env();
  if (!info[index].IsArray()) ThrowType(env, std::string(name) + " must be an array of strings");
  Napi::Array a = info[index].As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    if (!v.IsString()) ThrowType(env, std::string(name) + " must be an array of strings");
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.find('\0') != std::string::npos) ThrowType(env, std::string(name) + " entries must not contain NUL");
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& v) {
  std::vector<char*> p;
  p.reserve(v.size() + 1);
  for (auto& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

Napi::Value Execve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "path must be a non-empty string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.empty() || path.find('\0') != std::string::npos) ThrowType(env, "path must be a non-empty string");
  std::vector<std::string> argv = StringArray(info, 1, "argv");
  std::vector<std::string> envp = StringArray(info, 2, "env");
  if (argv.empty()) ThrowType(env, "argv must hold at least argv[0]");
  std::vector<int> keep = {0, 1, 2};
  if (!info[3].IsUndefined()) {
    if (!info[3].IsArray()) ThrowType(env, "keepFds must be an array of fds");
    Napi::Array a = info[3].As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value v = a.Get(i);
      if (!v.IsNumber()) ThrowType(env, "keepFds must be an array of fds");
      double d = v.As<Napi::Number>().DoubleValue();
      if (d < 0 || d > INT32_MAX || static_cast<double>(static_cast<int>(d)) != d) ThrowType(env, "keepFds must be an array of fds");
      keep.push_back(static_cast<int>(d));
    }
  }
  // Fail early (without touching signal state) when the file cannot be executed.
  if (access(path.c_str(), X_OK) < 0) ThrowErrno(env, errno, "execve");
  std::vector<char*> pargv = Pointers(argv);
  std::vector<char*> penv = Pointers(envp);

  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  struct sigaction old[NSIG] = {};
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    sigaction(s, &dfl, &old[s]);
  }
  int oldfl[3];
  for (int fd = 0; fd < 3; fd++) {
    oldfl[fd] = fcntl(fd, F_GETFL);
    if (oldfl[fd] >= 0 && (oldfl[fd] & O_NONBLOCK)) fcntl(fd, F_SETFL, oldfl[fd] & ~O_NONBLOCK);
  }
  std::vector<int> oldfd(keep.size());
  for (size_t i = 0; i < keep.size(); i++) {
    oldfd[i] = fcntl(keep[i], F_GETFD);
    if (oldfd[i] >= 0) fcntl(keep[i], F_SETFD, oldfd[i] & ~FD_CLOEXEC);
  }
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  execve(path.c_str(), pargv.data(), penv.data());
  int err = errno;
  // Still here: put Node's signal handling and fd flags back before reporting.
  pthread_sigmask(SIG_SETMASK, &all, nullptr);
  for (int fd = 0; fd < 3; fd++) {
    if (oldfl[fd] >= 0) fcntl(fd, F_SETFL, oldfl[fd]);
  }
  for (size_t i = 0; i < keep.size(); i++) {
    if (oldfd[i] >= 0) fcntl(keep[i], F_SETFD, oldfd[i]);
  }
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    sigaction(s, &old[s], nullptr);
  }
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  ThrowErrno(env, err, "execve");
}

}  // namespace

void InitExec(Napi::Env env, Napi::Object exports) {
  exports.Set("execve", Napi::Function::New<Execve>(env, "execve"));
}

}  // namespace swn
