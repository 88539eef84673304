/* Fuzz target for the hosts_access parser and matcher: the input is a request selector byte
 * and two tables (split at the first NUL-NUL pair, else all allow). Both ways in must agree:
 * the linear scan (rules_access) and the cached form (rules_cache_access); a difference, a
 * crash or a sanitizer report is a finding. Dry run: nothing is spawned. */
#include "common.h"
#include "rules.h"
#include "rules_cache.h"

#include <stdint.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, int prio, const char *text)
{
	(void)ctx;
	(void)prio;
	(void)text;
}

static void quiet_trace(void *ctx, const char *text)
{
	(void)ctx;
	(void)text;
}

static void quiet_banner(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	(void)text;
	(void)len;
}

static const struct rules_hooks hooks = {quiet, quiet_trace, quiet_banner};

static void put(const char *path, const uint8_t *p, size_t n)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		abort();
	if (n && fwrite(p, 1, n, fp) != n)
		abort();
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const daemons[] = {"sshd", "in.telnetd", "vsftpd", "22"};
	static const char *const clients[] = {"10.0.0.1", "::1",	 "::ffff:10.0.0.5",
					      "unknown",  "192.168.1.1", "fe80::1"};
	static char allow[64], deny[64];
	const uint8_t *split = NULL;
	struct rules_request a, b;
	struct rules_result ra, rb;
	struct rules_cache c;
	uint8_t sel;

	if (size < 1)
		return 0;
	if (!allow[0]) {
		snprintf(allow, sizeof(allow), "/tmp/gb-fuzz-%ld.allow", (long)getpid());
		snprintf(deny, sizeof(deny), "/tmp/gb-fuzz-%ld.deny", (long)getpid());
	}
	sel = data[0];
	data++;
	size--;
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == 0 && data[i + 1] == 0) {
			split = data + i;
			break;
		}
	if (split) {
		put(allow, data, (size_t)(split - data));
		put(deny, split + 2, size - (size_t)(split - data) - 2);
	} else {
		put(allow, data, size);
		put(deny, (const uint8_t *)"", 0);
	}
	rules_request_init(&a, daemons[sel & 3], &hooks, NULL);
	a.dry_run = true;
	a.verbose = true;
	rules_host_set_addr_text(&a.client, clients[(sel >> 2) % 6]);
	if (sel & 0x80)
		rules_set_user(&a, "bob");
	b = a;
	b.client.rq = &b;
	b.server.rq = &b;
	rules_access(&a, allow, deny, &ra);
	if (rules_cache_init(&c, allow, deny, &b) < 0)
		abort();
	rules_cache_access(&c, &b, &rb);
	if (ra.granted != rb.granted || ra.line != rb.line)
		abort(); /* the two ways in disagree */
	rules_cache_free(&c);
	return 0;
}
