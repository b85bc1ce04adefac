// One child process, start to finish, on the calling thread: vfork + execve (umask 077), read both pipes with
// poll(), SIGKILL at the deadline, waitpid for this child only. No Node types here so the logic
// can be read (and reasoned about) apart from the N-API glue in addon.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kcp {

struct SpawnRequest {
  std::string file;               // path handed to execve (no PATH search, no shell)
  std::vector<std::string> argv;  // argv[0..], raw bytes, no NUL inside (checked in TypeScript)
  std::vector<std::string> env;   // "NAME=value" entries, raw bytes
  bool hasCwd = false;
  std::string cwd;
  uint32_t timeoutMs = 0;
  size_t maxOutput = 0;  // cap per stream
  int stdoutFd = -1;     // >= 0: the child's stdout is this open file (not a pipe), so its answer outlives us
  int niceIncrement = 0;  // added to the child's niceness before exec (0-19, checked in TypeScript)
};

struct SpawnResult {
  bool exited = false;  // WIFEXITED
  int exitCode = 0;
  int signal = 0;       // WTERMSIG when killed by a signal, else 0
  bool timedOut = false;
  bool truncated = false;
  std::string out;
  std::string err;
  double durationMs = 0;
  int spawnErrno = 0;              // non-zero when the process never started
  const char* spawnStep = nullptr; // which call failed: "pipe2", "vfork", "chdir", "execve", ...
};

// Runs the request to completion. Never throws; failures are reported in the result.
void RunChild(const SpawnRequest& req, SpawnResult& res);

// "SIGKILL" for SIGKILL; "SIG<n>" for a number without a name.
std::string SignalName(int sig);
// "ENOENT" for ENOENT; "E<n>" for a number without a name.
std::string ErrnoName(int err);

}  // namespace kcp
