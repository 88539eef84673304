/* rules_cache gives the verdict and the matched line of the linear scan (rules_access), on
 * random tables mixing indexed forms (addresses, net/mask) with every other pattern form,
 * EXCEPT, options, comments, broken and separator-less lines. Deterministic seeds. */
#include "common.h"
#include "rules.h"
#include "rules_cache.h"
#include "harness.h"

#include <arpa/inet.h>
#include <unistd.h>

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static const char *pick(const char *const *list, size_t n)
{
	return list[rnd((unsigned)n)];
}
#define PICK(a) pick(a, sizeof(a) / sizeof(a[0]))

static const char *const daemons[] = {
	"ALL",
	"sshd",
	"in.telnetd",
	"sshd in.ftpd",
	"ALL EXCEPT sshd",
	"ssh*",
	".ftpd",
	"in.",
	"sshd@127.0.0.1",
	"22",
	"0",
	"vsftpd,sshd",
	"ALL EXCEPT in.* EXCEPT in.ftpd",
	"KNOWN",
};
static const char *const addrs[] = {
	"10.0.0.1", "10.0.0.5", "10.0.1.5", "10.1.2.3", "192.168.1.1", "10.0.0.50", "172.16.5.4",
};
static const char *const clients[] = {
	"10.0.0.0/24",
	"10.0.0.0/16",
	"10.0.0.0/255.255.0.0",
	"10.0.0.1/8",
	"10.0.0.0/33",
	"10.0.0.0/0",
	"10.0.0.0/8x",
	"10.0.",
	".5",
	"10.0.*.5",
	"10.0.0.?",
	"ALL",
	"ALL EXCEPT 10.0.0.5",
	"KNOWN",
	"UNKNOWN",
	"LOCAL",
	"host.example",
	"bob@10.0.0.5",
	"bob@ALL",
	"[::1]",
	"[::]/0",
	"010.0.0.1",
	"0x0a.0.0.1/32",
	"10.0.0.0/255.255.255.0 10.1.0.0/16",
	"PARANOID",
	"10.0.0.5 EXCEPT 10.0.0.5",
	"192.168.0.0/16,10.0.0.1",
	"ALL EXCEPT 10.0.0.0/24",
};
static const char *const options[] = {"", "", "", " : allow", " : deny", " : ALLOW", " : bogus"};

static void quiet(void *ctx, int prio, const char *text)
{
	(void)ctx;
	(void)prio;
	(void)text;
}

static const struct rules_hooks hooks = {quiet, NULL, NULL};

static void write_table(const char *path, unsigned lines)
{
	FILE *fp = fopen(path, "w");

	for (unsigned i = 0; i < lines; i++) {
		unsigned kind = rnd(40);

		if (kind == 0)
			fputs("# a comment\n", fp);
		else if (kind == 1)
			fputs("\n", fp);
		else if (kind == 2)
			fputs("sshd no separator\n", fp);
		else if (kind < 20)
			fprintf(fp, "%s : %s%s\n", PICK(daemons), PICK(addrs), PICK(options));
		else
			fprintf(fp, "%s : %s%s\n", PICK(daemons), PICK(clients), PICK(options));
	}
	if (rnd(6) == 0)
		fprintf(fp, "%s : %s", PICK(daemons), PICK(addrs)); /* no final newline */
	fclose(fp);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* the inotify watch: an edit of a table is seen by the next refresh, also when many other
 * files of the same directory changed just before (their events fill more than one read;
 * 48-byte events, as these names make, leave a read 16 bytes short of its 4 KiB) */
static void test_busy_directory(const char *dir, const char *allow, const char *deny)
{
	static const int noise[] = {0, 85, 300};
	char other[128];

	for (size_t k = 0; k < sizeof(noise) / sizeof(noise[0]); k++) {
		struct rules_cache c;
		struct rules_request rq;
		struct rules_result res;
		char what[128];

		write_text(allow, "");
		write_text(deny, "ALL : 10.0.0.9\n");
		rules_request_init(&rq, "sshd", &hooks, NULL);
		if (rules_cache_init(&c, allow, deny, &rq) < 0) {
			CHECK("rules_cache_init", false);
			return;
		}
		rules_cache_watch(&c); /* without inotify (qemu-user?): a stat per refresh */
		rules_cache_refresh(&c, &rq);
		for (int i = 0; i < noise[k]; i++) {
			snprintf(other, sizeof(other), "%s/other-file-%05d", dir, i);
			write_text(other, "x");
		}
		write_text(deny, "ALL : ALL\n");
		rules_request_init(&rq, "sshd", &hooks, NULL);
		rq.dry_run = true;
		rules_host_set_addr_text(&rq.client, "10.0.0.1");
		rules_cache_refresh(&c, &rq);
		rules_cache_access(&c, &rq, &res);
		snprintf(
			what, sizeof(what),
			"an edit of hosts.deny is seen at the next refresh after %d other files changed",
			noise[k]);
		CHECK(what, !res.granted && res.line == 1);
		rules_cache_free(&c);
		for (int i = 0; i < noise[k]; i++) {
			snprintf(other, sizeof(other), "%s/other-file-%05d", dir, i);
			unlink(other);
		}
	}
}

/* no_lookups (socketd's loop): a decision that needs the client's name stops and says so;
 * one that rules before the name decide is taken as usual */
static bool decide_no_lookups(const char *allow, const char *deny, const char *allow_text,
			      const char *client, bool *needs_lookup)
{
	struct rules_cache c;
	struct rules_request rq;
	struct rules_result res;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(40000)};

	write_text(allow, allow_text);
	write_text(deny, "ALL : ALL\n");
	rules_request_init(&rq, "sshd", &hooks, NULL);
	if (rules_cache_init(&c, allow, deny, &rq) < 0)
		return false;
	rq.dry_run = true;
	rq.no_lookups = true;
	inet_pton(AF_INET, client, &sin.sin_addr);
	rules_host_set_sockaddr(&rq.client, (struct sockaddr *)&sin, sizeof(sin));
	rules_cache_access(&c, &rq, &res);
	rules_cache_free(&c);
	*needs_lookup = rq.needs_lookup;
	return res.granted;
}

