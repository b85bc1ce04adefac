// N-API glue for kcp_payplus_spawn. One export:
//
//   spawn(file: Buffer, argv: Buffer[], env: Buffer[], cwd: Buffer | null,
//         timeoutMs: number, maxOutput: number, callback: (result) => void, stdoutFd?: number): void
//
// Arguments are copied on the JS thread, the child runs on a std::thread of its own (never the libuv
// threadpool, whose 4 slots the rest of the app needs), and the result comes back through a
// ThreadSafeFunction, which also keeps the event loop alive while a child runs. Validation of the
// values (NUL bytes, ranges) happens in lib/runner/native.ts; here we only check the types.
#include <napi.h>

#include <memory>
#include <system_error>
#include <thread>

#include "spawn.h"

namespace {

constexpr uint32_t kAbiVersion = 2;  // bump when the JS-visible shape of spawn() changes

struct Call {
  kcp::SpawnRequest req;
  kcp::SpawnResult res;
  Napi::ThreadSafeFunction tsfn;
};

std::string Bytes(const Napi::Value& v, const char* what) {
  if (!v.IsBuffer()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Buffer");
  auto b = v.As<Napi::Buffer<char>>();
  return std::string(b.Data(), b.Length());
}

std::vector<std::string> BytesList(const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an array of Buffers");
  auto a = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(Bytes(a.Get(i), what));
  return out;
}

Napi::Value ToJs(Napi::Env env, const kcp::SpawnResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("exitCode", r.exited ? Napi::Value(Napi::Number::New(env, r.exitCode)) : env.Null());
  o.Set("signal", r.signal ? Napi::Value(Napi::String::New(env, kcp::SignalName(r.signal))) : env.Null());
  o.Set("stdout", Napi::Buffer<char>::Copy(env, r.out.data(), r.out.size()));
  o.Set("stderr", Napi::Buffer<char>::Copy(env, r.err.data(), r.err.size()));
  o.Set("timedOut", Napi::Boolean::New(env, r.timedOut));
  o.Set("outputTruncated", Napi::Boolean::New(env, r.truncated));
  o.Set("durationMs", Napi::Number::New(env, r.durationMs));
  if (r.spawnErrno) {
    auto e = Napi::Object::New(env);
    e.Set("code", kcp::ErrnoName(r.spawnErrno));
    e.Set("errno", Napi::Number::New(env, r.spawnErrno));
    e.Set("syscall", r.spawnStep ? r.spawnStep : "spawn");
    o.Set("spawnError", e);
  }
  return o;
}

// Runs on the JS thread. env is null when the environment is shutting down.
void Deliver(Napi::Env env, Napi::Function callback, Call* call) {
  std::unique_ptr<Call> owned(call);
  if (static_cast<napi_env>(env) == nullptr || callback.IsEmpty()) return;
  try {
    callback.Call({ToJs(env, call->res)});
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  }
}

void Work(Call* call) {
  kcp::RunChild(call->req, call->res);
  // Copy the handle first: once queued, Deliver may free `call` before BlockingCall returns here.
  Napi::ThreadSafeFunction tsfn = call->tsfn;
  if (tsfn.BlockingCall(call, Deliver) != napi_ok) delete call;
  tsfn.Release();
}

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || info.Length() > 8 || !info[4].IsNumber() || !info[5].IsNumber() || !info[6].IsFunction() ||
      (info.Length() == 8 && !info[7].IsNumber() && !info[7].IsUndefined()))
    throw Napi::TypeError::New(env, "spawn(file, argv, env, cwd, timeoutMs, maxOutput, callback, stdoutFd?)");
  auto call = std::make_unique<Call>();
  call->req.file = Bytes(info[0], "file");
  call->req.argv = BytesList(info[1], "argv");
  call->req.env = BytesList(info[2], "env");
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    call->req.hasCwd = true;
    call->req.cwd = Bytes(info[3], "cwd");
  }
  call->req.timeoutMs = info[4].As<Napi::Number>().Uint32Value();
  call->req.maxOutput = static_cast<size_t>(info[5].As<Napi::Number>().Int64Value());
  if (info.Length() == 8 && info[7].IsNumber()) call->req.stdoutFd = info[7].As<Napi::Number>().Int32Value();
  call->tsfn = Napi::ThreadSafeFunction::New(env, info[6].As<Napi::Function>(), "kcp_payplus_spawn", 0, 1);
  try {
    std::thread(Work, call.get()).detach();
  } catch (const std::system_error& e) {
    call->tsfn.Release();
    throw Napi::Error::New(env, std::string("could not start a spawn thread: ") + e.what());
  }
  call.release();  // owned by the thread now, freed in Deliver
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn, "spawn"));
  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  return exports;
}

}  // namespace

NODE_API_MODULE(kcp_payplus_spawn, Init)
