/*
 * Stand-in for KCP's proprietary `pp_cli` (PayPlus V6 AX HUB client module, Linux v2.14).
 *
 * Why it exists: the vendor binary may never be committed or downloaded, yet every layer above
 * it (argv building, EUC-KR handling, result parsing, logs) must be tested against something that
 * behaves like it.  This program reproduces the documented, observable behaviour of v2.14
 * (docs/pp-cli-protocol.md §1.5, §2, §7): getopt/getsubopt parsing, the usage banner with S102,
 * 9601 without network, S202 per unreachable port, exit codes, opt=1 UTF-8 conversion, trace
 * number generation, and the log file format.  Instead of KCP's encrypted protocol it POSTs the
 * request over plain HTTP/1.1 to the local simulator (lib/sim) at http://<pa_url>:<port>/<tx_cd>.
 *
 * Wire format to the simulator (our own design; the real module is encrypted):
 *   POST /<tx_cd> HTTP/1.1, Content-Type: application/x-www-form-urlencoded; charset=euc-kr
 *   body: site_cd, site_key, tx_cd, ordr_idxx, payx_data, ordr_data, rcvr_data, escw_data,
 *         modx_data, enc_data, enc_info, trace_no, cust_ip — each value's raw (EUC-KR) bytes
 *         percent-encoded.  The answer body is the result line in EUC-KR.
 *
 * Safety: it connects only to loopback (127.0.0.0/8, ::1, localhost) or to the one host named in
 * KCP_STANDIN_ALLOW_HOST (a simulator elsewhere); any other pa_url is refused without a DNS query or a
 * packet, said on stderr, and answered like an unreachable gateway (S202).  It carries a marker string
 * (STANDIN_MARKER) by which `kcp-payplus doctor` recognises it and fails it under a REAL config.
 *
 * Test hooks (environment):
 *   KCP_STANDIN_ALLOW_HOST=<host>     one non-loopback simulator host it may connect to
 *   KCP_STANDIN_NOW=YYYYMMDDhhmmss    fixed clock (trace_no, log names and lines; .mmm = 000)
 *   KCP_STANDIN_CONNECT_TIMEOUT_MS    connect timeout per port (default 3000)
 *   KCP_STANDIN_RECV_TIMEOUT_MS       answer timeout (default 60000) -> S204
 *
 * Single C11 file, libc only (iconv is part of glibc).  Never logs site_key, enc_data or enc_info.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define US '\x1f'
#define VERSION_MAJOR 2
#define VERSION_MINOR 14
#define MODULE_NAME "KCP PG CLIENT MODULE"
#define USER_AGENT "pp_cli_214_exec"

/* Exit statuses = low byte of the vendor's negative internal codes (docs/pp-cli-protocol.md §2.1).
 * S203/S204/6001 were not observed; the values below are the stand-in's choice. */
#define EXIT_USAGE 105     /* -151 */
#define EXIT_ENC_INFO 123  /* -901 */
#define EXIT_CONN 116      /* -908 */
#define EXIT_SEND 115      /* [stand-in] */
#define EXIT_RECV 114      /* [stand-in] */
#define EXIT_NO_ARGS 160   /* observed: no arguments at all (§10.3) */

/* Recognised by doctor (lib/doctor/checks/standin.ts); must stay in the binary. */
__attribute__((used)) static const char STANDIN_MARKER[] = "kcp-payplus stand-in pp_cli (not KCP software)";