static void test_no_lookups(const char *allow, const char *deny)
{
	bool need, granted;

	granted = decide_no_lookups(allow, deny, "sshd : 10.0.0.1\n", "10.0.0.1", &need);
	CHECK("no_lookups: a numeric rule decides, no lookup wanted", granted && !need);
	granted = decide_no_lookups(allow, deny, "sshd : 10.0.0.1\n", "10.0.0.2", &need);
	CHECK("no_lookups: ... and numeric tables refuse without one", !granted && !need);
	decide_no_lookups(allow, deny, "sshd : .example.com\n", "10.0.0.2", &need);
	CHECK("no_lookups: a .domain rule wants the name", need);
	decide_no_lookups(allow, deny, "sshd : KNOWN\n", "10.0.0.2", &need);
	CHECK("no_lookups: KNOWN wants the name", need);
	granted = decide_no_lookups(allow, deny, "sshd : 10.0.0.1\nsshd : PARANOID\n", "10.0.0.1",
				    &need);
	CHECK("no_lookups: a numeric rule before a name rule decides alone", granted && !need);
	decide_no_lookups(allow, deny, "sshd : 10.0.0.1\nsshd : PARANOID\n", "10.0.0.2", &need);
	CHECK("no_lookups: ... and a client it does not match gets to the name rule", need);
}

int main(void)
{
	static const char *const who[] = {"sshd", "in.telnetd", "in.ftpd", "vsftpd"};
	static const char *const from[] = {
		"10.0.0.1",	   "10.0.0.5", "10.0.1.5",  "10.1.2.3",	  "192.168.1.1",
		"::ffff:10.0.0.5", "::1",      "10.0.0.50", "172.16.5.4", "010.0.0.1",
	};
	char dir[] = "/tmp/gb-cache-XXXXXX", allow[64], deny[64];
	unsigned tables = 0, decisions = 0, mismatches = 0;

	UNIT_MODULE("rules_cache");
	if (!mkdtemp(dir))
		return 1;
	snprintf(allow, sizeof(allow), "%s/allow", dir);
	snprintf(deny, sizeof(deny), "%s/deny", dir);
	for (unsigned seed = 1; seed <= 300; seed++) {
		struct rules_cache c;
		struct rules_request init;

		rng_state = seed;
		write_table(allow, rnd(30));
		write_table(deny, rnd(60));
		if (rnd(10) == 0)
			unlink(allow); /* a missing table is empty */
		rules_request_init(&init, "x", &hooks, NULL);
		if (rules_cache_init(&c, allow, deny, &init) < 0)
			return 1;
		tables++;
		for (unsigned q = 0; q < 100; q++) {
			struct rules_request a, b;
			struct rules_result ra, rb;
			const char *d = PICK(who), *cl = PICK(from);
			bool user = rnd(3) == 0;

			rules_request_init(&a, d, &hooks, NULL);
			a.dry_run = true;
			rules_host_set_addr_text(&a.client, cl);
			if (user)
				rules_set_user(&a, "bob");
			if (rnd(2)) {
				struct sockaddr_in sin = {.sin_family = AF_INET,
							  .sin_port = htons(22)};

				sin.sin_addr.s_addr = htonl(0x7f000001);
				rules_host_set_sockaddr(&a.server, (struct sockaddr *)&sin,
							sizeof(sin));
				rules_host_set_name(&a.server, "unknown");
			}
			b = a;
			b.client.rq = &b;
			b.server.rq = &b;
			rules_access(&a, allow, deny, &ra);
			rules_cache_access(&c, &b, &rb);
			decisions++;
			if (ra.granted != rb.granted || ra.line != rb.line ||
			    (ra.file == NULL) != (rb.file == NULL) ||
			    (ra.file && strcmp(ra.file, rb.file) != 0)) {
				if (mismatches++ < 5)
					printf("# seed %u: %s from %s%s: linear %s %s:%d, cache %s %s:%d\n",
					       seed, d, user ? "bob@" : "", cl,
					       ra.granted ? "granted" : "denied",
					       ra.file ? ra.file : "-", ra.line,
					       rb.granted ? "granted" : "denied",
					       rb.file ? rb.file : "-", rb.line);
			}
		}
		rules_cache_free(&c);
	}
	printf("# %u tables, %u decisions compared\n", tables, decisions);
	CHECK("cache verdict and matched line equal the linear scan on random tables",
	      mismatches == 0);
	CHECK("the comparison ran on enough decisions", decisions >= 30000);
	test_busy_directory(dir, allow, deny);
	test_no_lookups(allow, deny);
	unlink(allow);
	unlink(deny);
	rmdir(dir);
	return unit_done();
}
