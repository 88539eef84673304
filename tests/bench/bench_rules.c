/* In-process decision time of the rules module: the cached, indexed form (what socketd
 * uses) against the linear re-read (what tcpd does), on the tables given. A benchmark:
 * prints figures, asserts nothing. Bounded: N decisions, or 10 s, whichever comes first.
 *   bench_rules ALLOW DENY CLIENT [N] */
#include "common.h"
#include "rules.h"
#include "rules_cache.h"

#include <time.h>

static void quiet(void *ctx, int prio, const char *text)
{
	(void)ctx;
	(void)prio;
	(void)text;
}

static const struct rules_hooks hooks = {quiet, NULL, NULL};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double per_decision(struct rules_cache *c, const char *allow, const char *deny,
			   const char *client, unsigned long n, bool cached, bool *granted)
{
	double start = now(), t = start;
	unsigned long i;

	for (i = 0; i < n && t - start < 10.0; i++) {
		struct rules_request rq;
		struct rules_result res;

		rules_request_init(&rq, "sshd", &hooks, NULL);
		rules_host_set_addr_text(&rq.client, client);
		if (cached) {
			rules_cache_refresh(c, &rq); /* the stat() socketd pays per connection */
			rules_cache_access(c, &rq, &res);
		} else {
			rules_access(&rq, allow, deny, &res);
		}
		*granted = res.granted;
		if ((i & 63) == 0)
			t = now();
	}
	return (now() - start) / (double)i * 1e6;
}

int main(int argc, char **argv)
{
	struct rules_cache c;
	struct rules_request rq;
	unsigned long n = argc > 4 ? strtoul(argv[4], NULL, 10) : 100000;
	double t0, load, cached, linear;
	bool g1 = false, g2 = false;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_rules ALLOW DENY CLIENT [N]\n");
		return 100;
	}
	rules_request_init(&rq, "sshd", &hooks, NULL);
	t0 = now();
	if (rules_cache_init(&c, argv[1], argv[2], &rq) < 0)
		return 111;
	load = (now() - t0) * 1e3;
	cached = per_decision(&c, argv[1], argv[2], argv[3], n, true, &g1);
	linear = per_decision(&c, argv[1], argv[2], argv[3], n / 1000 + 3, false, &g2);
	printf("load_ms=%.2f cached_us=%.3f linear_us=%.1f verdicts=%s/%s\n", load, cached, linear,
	       g1 ? "granted" : "denied", g2 ? "granted" : "denied");
	rules_cache_free(&c);
	return 0;
}