/* Module messages, EUC-KR bytes. */
#define MSG_S102 "\xBF\xAC\xB5\xBF \xB8\xF0\xB5\xE2 \xC8\xA3\xC3\xE2 \xBF\xC0\xB7\xF9"
#define MSG_9601 "\xB0\xE1\xC1\xA6 \xC1\xA4\xBA\xB8 \xBF\xC0\xB7\xF9"
#define MSG_S202 "PG \xBC\xAD\xB9\xF6 \xC1\xA2\xBC\xD3 \xBF\xC0\xB7\xF9"
#define MSG_S203 "PG \xBC\xAD\xB9\xF6 \xC1\xF6\xBA\xD2 DATA \xC0\xFC\xBC\xDB \xBF\xC0\xB7\xF9"
#define MSG_S204 "PG \xBC\xAD\xB9\xF6 \xC1\xF6\xBA\xD2 DATA \xBC\xF6\xBD\xC5 \xBF\xC0\xB7\xF9"
#define LOG_9601                                                                             \
  "\xBF\xE4\xC3\xBB DATA \xBF\xC0\xB7\xF9 - \xBE\xCF\xC8\xA3\xC8\xAD \xC1\xA4\xBA\xB8\xBF\xCD " \
  "\xBE\xCF\xC8\xA3\xC8\xAD DATA \xBC\xB3\xC1\xA4 \xBF\xC0\xB7\xF9"

/* ---------------------------------------------------------------- options (getsubopt) */

enum {
  K_HOME, K_SITE_CD, K_SITE_KEY, K_TX_CD, K_PA_URL, K_PA_PORT, K_ORDR_IDXX, K_PAYX_DATA,
  K_ORDR_DATA, K_RCVR_DATA, K_ESCW_DATA, K_MODX_DATA, K_ENC_DATA, K_ENC_INFO, K_TRACE_NO,
  K_CUST_IP, K_LOG_PATH, K_LOG_LEVEL, K_OPT, K_COUNT
};

/* The v2.14 token table, in the vendor's order. */
static char *const TOKENS[] = {
  "home", "site_cd", "site_key", "tx_cd", "pa_url", "pa_port", "ordr_idxx", "payx_data",
  "ordr_data", "rcvr_data", "escw_data", "modx_data", "enc_data", "enc_info", "trace_no",
  "cust_ip", "log_path", "log_level", "opt", NULL
};

/* A byte string that may be reallocated by conversion. */
typedef struct {
  char *p;
  size_t n;
} bytes;

typedef struct {
  bytes v[K_COUNT];
  long log_level;
  long opt;
} options;

/* getsubopt: split at ',', first '=' ; unknown keys ignored; repeated keys: last wins. */
static void parse_suboptions(char *spec, options *o) {
  static char empty[] = "";
  for (int i = 0; i < K_COUNT; i++) {
    o->v[i].p = empty;
    o->v[i].n = 0;
  }
  char *rest = spec;
  char *value = NULL;
  while (*rest != '\0') {
    int k = getsubopt(&rest, TOKENS, &value);
    if (k < 0) continue;
    o->v[k].p = value ? value : empty;
    o->v[k].n = strlen(o->v[k].p);
  }
  o->log_level = strtol(o->v[K_LOG_LEVEL].p, NULL, 10);
  o->opt = strtol(o->v[K_OPT].p, NULL, 10);
}

/* ---------------------------------------------------------------- clock */

typedef struct {
  struct tm tm;
  int ms;
} stamp;

