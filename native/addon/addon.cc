// N-API glue for kcp_payplus_spawn. Exports:
//
//   spawn(file: Buffer, argv: Buffer[], env: Buffer[], cwd: Buffer | null,
//         timeoutMs: number, maxOutput: number, callback: (result) => void, stdoutFd?: number,
//         niceIncrement?: number): void
//   setMaxThreads(n: number): number      the cap on spawn threads (1..1024); returns the previous cap
//   queueState(): { threads, queued, maxThreads }
//   abiVersion: number
//
// Arguments are copied on the JS thread. Children run on std::threads of the addon's own (never the libuv
// threadpool, whose 4 slots the rest of the app needs): at most maxThreads at once (kDefaultMaxThreads);
// further calls wait in a FIFO queue and start as a thread frees up, so a burst of payments cannot
// exhaust the process's threads. Each worker takes calls until the queue is empty, then waits kIdleLinger for
// the next one before it ends: calls made one after another reuse one thread, so the event-loop thread does not
// create a thread (clone, stack, 60-250 us on a loaded 2-core VM, bench/RESULTS.md) per call. The result
// comes back through the environment's ThreadSafeFunction (EnvState), which also keeps the event loop alive while a
// call waits or runs.
// Validation of the values (NUL bytes, ranges) happens in lib/runner/native.ts; here we only check the types.
//
// Errors: a wrong argument type throws a TypeError (a bug in the caller); a spawn thread the OS refused
// throws an Error whose code/errno/syscall ("std::thread") name the real cause. The thread-safe callback
// never throws into JS: a result that cannot be built is delivered as `undefined` (native.ts reports it).
#include <napi.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "spawn.h"

namespace {

constexpr uint32_t kAbiVersion = 4;  // bump when the JS-visible shape of the exports changes
constexpr uint32_t kDefaultMaxThreads = 32;
constexpr uint32_t kMaxMaxThreads = 1024;
// How long an idle spawn thread waits for the next call before it ends. Parked threads hold no JS handle, so they
// never keep the process alive.
constexpr auto kIdleLinger = std::chrono::milliseconds(100);

// One thread-safe function per JS environment (the main thread, each worker thread), shared by that environment's
// calls: made on its first call, and referenced (keeping the event loop alive) only while calls of it are in flight.
// A function per call cost the event-loop thread an async handle, an async resource and their closing on every call.
// Node closes it when the environment is torn down; `inflight` is touched on the JS thread only.
//
// An environment's teardown (a worker thread ending, or terminated mid-call) deletes its thread-safe function even
// while spawn threads still hold it: one touched after that is freed memory (a crash seen 1 run in 5). So each
// environment has a Liveness, marked dead by a cleanup hook that runs before the function's own teardown, and a spawn
// thread touches the function only under its lock while it is alive.
struct Liveness {
  std::mutex mu;
  bool alive = true;
};

struct EnvState {
  Napi::ThreadSafeFunction tsfn;
  std::shared_ptr<Liveness> live = std::make_shared<Liveness>();
  uint32_t inflight = 0;
};

struct Call {
  kcp::SpawnRequest req;
  kcp::SpawnResult res;
  Napi::ThreadSafeFunction tsfn;  // the environment's, acquired for this call and released by the worker
  Napi::FunctionReference callback;
  EnvState* state = nullptr;
  std::shared_ptr<Liveness> live;  // the environment's
};

EnvState* StateOf(Napi::Env env) {
  if (auto* state = env.GetInstanceData<EnvState>()) return state;
  auto* state = new EnvState();
  state->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "kcp_payplus_spawn", 0, 1);
  state->tsfn.Unref(env);
  // Hooks run last-added first: added after the function, this one marks the environment dead before the function's
  // own teardown deletes it.
  napi_add_env_cleanup_hook(
      env,
      [](void* arg) {
        std::unique_ptr<std::shared_ptr<Liveness>> live(static_cast<std::shared_ptr<Liveness>*>(arg));
        std::lock_guard<std::mutex> lock((*live)->mu);
        (*live)->alive = false;
      },
      new std::shared_ptr<Liveness>(state->live));
  env.SetInstanceData<EnvState>(state);
  return state;
}

