/* Load generator for tests/bench/socketd.sh: N connections to 127.0.0.1:PORT, C at a time
 * (one thread each), each read to EOF. Latency is from socket() to EOF. Prints one line:
 *   ok=N failed=N secs=S cps=R p50_us=U p99_us=U
 * A benchmark tool: it asserts nothing. Bounded: N connections, a 5 s timeout on each
 * connect and read, and no new connection after MAXSEC seconds (default 60).
 *   connload PORT N C [MAXSEC] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in dst;
static long total;
static double maxsec, t0;
static atomic_long next_conn, failed;
static atomic_int first_errno;
static double *lat; /* microseconds; index = connection number, < 0 when it failed */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(long i, int err)
{
	int zero = 0;

	lat[i] = -1;
	atomic_fetch_add(&failed, 1);
	atomic_compare_exchange_strong(&first_errno, &zero, err ? err : -1);
}

static void *worker(void *arg)
{
	struct timeval tv = {5, 0};
	char buf[4096];

	(void)arg;
	for (;;) {
		long i = atomic_fetch_add(&next_conn, 1);
		double start;
		ssize_t r;
		size_t got = 0;
		int fd;

		if (i >= total)
			break;
		start = now();
		if (start - t0 > maxsec) {
			lat[i] = -2; /* not attempted */
			continue;
		}
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fail(i, errno);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)); /* bounds connect() */
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			fail(i, errno);
			close(fd);
			continue;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			got += (size_t)r;
		if (r < 0 || got == 0)
			fail(i, r < 0 ? errno : 0);
		else
			lat[i] = (now() - start) * 1e6;
		close(fd);
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long conc, ok = 0, skipped = 0;
	pthread_t *th;
	double secs, *v;

	if (argc < 4) {
		fprintf(stderr, "usage: connload PORT N C [MAXSEC]\n");
		return 2;
	}
	dst.sin_family = AF_INET;
	dst.sin_port = htons((unsigned short)atoi(argv[1]));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	total = atol(argv[2]);
	conc = atol(argv[3]);
	maxsec = argc > 4 ? atof(argv[4]) : 60;
	if (total < 1 || conc < 1 || conc > 1024)
		return 2;
	lat = calloc((size_t)total, sizeof(*lat));
	v = calloc((size_t)total, sizeof(*v));
	th = calloc((size_t)conc, sizeof(*th));
	t0 = now();
	for (long i = 0; i < conc; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (long i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	for (long i = 0; i < total; i++) {
		if (lat[i] >= 0)
			v[ok++] = lat[i];
		else if (lat[i] == -2)
			skipped++;
	}
	qsort(v, (size_t)ok, sizeof(*v), cmp);
	if (atomic_load(&first_errno))
		fprintf(stderr, "connload: first failure: %s\n",
			first_errno > 0 ? strerror(first_errno) : "EOF without data");
	printf("ok=%ld failed=%ld skipped=%ld secs=%.3f cps=%.0f p50_us=%.0f p99_us=%.0f\n", ok,
	       atomic_load(&failed), skipped, secs, secs > 0 ? (double)ok / secs : 0,
	       ok ? v[(ok - 1) / 2] : 0, ok ? v[(ok * 99 + 99) / 100 - 1] : 0);
	return 0;
}
