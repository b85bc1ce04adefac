// posix_spawn + poll + waitpid for one child. See spawn.h.
//
// Why this shape:
// - posix_spawn (vfork-style clone in glibc >= 2.24 and musl) costs far less than fork() from a big
//   Node heap, and it never touches the event-loop thread: this runs on a thread of its own.
// - Exec failures (ENOENT, EACCES, ENOEXEC) come back as posix_spawn's return value: glibc >= 2.24
//   and musl both report the child's execve errno to the parent before posix_spawn returns.
// - Every descriptor we create is O_CLOEXEC, so a concurrent spawn on another thread never inherits
//   our pipes; the child gets only the dup2'ed copies on 1 and 2 (and /dev/null on 0).
// - We reap our own pid only (no SIGCHLD handler, no waitpid(-1)): libuv's handler reaps only the
//   pids libuv started, so the two never steal each other's children.
// - A pidfd (Linux >= 5.3) tells poll() when the child exits even while a grandchild still holds
//   the pipes; without it we fall back to a 10 ms WNOHANG check.
// - Every posix_spawn_* call is checked; the first that fails is reported with its name as the step.
#include "spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace kcp {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kFallbackPollMs = 10;

int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));  // CLOEXEC by definition
#else
  (void)pid;
  return -1;
#endif
}

struct Stream {
  int fd;
  std::string* buf;
};

enum class ReadState { kData, kEmpty, kClosed };

// One read(); bytes past the cap are read (so the child never blocks on a full pipe) and dropped.
ReadState ReadOnce(Stream& s, size_t cap, bool& truncated) {
  char chunk[65536];
  ssize_t n = read(s.fd, chunk, sizeof chunk);
  if (n > 0) {
    size_t room = cap > s.buf->size() ? cap - s.buf->size() : 0;
    size_t take = std::min(room, static_cast<size_t>(n));
    s.buf->append(chunk, take);
    if (take < static_cast<size_t>(n)) truncated = true;
    return ReadState::kData;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return ReadState::kEmpty;
  close(s.fd);
  s.fd = -1;
  return ReadState::kClosed;
}

// After the child is reaped: take what it left in the pipes, without waiting for grandchildren.
void Drain(Stream& s, size_t cap, bool& truncated) {
  if (s.fd < 0) return;
  fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);
  while (s.fd >= 0 && ReadOnce(s, cap, truncated) == ReadState::kData) {
  }
  if (s.fd >= 0) close(s.fd);
  s.fd = -1;
}

int MillisUntil(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return static_cast<int>((left + 999) / 1000);
}