static int two(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* KCP_STANDIN_NOW lets tests pin the clock; otherwise local wall time. */
static stamp now_stamp(void) {
  stamp st;
  memset(&st, 0, sizeof st);
  const char *fixed = getenv("KCP_STANDIN_NOW");
  if (fixed && strlen(fixed) == 14 && strspn(fixed, "0123456789") == 14) {
    st.tm.tm_year = two(fixed) * 100 + two(fixed + 2) - 1900;
    st.tm.tm_mon = two(fixed + 4) - 1;
    st.tm.tm_mday = two(fixed + 6);
    st.tm.tm_hour = two(fixed + 8);
    st.tm.tm_min = two(fixed + 10);
    st.tm.tm_sec = two(fixed + 12);
    st.ms = 0;
    return st;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  localtime_r(&ts.tv_sec, &st.tm);
  st.ms = (int)(ts.tv_nsec / 1000000);
  return st;
}

/* ---------------------------------------------------------------- trace_no (§7.2) */

static char time_char(int v) {
  if (v < 10) return (char)('0' + v);
  if (v < 36) return (char)('A' + v - 10);
  return (char)('a' + v - 36);
}

static char ip_char(int v) {
  if (v < 10) return (char)('0' + v);
  if (v < 30) return (char)('A' + v - 10);
  return (char)('a' + v - 30);
}

/* site_cd (5) + month/day/hour/minute/second (5) + cust_ip in base 100 with a flag char (6). */
static void make_trace_no(char out[17], const char *site_cd, const char *cust_ip, const stamp *st) {
  snprintf(out, 6, "%5.5s", site_cd);
  out[5] = time_char(st->tm.tm_mon + 1);
  out[6] = time_char(st->tm.tm_mday);
  out[7] = time_char(st->tm.tm_hour);
  out[8] = time_char(st->tm.tm_min);
  out[9] = time_char(st->tm.tm_sec);
  in_addr_t a = inet_addr(cust_ip); /* network order in memory = little-endian value of a.b.c.d */
  uint8_t b[4];
  memcpy(b, &a, 4);
  uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  int digit[6] = {0};
  for (int pos = 5; pos >= 1; pos--) {
    digit[pos] = (int)(v % 100);
    v /= 100;
  }
  int flags = 0;
  for (int pos = 1; pos <= 5; pos++) {
    if (digit[pos] >= 50) {
      digit[pos] -= 50;
      flags |= 1 << (5 - pos);
    }
  }
  out[10] = ip_char(flags);
  for (int pos = 1; pos <= 5; pos++) out[10 + pos] = ip_char(digit[pos]);
  out[16] = '\0';
}

/* ---------------------------------------------------------------- log file (§7.1, §7.3) */

typedef struct {
  FILE *f;
  long level;
  const char *trace_no;
} logger;

static void mkdir_p(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(path, 0755);
    *p = '/';
  }
  mkdir(path, 0755);
}

/* <log_path or home/log>/YYYYMM/DD_pp_cli.log.  When it cannot be created the module writes its log lines to
 * stderr instead (§10.3); with neither log_path nor home there is no log at all. */
static void log_open(logger *lg, const options *o, const stamp *st, const char *trace_no) {
  lg->f = NULL;
  lg->level = o->log_level;
  lg->trace_no = trace_no;
  char dir[4096];
  int n;
  if (o->v[K_LOG_PATH].n > 0)
    n = snprintf(dir, sizeof dir, "%s/%04d%02d", o->v[K_LOG_PATH].p, st->tm.tm_year + 1900,
                 st->tm.tm_mon + 1);
  else if (o->v[K_HOME].n > 0)
    n = snprintf(dir, sizeof dir, "%s/log/%04d%02d", o->v[K_HOME].p, st->tm.tm_year + 1900,
                 st->tm.tm_mon + 1);
  else
    return;
  if (n <= 0 || (size_t)n >= sizeof dir - 32) {
    lg->f = stderr;
    return;
  }
  mkdir_p(dir);
  char file[4200];
  snprintf(file, sizeof file, "%s/%02d_pp_cli.log", dir, st->tm.tm_mday);
  lg->f = fopen(file, "ab");
  if (!lg->f) lg->f = stderr;
}

/* MMDD-HHMMSS.mmm - <pid %5d> - <trace_no %-16s> - MSG|ERR : text */
static void log_line(logger *lg, int level, int is_err, const char *fmt, ...) {
  if (!lg->f || level > lg->level) return;
  stamp st = now_stamp();
  fprintf(lg->f, "%02d%02d-%02d%02d%02d.%03d - %5d - %-16s - %s : ", st.tm.tm_mon + 1,
          st.tm.tm_mday, st.tm.tm_hour, st.tm.tm_min, st.tm.tm_sec, st.ms, (int)getpid(),
          lg->trace_no, is_err ? "ERR" : "MSG");
  va_list ap;
  va_start(ap, fmt);
  vfprintf(lg->f, fmt, ap);
  va_end(ap);
  fputc('\n', lg->f);
  fflush(lg->f);
}

/* ---------------------------------------------------------------- encoding (opt=1) */

/* Strict iconv conversion into a fresh buffer; returns 0 on success. */
static int convert(const char *to, const char *from, const bytes *in, bytes *out) {
  iconv_t cd = iconv_open(to, from);
  if (cd == (iconv_t)-1) return -1;
  size_t cap = in->n * 4 + 1;
  char *buf = malloc(cap);
  if (!buf) {
    iconv_close(cd);
    return -1;
  }
  char *src = in->p, *dst = buf;
  size_t left = in->n, room = cap - 1;
  size_t r = iconv(cd, &src, &left, &dst, &room);
  iconv_close(cd);
  if (r == (size_t)-1) {
    free(buf);
    return -1;
  }
  *dst = '\0';
  out->p = buf;
  out->n = (size_t)(dst - buf);
  return 0;
}

/* opt=1 input as the module converts it: a character with no EUC-KR code, or a byte that is not UTF-8,
 * becomes '?' and the conversion goes on (§10.3); the request is sent all the same. */
static int convert_lossy(const bytes *in, bytes *out) {
  iconv_t cd = iconv_open("EUC-KR", "UTF-8");
  if (cd == (iconv_t)-1) return -1;
  char *buf = malloc(in->n * 2 + 1);
  if (!buf) {
    iconv_close(cd);
    return -1;
  }
  char *src = in->p, *dst = buf;
  size_t left = in->n, room = in->n * 2;
  while (left > 0) {
    if (iconv(cd, &src, &left, &dst, &room) != (size_t)-1) break;
    if (errno != EILSEQ && errno != EINVAL) break;
    unsigned char lead = (unsigned char)*src;
    size_t skip = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (skip > left) skip = left;
    *dst++ = '?';
    room--;
    src += skip;
    left -= skip;
    iconv(cd, NULL, NULL, NULL, NULL);
  }
  iconv_close(cd);
  *dst = '\0';
  out->p = buf;
  out->n = (size_t)(dst - buf);
  return 0;
}

/* ---------------------------------------------------------------- growable buffer */

typedef struct {
  char *p;
  size_t n, cap;
} buf;

static void buf_add(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 8192;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      fputs("pp_cli: out of memory\n", stderr);
      exit(1);
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void buf_str(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_pct(buf *b, const bytes *v) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < v->n; i++) {
    unsigned char c = (unsigned char)v->p[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      buf_add(b, (const char *)&c, 1);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      buf_add(b, e, 3);
    }
  }
}

/* ---------------------------------------------------------------- result output */

typedef struct {
  const options *o;
  logger *lg;
} tx;

/* Print the result line (converted to UTF-8 when opt=1), log TX_ENDED, return the exit code. */
static int finish(tx *t, const char *res, size_t n, int code) {
  bytes out = {(char *)res, n};
  if (t->o->opt == 1) {
    bytes utf8;
    if (convert("UTF-8", "EUC-KR", &out, &utf8) == 0) out = utf8;
  }
  fwrite(out.p, 1, out.n, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  log_line(t->lg, 0, 0, "TX_ENDED - res=[%.*s]", (int)out.n, out.p);
  return code;
}

static int fail(tx *t, const char *res_cd, const char *res_msg, int code) {
  buf b = {0};
  buf_str(&b, "res_cd=");
  buf_str(&b, res_cd);
  buf_add(&b, "\x1f", 1);
  buf_str(&b, "res_msg=");
  buf_str(&b, res_msg);
  return finish(t, b.p, b.n, code);
}

/* ---------------------------------------------------------------- usage (§2.5) */

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static int usage(const char *argv0) {
  static const char eq[] = "======================================================================";
  static const char dash[] = "----------------------------------------------------------------------";
  fprintf(stderr, "\n%s\n %s - %s   ver %d.%02d\n%s\n", eq, base_name(argv0), MODULE_NAME,
          VERSION_MAJOR, VERSION_MINOR, dash);
  fprintf(stderr, " Copyright (c) 2000 - 2010  KCP Inc.  All Rights Reserved.\n%s\n\n", eq);
  fputs("res_cd=S102\x1fres_msg=" MSG_S102 "\n", stdout);
  fflush(stdout);
  return EXIT_USAGE;
}

/* ---------------------------------------------------------------- network */

static long env_ms(const char *name, long fallback) {
  const char *v = getenv(name);
  if (!v || !*v) return fallback;
  long n = strtol(v, NULL, 10);
  return n > 0 ? n : fallback;
}

/* Connect with a timeout; returns the socket or -1 with *err describing why. */
static int connect_to(const char *host, const char *port, long timeout_ms, const char **err) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  errno = 0;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    /* The module reports strerror(errno) for a name it cannot resolve, as for a refused connection. */
    *err = strerror(rc == EAI_SYSTEM || errno != 0 ? errno : EHOSTUNREACH);
    return -1;
  }
  int fd = -1;
  *err = strerror(EHOSTUNREACH);
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      *err = strerror(errno);
      continue;
    }
    int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int c = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (c != 0 && errno == EINPROGRESS) {
      struct pollfd p = {fd, POLLOUT, 0};
      int pr = poll(&p, 1, (int)timeout_ms);
      if (pr == 1) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        c = soerr == 0 ? 0 : -1;
        errno = soerr;
      } else {
        c = -1;
        errno = pr == 0 ? ETIMEDOUT : errno;
      }
    }
    if (c == 0) {
      fcntl(fd, F_SETFL, flags);
      break;
    }
    *err = strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Read until the peer closes (Connection: close) or the answer timeout passes. */
