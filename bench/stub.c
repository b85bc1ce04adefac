/* Benchmark stub: prints one canned pp_cli result line (EUC-KR 정상처리) and exits 0. */
#include <unistd.h>

int main(void) {
  static const char line[] = "res_cd=0000\x1fres_msg=\xc1\xa4\xbb\xf3\xc3\xb3\xb8\xae\x1ftno=20240101000001\n";
  return write(1, line, sizeof line - 1) == (ssize_t)(sizeof line - 1) ? 0 : 1;
}
