/* unixconnect DIR [N [pathname]]: the cost of one connect(2), for bench/run.sh.
 *
 * N connects (each with its accept and two closes) to a stream listener of
 * its own on DIR/bench.sock, then N to an abstract one, then N over TCP to
 * 127.0.0.1; prints the mean cost of one of each, in nanoseconds, on one
 * line: "pathname abstract tcp" (with "pathname", only the first). Run bare and inside the namespace engine,
 * where every connect goes through the supervisor (unixnotify_linux.go). */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static double loop(int family, struct sockaddr *sa, socklen_t len, int n) {
  int l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0 || bind(l, sa, len) || listen(l, 128)) { perror("unixconnect: listen"); exit(1); }
  if (family == AF_INET) getsockname(l, sa, &len); /* the port bound */
  double t0 = now();
  for (int i = 0; i < n; i++) {
    int c = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0 || connect(c, sa, len)) { perror("unixconnect: connect"); exit(1); }
    int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (a < 0) { perror("unixconnect: accept"); exit(1); }
    close(a);
    close(c);
  }
  double per = (now() - t0) / n;
  close(l);
  return per;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: unixconnect DIR [N]\n"); return 2; }
  int n = argc > 2 ? atoi(argv[2]) : 10000;
  struct sockaddr_un path = { .sun_family = AF_UNIX };
  snprintf(path.sun_path, sizeof path.sun_path, "%s/bench.sock", argv[1]);
  unlink(path.sun_path);
  double p = loop(AF_UNIX, (struct sockaddr *)&path, sizeof path, n);
  unlink(path.sun_path);
  if (argc > 3 && strcmp(argv[3], "pathname") == 0) { printf("%.0f\n", p); return 0; }
  struct sockaddr_un abs = { .sun_family = AF_UNIX };
  int k = snprintf(abs.sun_path + 1, sizeof abs.sun_path - 1, "unixconnect-%d", (int)getpid());
  double a = loop(AF_UNIX, (struct sockaddr *)&abs, offsetof(struct sockaddr_un, sun_path) + 1 + k, n);
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  double t = loop(AF_INET, (struct sockaddr *)&in, sizeof in, n);
  printf("%.0f %.0f %.0f\n", p, a, t);
  return 0;
}