static int recv_all(int fd, buf *out, long timeout_ms) {
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char chunk[8192];
  for (;;) {
    ssize_t r = recv(fd, chunk, sizeof chunk, 0);
    if (r == 0) return 0;
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf_add(out, chunk, (size_t)r);
  }
}

/* Extract the body of a "HTTP/1.x 200" answer, without trailing CR/LF; NULL if not usable. */
static char *http_body(buf *resp, size_t *len) {
  if (!resp->p || resp->n < 12 || strncmp(resp->p, "HTTP/1.", 7) != 0) return NULL;
  if (strncmp(resp->p + 8, " 200", 4) != 0) return NULL;
  char *sep = strstr(resp->p, "\r\n\r\n");
  if (!sep) return NULL;
  char *body = sep + 4;
  size_t n = resp->n - (size_t)(body - resp->p);
  while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r')) n--;
  *len = n;
  return body;
}

static const int BODY_FIELDS[] = {K_SITE_CD,   K_SITE_KEY,  K_TX_CD,     K_ORDR_IDXX, K_PAYX_DATA,
                                  K_ORDR_DATA, K_RCVR_DATA, K_ESCW_DATA, K_MODX_DATA, K_ENC_DATA,
                                  K_ENC_INFO,  K_TRACE_NO,  K_CUST_IP};