// On the JS thread: the call is over (delivered, or given up before any thread took it).
void Done(Napi::Env env, EnvState* state) {
  if (--state->inflight == 0) state->tsfn.Unref(env);
}

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

// The calls waiting for a thread, and the threads running. Never destroyed: detached workers may still
// hold the lock while the process exits.
struct Queue {
  std::mutex mu;
  std::condition_variable work;  // a call was queued, or the cap was lowered
  std::deque<Call*> pending;
  uint32_t threads = 0;  // running or parked (counted in queueState().threads)
  uint32_t idle = 0;     // parked in Worker, waiting for a call
  uint32_t maxThreads = kDefaultMaxThreads;
};

Queue& TheQueue() {
  static Queue* queue = new Queue();
  return *queue;
}

// Runs on the JS thread. env is null when the environment is shutting down. Nothing thrown here may reach
// JS (it would surface as an uncaught exception far from the payment): failures are contained.
void Deliver(Napi::Env env, Napi::Function, Call* call) {
  std::unique_ptr<Call> owned(call);
  if (static_cast<napi_env>(env) == nullptr) {
    call->callback.SuppressDestruct();  // the environment is gone: its reference goes with it
    return;
  }
  Done(env, call->state);
  Napi::Function callback = call->callback.Value();
  if (callback.IsEmpty()) return;
  Napi::Value result;
  try {
    result = ToJs(env, call->res);
  } catch (...) {
    result = env.Undefined();  // out of memory building the result: native.ts reports the result as lost
  }
  if (env.IsExceptionPending()) env.GetAndClearPendingException();
  try {
    callback.Call({result});
  } catch (...) {
    // native.ts's callback catches its own errors; anything left is dropped, not rethrown into the loop.
  }
  if (env.IsExceptionPending()) env.GetAndClearPendingException();
}

void Finish(Call* call) {
  // Copy what is used after queueing first: once queued, Deliver may free `call` before BlockingCall returns here.
  std::shared_ptr<Liveness> live = call->live;
  Napi::ThreadSafeFunction tsfn = call->tsfn;
  // Held while the function is touched; the queue is unbounded, so BlockingCall never waits for the JS thread here.
  std::lock_guard<std::mutex> lock(live->mu);
  if (!live->alive) {
    // The environment is gone and its function with it: the result has nowhere to go, and nothing may touch it.
    call->callback.SuppressDestruct();
    delete call;
    return;
  }
  if (tsfn.BlockingCall(call, Deliver) != napi_ok) {
    // The environment is closing: nothing can be delivered, and its reference must not be deleted off its thread.
    call->callback.SuppressDestruct();
    delete call;
  }
  tsfn.Release();
}

// A spawn thread: takes queued calls one after another; with none left it waits up to kIdleLinger for the next,
// then ends. It also ends when the cap was lowered below the threads running (the others keep the queue moving: at
// least one stays, as the cap is at least 1).
void Worker() {
  Queue& q = TheQueue();
  std::unique_lock<std::mutex> lock(q.mu);
  for (;;) {
    if (q.threads > q.maxThreads) break;
    if (q.pending.empty()) {
      q.idle++;
      bool woken = q.work.wait_for(lock, kIdleLinger, [&q] { return !q.pending.empty() || q.threads > q.maxThreads; });
      q.idle--;
      if (!woken) break;
      continue;
    }
    Call* call = q.pending.front();
    q.pending.pop_front();
    lock.unlock();
    kcp::RunChild(call->req, call->res);
    Finish(call);
    lock.lock();
  }
  q.threads--;
}

