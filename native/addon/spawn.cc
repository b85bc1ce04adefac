// vfork + execve + poll + waitpid for one child. See spawn.h.
//
// Why this shape:
// - vfork (see ChildStart) costs far less than fork() from a big Node heap, lets the child set its own umask 077
//   (posix_spawn cannot), and never touches the event-loop thread: this runs on a thread of its own.
// - Exec failures (ENOENT, EACCES, ENOEXEC) come back before the start returns, over a close-on-exec pipe.
// - Every descriptor we create is O_CLOEXEC, so a concurrent spawn on another thread never inherits
//   our pipes; the child gets only the dup2'ed copies on 1 and 2 (and /dev/null on 0), and closes every
//   other descriptor from 3 up, the ones this process inherited without O_CLOEXEC included.
// - We reap our own pid only (no SIGCHLD handler, no waitpid(-1)): libuv's handler reaps only the
//   pids libuv started, so the two never steal each other's children.
// - A pidfd (Linux >= 5.3) tells poll() when the child exits even while a grandchild still holds
//   the pipes; without it we fall back to a 10 ms WNOHANG check.
#include "spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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
// pp_cli creates its log and month folder with this umask: 0600 and 0700, its user's alone.
constexpr mode_t kChildUmask = 077;

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

// The working folder, checked before the start, so a missing folder reads as a missing folder and not as a
// missing pp_cli (the child reports a failed chdir with its errno too, for a folder removed meanwhile).
int CheckCwd(const SpawnRequest& req, const char*& step) {
  if (!req.hasCwd) return 0;
  step = "chdir";
  struct stat st;
  if (stat(req.cwd.c_str(), &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  if (access(req.cwd.c_str(), X_OK) != 0) return errno;
  return 0;
}

// What the child tells the parent when it could not exec: the step and its errno.
struct ChildReport {
  int stage;
  int err;
};
const char* const kChildStages[] = {"dup2", "chdir", "execve"};

// In the child: close every descriptor from 3 up except `keep`, with close_range where the kernel has it.
// Async-signal-safe, no allocation.
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

// The child between vfork and execve. It runs on this thread's stack while this thread waits, so it only makes
// system calls (no allocation, no locks, no C++), never returns, and ends in execve or _exit. It shares our memory
// but not our process state: umask, niceness, signal dispositions, descriptors and working folder are its own, so
// nothing it changes reaches this process (no CLONE_FS, no CLONE_SIGHAND, no CLONE_FILES in vfork).
[[noreturn]] void ChildExec(const SpawnRequest& req, char* const* argv, char* const* envp, int devnull, int out, int err,
                            int report, int maxFd) {
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, nullptr);
  }
  umask(kChildUmask);
  // A lower CPU priority than the server's event loop (lib/runner/native.ts says why). Raising one's own niceness is
  // always allowed; were it refused, pp_cli would only run at the parent's priority, so the result is not checked.
  if (req.niceIncrement > 0) (void)nice(req.niceIncrement);
  ChildReport r = {0, 0};
  if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    r = {0, errno};
  } else {
    CloseFrom3Except(report, maxFd);
    if (req.hasCwd && chdir(req.cwd.c_str()) != 0) {
      r = {1, errno};
    } else {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execve(req.file.c_str(), argv, envp);
      r = {2, errno};
    }
  }
  ssize_t ignored = write(report, &r, sizeof r);
  (void)ignored;
  _exit(127);
}

// vfork + ChildExec. Why not posix_spawn: it has no umask attribute, and pp_cli must create its log 0600 (umask
// 077); setting the umask around posix_spawn would change it for the whole process, racing every thread that
// creates a file meanwhile (and two spawn threads could leave it at 077 for good). vfork is what glibc's posix_spawn
// and CPython's subprocess use underneath: no page tables are copied, so a big Node heap costs nothing, and this
// thread alone waits until the child has exec'd. All signals stay blocked from before vfork until the child has reset
// every disposition, so no handler of this process ever runs in the child. An exec failure comes back over a
// close-on-exec pipe, as posix_spawn reports it; EOF on that pipe means the exec succeeded.
int ChildStart(const SpawnRequest& req, pid_t& pid, int out, int err, const char*& step) {
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
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  step = "vfork";
  pid = vfork();
  if (pid == 0) ChildExec(req, argv.data(), envp.data(), devnull, out, err, report[1], maxFd);
  int forkErr = errno;  // meaningful only when vfork failed (then no child ran to change it)
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(devnull);
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    return forkErr;
  }
  ChildReport r;
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
  step = kChildStages[r.stage >= 0 && r.stage <= 2 ? r.stage : 2];
  return r.err;
}

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
  rc = ChildStart(req, pid, out, errp[1], step);
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