static void build_body(const options *o, buf *body) {
  for (size_t i = 0; i < sizeof BODY_FIELDS / sizeof BODY_FIELDS[0]; i++) {
    int k = BODY_FIELDS[i];
    if (i > 0) buf_str(body, "&");
    buf_str(body, TOKENS[k]);
    buf_str(body, "=");
    buf_pct(body, &o->v[k]);
  }
}

/* The request dump logged at level 5, in the module's shape: `plan_data=<ordr/rcvr/escw sets, each ended by FS,
 * percent-encoded>&enc_data=<…>` (§10.3).  The module writes the encrypted part (the window's enc_data, or
 * payx_data/mod_data encrypted) there; the stand-in writes only its length, as `[masked:N]`, because nothing in
 * this project logs enc_data. */
static void log_request(logger *lg, const options *o) {
  if (lg->level < 5) return;
  buf plan = {0};
  const int sets[] = {K_ORDR_DATA, K_RCVR_DATA, K_ESCW_DATA};
  for (size_t i = 0; i < 3; i++) {
    if (o->v[sets[i]].n == 0) continue;
    buf_add(&plan, o->v[sets[i]].p, o->v[sets[i]].n);
    buf_add(&plan, "\x1c", 1);
  }
  bytes raw = {plan.p ? plan.p : "", plan.n};
  buf dump = {0};
  buf_str(&dump, "plan_data=");
  buf_pct(&dump, &raw);
  size_t secret = o->v[K_ENC_DATA].n > 0 ? o->v[K_ENC_DATA].n : o->v[K_PAYX_DATA].n + o->v[K_MODX_DATA].n;
  char tail[64];
  snprintf(tail, sizeof tail, "&enc_data=[masked:%zu]", secret);
  buf_str(&dump, tail);
  log_line(lg, 5, 0, "REQ_MSG_BODY_DATA_CREATE__SUCC - REQ_MSG=[%s]", dump.p);
  free(plan.p);
  free(dump.p);
}