std::vector<char*> Pointers(const std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (const auto& s : items) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// posix_spawn_file_actions_addchdir_np arrived in glibc 2.29. Elsewhere (older glibc, musl, other
// libcs), or when KCP_NO_ADDCHDIR is defined (the test build of the fallback), a request with a cwd is
// started with fork + chdir + execve instead: slower from a big heap, but only for that request.
#if !defined(KCP_NO_ADDCHDIR) && defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
#define KCP_HAVE_ADDCHDIR 1
#else
#define KCP_HAVE_ADDCHDIR 0
#endif

// Every posix_spawn_* call returns an errno; the first failure names its step and ends the set-up.
#define KCP_CHECK(name, call)   \
  do {                          \
    int rc_ = (call);           \
    if (rc_ != 0) {             \
      step = name;              \
      return rc_;               \
    }                           \
  } while (0)

// The working folder, checked before the start: glibc reports a failed chdir in the child with the same
// errno as a failed exec, so without this a missing folder would read as a missing pp_cli.
int CheckCwd(const SpawnRequest& req, const char*& step) {
  if (!req.hasCwd) return 0;
  step = "chdir";
  struct stat st;
  if (stat(req.cwd.c_str(), &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  if (access(req.cwd.c_str(), X_OK) != 0) return errno;
  return 0;
}

int SetUpActions([[maybe_unused]] const SpawnRequest& req, posix_spawn_file_actions_t& fa, posix_spawnattr_t& at, int out, int err,
                 const char*& step) {
  KCP_CHECK("posix_spawn_file_actions_addopen", posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0));
  KCP_CHECK("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&fa, out, 1));
  KCP_CHECK("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&fa, err, 2));
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Belt and braces for foreign non-CLOEXEC fds.
  KCP_CHECK("posix_spawn_file_actions_addclosefrom_np", posix_spawn_file_actions_addclosefrom_np(&fa, 3));
#endif
#if KCP_HAVE_ADDCHDIR
  if (req.hasCwd)
    KCP_CHECK("posix_spawn_file_actions_addchdir_np", posix_spawn_file_actions_addchdir_np(&fa, req.cwd.c_str()));
#endif
  // Node ignores SIGPIPE and may block signals on this thread: give the child clean defaults.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  KCP_CHECK("posix_spawnattr_setsigmask", posix_spawnattr_setsigmask(&at, &none));
  KCP_CHECK("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(&at, &all));
  KCP_CHECK("posix_spawnattr_setflags", posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  return 0;
}

int SpawnWithActions(const SpawnRequest& req, pid_t& pid, int out, int err, const char*& step) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  int rc = posix_spawn_file_actions_init(&fa);
  if (rc != 0) {
    step = "posix_spawn_file_actions_init";
    return rc;
  }
  rc = posix_spawnattr_init(&at);
  if (rc != 0) {
    posix_spawn_file_actions_destroy(&fa);
    step = "posix_spawnattr_init";
    return rc;
  }
  rc = SetUpActions(req, fa, at, out, err, step);
  if (rc == 0) {
    auto argv = Pointers(req.argv);
    auto envp = Pointers(req.env);
    step = "posix_spawn";
    rc = posix_spawn(&pid, req.file.c_str(), &fa, &at, argv.data(), envp.data());
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return rc;
}

#if !KCP_HAVE_ADDCHDIR
// What the child tells the parent when it could not exec: the step and its errno.
struct ForkReport {
  int stage;
  int err;
};
const char* const kForkStages[] = {"dup2", "chdir", "execve"};

// In the forked child: close every descriptor from 3 up except `keep` (as addclosefrom_np does for
// posix_spawn), with close_range where the kernel has it. Async-signal-safe.
void CloseFrom3Except(int keep, int maxFd) {
#ifdef SYS_close_range
  if (keep > 3 && syscall(SYS_close_range, 3u, static_cast<unsigned>(keep - 1), 0u) != 0) {
    for (int fd = 3; fd < keep; fd++) close(fd);
  }
  if (syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0u, 0u) == 0) return;
#endif
  for (int fd = 3; fd < maxFd; fd++)
    if (fd != keep) close(fd);
}

// fork + chdir + execve, for a request with a cwd where posix_spawn cannot change folder. Between fork and
// exec the child makes only async-signal-safe calls; all signals stay blocked until the dispositions are
// reset, so no handler of this process ever runs in the child. An exec failure comes back over a CLOEXEC
// pipe, as posix_spawn reports it.
int ForkStart(const SpawnRequest& req, pid_t& pid, int out, int err, const char*& step) {
  int report[2];
  step = "pipe2";
  if (pipe2(report, O_CLOEXEC) != 0) return errno;
  step = "open";
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    int e = errno;
    close(report[0]);
    close(report[1]);
    return e;
  }
  auto argv = Pointers(req.argv);
  auto envp = Pointers(req.env);
  long openMax = sysconf(_SC_OPEN_MAX);
  int maxFd = openMax > 0 && openMax < 65536 ? static_cast<int>(openMax) : 65536;
  sigset_t all, old, none;
  sigfillset(&all);
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  step = "fork";
  pid = fork();
  if (pid == 0) {
    for (int sig = 1; sig < NSIG; sig++) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = SIG_DFL;
      sigaction(sig, &sa, nullptr);
    }
    ForkReport r = {0, 0};
    if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
      r = {0, errno};
    } else {
      CloseFrom3Except(report[1], maxFd);
      if (chdir(req.cwd.c_str()) != 0) {
        r = {1, errno};
      } else {
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execve(req.file.c_str(), argv.data(), envp.data());
        r = {2, errno};
      }
    }
    ssize_t ignored = write(report[1], &r, sizeof r);
    (void)ignored;
    _exit(127);
  }
  int forkErr = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(devnull);
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    return forkErr;
  }
  ForkReport r;
  ssize_t n;
  do {
    n = read(report[0], &r, sizeof r);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n != static_cast<ssize_t>(sizeof r)) return 0;  // EOF: the exec succeeded and closed the pipe
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  pid = -1;
  step = kForkStages[r.stage];
  return r.err;
}
#endif

// Pipes, then the child; returns 0 or an errno (with the failing step).
int Start(const SpawnRequest& req, pid_t& pid, int outp[2], int errp[2], const char*& step) {
  int rc = CheckCwd(req, step);
  if (rc != 0) return rc;
  step = "pipe2";
  if (pipe2(outp, O_CLOEXEC) != 0) return errno;
  if (pipe2(errp, O_CLOEXEC) != 0) {
    int e = errno;
    close(outp[0]);
    close(outp[1]);
    return e;
  }
  // With a stdout file the pipe stays unused: its write end closes below and the read end sees EOF at once.
  int out = req.stdoutFd >= 0 ? req.stdoutFd : outp[1];
#if KCP_HAVE_ADDCHDIR
  rc = SpawnWithActions(req, pid, out, errp[1], step);
#else
  rc = req.hasCwd ? ForkStart(req, pid, out, errp[1], step) : SpawnWithActions(req, pid, out, errp[1], step);
#endif
  close(outp[1]);
  close(errp[1]);
  if (rc != 0) {
    close(outp[0]);
    close(errp[0]);
  }
  return rc;
}

void Record(SpawnResult& res, int status) {
  if (WIFEXITED(status)) {
    res.exited = true;
    res.exitCode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.signal = WTERMSIG(status);
  }
}

}  // namespace

