#include "common.h"

#include <cerrno>
#include <cmath>
#include <cstring>

namespace swn {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  const char* name = strerrorname_np(err);
  std::string code = name != nullptr ? name : ("E" + std::to_string(err));
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " " + code + " (" + std::strerror(err) + ")");
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

void ThrowErrno(Napi::Env env, int err, const char* syscall) { throw ErrnoError(env, err, syscall); }

void ThrowType(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

static int64_t CheckInt(Napi::Env env, const Napi::Value& v, const char* name, int64_t min, int64_t max) {
  if (!v.IsNumber()) ThrowType(env, std::string(name) + " must be an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) ThrowType(env, std::string(name) + " must be an integer");
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    ThrowType(env, std::string(name) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return static_cast<int64_t>(d);
}

int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max) {
  return CheckInt(info.Env(), info[index], name, min, max);
}

int64_t OptIntArg(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max,
                  int64_t fallback) {
  if (info[index].IsUndefined()) return fallback;
  return CheckInt(info.Env(), info[index], name, min, max);
}

int64_t OptIntProp(Napi::Env env, const Napi::Object& obj, const char* name, int64_t min, int64_t max,
                   int64_t fallback) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined()) return fallback;
  return CheckInt(env, v, (std::string("options.") + name).c_str(), min, max);
}

bool OptBoolProp(Napi::Env env, const Napi::Object& obj, const char* name, bool fallback) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) ThrowType(env, std::string("options.") + name + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

Napi::Object OptObjectArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (v.IsUndefined()) return Napi::Object::New(info.Env());
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) ThrowType(info.Env(), std::string(name) + " must be an object");
  return v.As<Napi::Object>();
}

Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsBuffer()) ThrowType(info.Env(), std::string(name) + " must be a Buffer");
  return info[index].As<Napi::Buffer<uint8_t>>();
}

Napi::Function FunctionArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsFunction()) ThrowType(info.Env(), std::string(name) + " must be a function");
  return info[index].As<Napi::Function>();
}

int FdArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return static_cast<int>(IntArg(info, index, name, 0, INT32_MAX));
}

void CallFromLoop(Napi::Env env, Napi::Function fn, napi_value resource, const std::initializer_list<napi_value>& args) {
  try {
    fn.MakeCallback(resource, args);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

}  // namespace swn
