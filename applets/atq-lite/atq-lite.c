/* atq-lite: at, batch, atq, atrm and atd as Debian's at 3.2.5 presents them (spec/at.md),
 * with a crash-safe spool, no setuid bit and no sendmail needed. root works on the spool
 * directly; other users go through atd's socket, authorised by SO_PEERCRED. */
//applet:atq-lite ATQ_LITE atq_lite_main
//applet:at ATQ_LITE atq_lite_main
//applet:batch ATQ_LITE atq_lite_main
//applet:atq ATQ_LITE atq_lite_main
//applet:atrm ATQ_LITE atq_lite_main
//applet:atd ATQ_LITE atq_lite_main
//usage:at Usage: at [-V] [-q x] [-f file] [-u username] [-mMvR] timespec ...
//usage:at        at [-V] [-q x] [-f file] [-u username] [-mMvR] -t time
//usage:at        at -c job [job...]
//usage:at        at -s [job...]     results of finished and interrupted jobs
//usage:at        atq [-V] [-q x] [-o fmt]
//usage:at        at [ -rd ] job [job...]
//usage:at        atrm [-V] job [job...]
//usage:at        batch
//usage:at        at -b
//usage:at        at --dry-run [-t time] timespec ...   print the time (ISO 8601) and exit
//usage:atd Usage: atd [-f] [-d] [-n] [-l load] [-b interval]
//usage:atd   -f        foreground (log to syslog unless -d)
//usage:atd   -d        debug: foreground, log to stderr
//usage:atd   -n        check every file of the spool, print problems, exit 1 on any
//usage:atd   -l LOAD   run batch jobs only below this load average (default 1.5)
//usage:atd   -b SECS   at least SECS between two batch job starts (default 60)
//config:config ATQ_LITE
//config:	bool "atq-lite: at, batch, atq, atrm, atd (no setuid, crash-safe spool)"
//config:	default y
//config:	help
//config:	  Debian at 3.2.5's front ends and daemon. Jobs of other users than root go
//config:	  through atd's control socket (RUN_DIR/atd.ctl), authorised by SO_PEERCRED.
//config:
//config:config AT_SENDMAIL
//config:	string "sendmail for at -m (empty: never mail)"
//config:	default "/usr/sbin/sendmail"
//config:	depends on ATQ_LITE
//config:	help
//config:	  Used only when this file exists and is executable; the output tail and the
//config:	  exit status are kept in the spool either way (at -s).
//config:
//config:config AT_OUTPUT_TAIL
//config:	int "Bytes of a job's output kept in the spool (the tail)"
//config:	default 4096
//config:	range 0 1048576
//config:	depends on ATQ_LITE
//config:
//config:config AT_KEEP_RESULTS
//config:	int "Results of finished jobs kept in the spool (oldest removed first)"
//config:	default 100
//config:	range 1 100000
//config:	depends on ATQ_LITE
//config:
//config:config AT_MAX_JOB
//config:	int "Largest job (bytes) atd accepts from a user over its socket"
//config:	default 262144
//config:	range 4096 16777216
//config:	depends on ATQ_LITE
#include "atq-lite.h"
#include "timespec.h"

#include <time.h>
#include <unistd.h>

/* ISO 8601 local time with the offset as +hh:mm (strftime's %z has no colon) */
void at_iso8601(char *out, size_t size, time_t t)
{
	struct tm tm;
	char z[8];

	localtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);
	if (strlen(z) == 5)
		str_printf(out + strlen(out), size - strlen(out), "%.3s:%s", z, z + 3);
}

/* Debian prints the parser's lines as they come, and prefixes only the "past" refusal. */
_Noreturn void at_time_error(const char *err)
{
	fprintf(stderr, "%s%s\n", strstr(err, "in the past") ? "at: " : "", err);
	exit(1);
}

time_t at_parse_time(int argc, char **argv, const char *touch, time_t now)
{
	const char *err = "Garbled time";
	time_t when;

	if (touch && argc > 0)
		at_time_error("Cannot give time twice.");
	if (touch) {
		if (timespec_parse_touch(touch, now, &when, &err) < 0)
			at_time_error(err);
	} else if (argc == 0 || timespec_parse(argc, argv, now, &when, &err) < 0) {
		at_time_error(err);
	}
	return when;
}

/* at --dry-run: the computed time and nothing else; GATEBOX_AT_NOW fixes "now" (epoch
 * seconds) for scripts and differential tests, and only here. */
static int dry_run(int argc, char **argv)
{
	const char *touch = NULL, *fixed = getenv("GATEBOX_AT_NOW");
	time_t now = time(NULL), when;
	char out[64];
	int c;

	if (fixed && *fixed) {
		char *end;
		long long v = strtoll(fixed, &end, 10);

		if (*end)
			die(1, "GATEBOX_AT_NOW: not a number of seconds: %s", fixed);
		now = (time_t)v;
	}
	opt_reset();
	while ((c = opt_getopt(argc, argv, "+t:")) != -1) {
		if (c != 't')
			applet_usage_exit(1);
		touch = optarg;
	}
	when = at_parse_time(argc - optind, argv + optind, touch, now);
	at_iso8601(out, sizeof(out), when);
	printf("%s\n", out);
	return 0;
}

int atq_lite_main(int argc, char **argv)
{
	const char *name = applet_name;

	if (strcmp(name, "atq-lite") == 0) {
		if (argc < 2)
			applet_usage_exit(1);
		argv++;
		argc--;
		name = str_basename(argv[0]);
	}
	if (strcmp(name, "at") == 0 && argc > 1 && strcmp(argv[1], "--dry-run") == 0) {
		argv[1] = argv[0];
		return dry_run(argc - 1, argv + 1);
	}
	die(1, "%s: not implemented yet", name);
}