void RunChild(const SpawnRequest& req, SpawnResult& res) {
  auto start = Clock::now();
  auto deadline = start + std::chrono::milliseconds(req.timeoutMs);
  pid_t pid = -1;
  int outp[2], errp[2];
  int rc = Start(req, pid, outp, errp, res.spawnStep);
  if (rc != 0) {
    res.spawnErrno = rc;
    res.durationMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    return;
  }
  res.spawnStep = nullptr;
  Stream streams[2] = {{outp[0], &res.out}, {errp[0], &res.err}};
  int pidfd = OpenPidfd(pid);
  bool reaped = false;
  while (!reaped) {
    pollfd fds[3];
    int n = 0;
    for (auto& s : streams)
      if (s.fd >= 0) fds[n++] = {s.fd, POLLIN, 0};
    if (pidfd >= 0) fds[n++] = {pidfd, POLLIN, 0};
    int wait = res.timedOut ? -1 : MillisUntil(deadline);
    if (pidfd < 0 && (wait < 0 || wait > kFallbackPollMs)) wait = kFallbackPollMs;
    int ready = poll(fds, static_cast<nfds_t>(n), wait);
    bool childSignalled = pidfd < 0;
    for (int i = 0; ready > 0 && i < n; i++) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == pidfd) {
        childSignalled = true;
        continue;
      }
      for (auto& s : streams)
        if (s.fd == fds[i].fd) ReadOnce(s, req.maxOutput, res.truncated);
    }
    if (childSignalled) {
      int status = 0;
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        Record(res, status);
        reaped = true;
      } else if (w < 0 && errno != EINTR) {
        reaped = true;  // someone set SIGCHLD to SIG_IGN: the status is lost, report it as unknown
      }
    }
    if (!reaped && !res.timedOut && Clock::now() >= deadline) {
      kill(pid, SIGKILL);
      res.timedOut = true;
    }
  }
  res.durationMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  for (auto& s : streams) Drain(s, req.maxOutput, res.truncated);
  if (pidfd >= 0) close(pidfd);
}

std::string SignalName(int sig) {
  switch (sig) {
#define KCP_SIG(name) \
  case name:          \
    return #name;
    KCP_SIG(SIGHUP) KCP_SIG(SIGINT) KCP_SIG(SIGQUIT) KCP_SIG(SIGILL) KCP_SIG(SIGTRAP)
    KCP_SIG(SIGABRT) KCP_SIG(SIGBUS) KCP_SIG(SIGFPE) KCP_SIG(SIGKILL) KCP_SIG(SIGUSR1)
    KCP_SIG(SIGSEGV) KCP_SIG(SIGUSR2) KCP_SIG(SIGPIPE) KCP_SIG(SIGALRM) KCP_SIG(SIGTERM)
    KCP_SIG(SIGCHLD) KCP_SIG(SIGCONT) KCP_SIG(SIGSTOP) KCP_SIG(SIGTSTP) KCP_SIG(SIGTTIN)
    KCP_SIG(SIGTTOU) KCP_SIG(SIGURG) KCP_SIG(SIGXCPU) KCP_SIG(SIGXFSZ) KCP_SIG(SIGVTALRM)
    KCP_SIG(SIGPROF) KCP_SIG(SIGWINCH) KCP_SIG(SIGIO) KCP_SIG(SIGSYS)
#undef KCP_SIG
    default:
      return "SIG" + std::to_string(sig);
  }
}

std::string ErrnoName(int err) {
  switch (err) {
#define KCP_ERR(name) \
  case name:          \
    return #name;
    KCP_ERR(ENOENT) KCP_ERR(EACCES) KCP_ERR(ENOEXEC) KCP_ERR(EPERM) KCP_ERR(E2BIG)
    KCP_ERR(ENOMEM) KCP_ERR(EMFILE) KCP_ERR(ENFILE) KCP_ERR(EAGAIN) KCP_ERR(ENOTDIR)
    KCP_ERR(ELOOP) KCP_ERR(ENAMETOOLONG) KCP_ERR(ETXTBSY) KCP_ERR(EINVAL) KCP_ERR(EISDIR)
    KCP_ERR(EFAULT) KCP_ERR(EIO) KCP_ERR(ELIBBAD)
#undef KCP_ERR
    default:
      return "E" + std::to_string(err);
  }
}

}  // namespace kcp