Napi::Error ThreadError(Napi::Env env, const std::system_error& e) {
  int err = e.code().category() == std::generic_category() || e.code().category() == std::system_category() ? e.code().value() : 0;
  std::string code = err ? kcp::ErrnoName(err) : "EUNKNOWN";
  auto error = Napi::Error::New(env, "could not start a spawn thread (" + code + "): " + e.what());
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, "std::thread"));
  return error;
}

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || info.Length() > 9 || !info[4].IsNumber() || !info[5].IsNumber() || !info[6].IsFunction() ||
      (info.Length() >= 8 && !info[7].IsNumber() && !info[7].IsUndefined()) ||
      (info.Length() == 9 && !info[8].IsNumber() && !info[8].IsUndefined()))
    throw Napi::TypeError::New(env, "spawn(file, argv, env, cwd, timeoutMs, maxOutput, callback, stdoutFd?, niceIncrement?)");
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
  if (info.Length() >= 8 && info[7].IsNumber()) call->req.stdoutFd = info[7].As<Napi::Number>().Int32Value();
  if (info.Length() == 9 && info[8].IsNumber()) call->req.niceIncrement = info[8].As<Napi::Number>().Int32Value();
  EnvState* state = StateOf(env);
  if (state->tsfn.Acquire() != napi_ok) throw Napi::Error::New(env, "kcp_payplus_spawn: the JS environment is shutting down");
  call->tsfn = state->tsfn;
  call->state = state;
  call->live = state->live;
  call->callback = Napi::Persistent(info[6].As<Napi::Function>());
  if (state->inflight++ == 0) state->tsfn.Ref(env);
  Queue& q = TheQueue();
  Call* queued = call.release();  // owned by the queue now, freed in Deliver (or below if no thread can run it)
  bool startThread;
  {
    std::lock_guard<std::mutex> lock(q.mu);
    q.pending.push_back(queued);
    // A parked thread takes it when there is one per queued call; else a new thread, up to the cap.
    startThread = q.pending.size() > q.idle && q.threads < q.maxThreads;
    if (startThread) q.threads++;
  }
  if (!startThread) {
    q.work.notify_one();
    return env.Undefined();
  }
  try {
    std::thread(Worker).detach();
  } catch (const std::system_error& e) {
    bool orphaned = false;
    {
      std::lock_guard<std::mutex> lock(q.mu);
      q.threads--;
      if (q.threads == 0) {
        // No worker is left to take it (one that took it already would have run it): fail this call.
        for (auto it = q.pending.begin(); it != q.pending.end(); ++it) {
          if (*it == queued) {
            q.pending.erase(it);
            orphaned = true;
            break;
          }
        }
      }
    }
    if (orphaned) {
      queued->tsfn.Release();
      Done(env, queued->state);
      delete queued;
      throw ThreadError(env, e);
    }
    // A running worker will take it from the queue (a parked one is woken for it).
    q.work.notify_one();
  }
  return env.Undefined();
}

Napi::Value SetMaxThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "setMaxThreads(n)");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= kMaxMaxThreads) || n != static_cast<double>(static_cast<uint32_t>(n)))
    throw Napi::RangeError::New(env, "setMaxThreads(n): n must be an integer from 1 to " + std::to_string(kMaxMaxThreads));
  Queue& q = TheQueue();
  uint32_t previous;
  uint32_t extra = 0;
  {
    std::lock_guard<std::mutex> lock(q.mu);
    previous = q.maxThreads;
    q.maxThreads = static_cast<uint32_t>(n);
    // A raised cap starts threads for calls already waiting.
    while (q.threads + extra < q.maxThreads && extra < q.pending.size()) extra++;
    q.threads += extra;
  }
  q.work.notify_all();  // a lowered cap: parked threads over it end now
  for (uint32_t i = 0; i < extra; i++) {
    try {
      std::thread(Worker).detach();
    } catch (const std::system_error&) {
      std::lock_guard<std::mutex> lock(q.mu);
      q.threads--;  // the waiting calls stay queued for the threads that run
    }
  }
  return Napi::Number::New(env, previous);
}

Napi::Value QueueState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Queue& q = TheQueue();
  auto o = Napi::Object::New(env);
  std::lock_guard<std::mutex> lock(q.mu);
  o.Set("threads", Napi::Number::New(env, q.threads));
  o.Set("queued", Napi::Number::New(env, static_cast<double>(q.pending.size())));
  o.Set("maxThreads", Napi::Number::New(env, q.maxThreads));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn, "spawn"));
  exports.Set("setMaxThreads", Napi::Function::New(env, SetMaxThreads, "setMaxThreads"));
  exports.Set("queueState", Napi::Function::New(env, QueueState, "queueState"));
  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  return exports;
}

}  // namespace

NODE_API_MODULE(kcp_payplus_spawn, Init)
