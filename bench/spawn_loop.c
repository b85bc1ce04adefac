/*
 * The floor: what one call costs in C. Same work per call as the addon: pipes for stdout and
 * stderr (O_CLOEXEC), /dev/null on stdin, posix_spawn, read both pipes to EOF, waitpid.
 * Usage: spawn_loop STUB CALLS BALLAST_MB ARG...   Prints the mean microseconds per call.
 * BALLAST_MB of touched memory first makes this process as big as the Node heap it is compared
 * with (on some kernels even a vfork-style spawn gets slower as the parent's memory grows).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int one_call(char **argv) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(err[1]);
  if (rc) return -1;
  struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(p, 2, -1) < 0) return -1;
    for (int i = 0; i < 2; i++) {
      if (p[i].fd < 0 || !p[i].revents) continue;
      if (read(p[i].fd, buf, sizeof buf) <= 0) {
        close(p[i].fd);
        p[i].fd = -1;
        open_fds--;
      }
    }
  }
  int status;
  return waitpid(pid, &status, 0) == pid ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  long calls = atol(argv[2]);
  size_t ballast = (size_t)atol(argv[3]) * 1024 * 1024;
  char *mem = ballast ? malloc(ballast) : NULL;
  if (ballast && !mem) return 3;
  if (mem) memset(mem, 1, ballast);
  char **child = calloc((size_t)argc, sizeof *child);
  child[0] = argv[1];
  for (int i = 4; i < argc; i++) child[i - 3] = argv[i];
  for (int i = 0; i < 20; i++) one_call(child); /* warm-up */
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < calls; i++)
    if (one_call(child)) return 1;
  clock_gettime(CLOCK_MONOTONIC, &b);
  double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / (double)calls;
  printf("%.3f\n", us);
  return mem && mem[ballast - 1] != 1;
}