/* Loopback: 127.0.0.0/8, ::1, ::ffff:127.x, and the name localhost. */
static int is_loopback(const char *host) {
  struct in_addr a4;
  struct in6_addr a6;
  if (strcmp(host, "localhost") == 0) return 1;
  if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, host, &a6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return 1;
    return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
  }
  return 0;
}

/* The stand-in may talk to loopback, or to the one host KCP_STANDIN_ALLOW_HOST names (a simulator elsewhere). */
static int host_allowed(const char *host) {
  const char *allow = getenv("KCP_STANDIN_ALLOW_HOST");
  return is_loopback(host) || (allow && *allow && strcmp(allow, host) == 0);
}

/* Try each port of "a:b" in turn; answer with the gateway's line or S202/S203/S204. */
static int exchange(tx *t) {
  const options *o = t->o;
  buf body = {0};
  build_body(o, &body);
  log_request(t->lg, o);
  long conn_ms = env_ms("KCP_STANDIN_CONNECT_TIMEOUT_MS", 3000);
  long recv_ms = env_ms("KCP_STANDIN_RECV_TIMEOUT_MS", 60000);
  char *ports = strdup(o->v[K_PA_PORT].p);
  char *save = NULL;
  int fd = -1;
  const char *port = NULL;
  int allowed = host_allowed(o->v[K_PA_URL].p);
  if (!allowed)
    fprintf(stderr,
            "pp_cli stand-in (kcp-payplus, not KCP's module): refusing to connect to %s: it connects only to "
            "loopback or to KCP_STANDIN_ALLOW_HOST; nothing was sent\n",
            o->v[K_PA_URL].p);
  for (char *p = strtok_r(ports, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
    const char *err = strerror(ENETUNREACH);
    fd = allowed ? connect_to(o->v[K_PA_URL].p, p, conn_ms, &err) : -1;
    if (fd >= 0) {
      port = p;
      break;
    }
    log_line(t->lg, 0, 1, "PG_SERVER_CONN__FAIL - CONN_INFO=[%s:%s]+ERR_MSG=[%s]", o->v[K_PA_URL].p,
             p, err);
  }
  if (fd < 0) {
    if (strspn(o->v[K_PA_PORT].p, ":") == o->v[K_PA_PORT].n)
      log_line(t->lg, 0, 1, "PG_SERVER_CONN__FAIL - CONN_INFO=[%s:]+ERR_MSG=[%s]", o->v[K_PA_URL].p,
               strerror(ECONNREFUSED));
    return fail(t, "S202", MSG_S202, EXIT_CONN);
  }
  log_line(t->lg, 3, 0, "PG_SERVER_CONN__SUCC");
  buf req = {0};
  char head[1024];
  snprintf(head, sizeof head,
           "POST /%s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: " USER_AGENT
           "\r\nContent-Type: application/x-www-form-urlencoded; charset=euc-kr\r\n"
           "Content-Length: %zu\r\nConnection: close\r\n\r\n",
           o->v[K_TX_CD].p, o->v[K_PA_URL].p, port, body.n);
  buf_str(&req, head);
  buf_add(&req, body.p, body.n);
  if (send_all(fd, req.p, req.n) != 0) {
    log_line(t->lg, 0, 1, "PG_SERVER_REQ_MSG_SEND__FAIL - ERR_MSG=[%s]", strerror(errno));
    close(fd);
    return fail(t, "S203", MSG_S203, EXIT_SEND);
  }
  log_line(t->lg, 3, 0, "PG_SERVER_REQ_MSG_SEND__SUCC");
  buf resp = {0};
  int rr = recv_all(fd, &resp, recv_ms);
  close(fd);
  size_t len = 0;
  char *res = rr == 0 ? http_body(&resp, &len) : NULL;
  if (!res || len == 0) {
    log_line(t->lg, 0, 1, "PG_SERVER_RES_MSG_RECV__FAIL - ERR_MSG=[%s]",
             rr != 0 ? strerror(errno) : "invalid answer");
    return fail(t, "S204", MSG_S204, EXIT_RECV);
  }
  log_line(t->lg, 3, 0, "PG_SERVER_RES_MSG_RECV__SUCC");
  return finish(t, res, len, 0);
}

/* ---------------------------------------------------------------- main */

/* opt=1: the six data fields arrive in UTF-8 and are converted to EUC-KR ('?' for what has no code). */
static void convert_inputs(options *o) {
  const int keys[] = {K_ORDR_IDXX, K_PAYX_DATA, K_ORDR_DATA, K_RCVR_DATA, K_ESCW_DATA, K_MODX_DATA};
  for (size_t i = 0; i < 6; i++) {
    bytes out;
    if (convert_lossy(&o->v[keys[i]], &out) == 0) o->v[keys[i]] = out;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return EXIT_NO_ARGS; /* observed: nothing printed, exit 160 */
  char *spec = NULL;
  int c;
  while ((c = getopt(argc, argv, "h:")) != -1) {
    if (c == 'h') {
      if (spec == NULL) spec = optarg; /* observed: a second -h changes nothing */
    } else {
      return usage(argv[0]);
    }
  }
  if (spec == NULL) return 0; /* the vendor module prints nothing without -h */

  options o;
  parse_suboptions(spec, &o);
  /* No offline validation of site_cd, tx_cd or site_key: empty ones go to the gateway like any other (§10.3). */

  stamp st = now_stamp();
  char generated[17];
  const char *trace_no = o.v[K_TRACE_NO].p;
  if (o.v[K_TRACE_NO].n == 0) {
    make_trace_no(generated, o.v[K_SITE_CD].p, o.v[K_CUST_IP].p, &st);
    o.v[K_TRACE_NO].p = generated;
    o.v[K_TRACE_NO].n = 16;
    trace_no = generated;
  }

  logger lg;
  log_open(&lg, &o, &st, trace_no);
  if (o.v[K_PA_PORT].n == 0) {
    /* Observed for an empty pa_port (and so for `-h ""` and `-h garbage`): an empty line, exit 0, and only
     * `TX_ENDED - res=[]` in the log. */
    log_line(&lg, 0, 0, "TX_ENDED - res=[]");
    fputc('\n', stdout);
    fflush(stdout);
    if (lg.f && lg.f != stderr) fclose(lg.f);
    return 0;
  }
  tx t = {&o, &lg};
  if (o.opt == 1) convert_inputs(&o);
  log_line(&lg, 0, 0, "TX_START - site_cd=[%s]+tx_cd=[%s]+ordr_idxx=[%s]+log_level=[%ld]+opt=[%ld]",
           o.v[K_SITE_CD].p, o.v[K_TX_CD].p, o.v[K_ORDR_IDXX].p, o.log_level, o.opt);

  int rc;
  if (o.v[K_ENC_DATA].n > 0 && o.v[K_ENC_INFO].n == 0) {
    log_line(&lg, 0, 1, "%s", LOG_9601);
    rc = fail(&t, "9601", MSG_9601, EXIT_ENC_INFO);
  } else {
    rc = exchange(&t);
  }
  if (lg.f && lg.f != stderr) fclose(lg.f);
  return rc;
}
