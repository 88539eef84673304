/* atq-lite: at, batch, atq, atrm and atd as Debian's at 3.2.5 presents them (spec/at.md),
 * with a crash-safe spool, no setuid bit and no sendmail needed. root works on the spool
 * directly; other users go through atd's socket, authorised by SO_PEERCRED. */
//applet:atq-lite ATQ_LITE atq_lite_main
//applet:at ATQ_LITE atq_lite_main
//applet:batch ATQ_LITE atq_lite_main
//applet:atq ATQ_LITE atq_lite_main
//applet:atrm ATQ_LITE atq_lite_main
//applet:atd ATQ_LITE atq_lite_main
//usage:at Usage: at [-V] [-q x] [-f file] [-u username] [-mMlbvR] timespec ...
//usage:at        at [-V] [-q x] [-f file] [-u username] [-mMlbvR] -t time
//usage:at        at -c job ...
//usage:at        at -s [job ...]       results: exit status and output tail
//usage:at        at [-V] -l [-q x]
//usage:at        atq [-V] [-q x] [-o timeformat] [job ...]
//usage:at        at [ -rd ] job ...
//usage:at        atrm [-V] job ...
//usage:at        batch
//usage:at        at --dry-run [-t time] timespec ...   print the time, queue nothing
//usage:at -R: run again if a crash interrupted the job (default: listed as interrupted)
//usage:batch Usage: batch   (at -q b now; the job waits for a low load average)
//usage:atq Usage: atq [-V] [-q x] [-o timeformat] [job ...]
//usage:atrm Usage: atrm [-V] job ...
//usage:atq-lite Usage: atq-lite at|batch|atq|atrm|atd [ARGS...]
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

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char debian_usage[] =
	"Usage: at [-V] [-q x] [-f file] [-u username] [-mMlbv] timespec ...\n"
	"       at [-V] [-q x] [-f file] [-u username] [-mMlbv] -t time\n"
	"       at -c job ...\n"
	"       at [-V] -l [-o timeformat] [job ...]\n"
	"       atq [-V] [-q x] [-o timeformat] [job ...]\n"
	"       at [ -rd ] job ...\n"
	"       atrm [-V] job ...\n"
	"       batch\n";

static _Noreturn void usage(void)
{
	fputs(debian_usage, stderr);
	exit(1);
}

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
	fprintf(stderr, "%s%s\n", strcmp(err, TIMESPEC_ERR_PAST) == 0 ? "at: " : "", err);
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
		touch = opt_arg;
	}
	when = at_parse_time(argc - opt_ind, argv + opt_ind, touch, now);
	at_iso8601(out, sizeof(out), when);
	printf("%s\n", out);
	return 0;
}

/* --- talking to the spool: in-process for root, through atd for the others ----------- */

static void print_line(struct at_sink *s, int stream, const char *text)
{
	(void)s;
	fprintf(stream == 1 ? stdout : stderr, "%s\n", text);
}

static void print_blob(struct at_sink *s, const char *data, size_t len)
{
	(void)s;
	fwrite(data, 1, len, stdout);
}

static int request(const char *req, const char *payload, size_t plen, struct at_sink *out)
{
	char path[128];
	int rc, dirfd;

	if (geteuid() == 0) {
		struct at_cred who = {0, getegid(), {0}, 0};
		int ng = getgroups(SPOOL_MAX_GROUPS, who.groups);

		who.ngroups = ng > 0 ? ng : 0;
		dirfd = spool_open(paths_get(PATHS_SPOOL_DIR), true);
		if (dirfd < 0)
			die_errno(1, "%s", paths_get(PATHS_SPOOL_DIR));
		rc = at_serve(dirfd, &who, req, payload, plen, out);
		close(dirfd);
		return rc;
	}
	at_socket_path(path, sizeof(path));
	rc = at_call(path, req, payload, plen, out);
	if (rc < 0)
		die(1, "cannot reach atd (%s: %s): it must run for users other than root", path,
		    strerror(errno));
	return rc;
}

/* --- atq ------------------------------------------------------------------------------ */

struct entry {
	struct spool_name n;
	char *blob; /* at -s: the result file (NULL: interrupted) */
	size_t bloblen;
};

struct entries {
	struct at_sink s;
	struct entry *v;
	size_t n, cap;
};

static void collect_name(struct at_sink *s, int stream, const char *text)
{
	struct entries *l = s->ctx;

	if (stream != 1) {
		print_line(s, stream, text);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	if (spool_parse_name(text, &l->v[l->n].n) == 0) {
		l->v[l->n].blob = NULL;
		l->n++;
	}
}

static void collect_blob(struct at_sink *s, const char *data, size_t len)
{
	struct entries *l = s->ctx;

	if (l->n > 0 && !l->v[l->n - 1].blob) {
		l->v[l->n - 1].blob = xmalloc(len + 1);
		memcpy(l->v[l->n - 1].blob, data, len);
		l->v[l->n - 1].bloblen = len;
	}
}

static int by_due(const void *a, const void *b)
{
	const struct spool_name *x = &((const struct entry *)a)->n,
				*y = &((const struct entry *)b)->n;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int fetch(const char *req, struct entries *l)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->s = (struct at_sink){collect_name, collect_blob, l};
	rc = request(req, "", 0, &l->s);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), by_due);
	return rc;
}

static void free_entries(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].blob);
	free(l->v);
}

static const char *user_name(unsigned long uid)
{
	static unsigned long cached = (unsigned long)-1;
	static char name[SPOOL_USER_MAX];
	struct passwd *pw;

	if (uid != cached) { /* 10,000 jobs of one user: one passwd lookup */
		cached = uid;
		pw = getpwuid((uid_t)uid);
		str_copy(name, sizeof(name), pw ? pw->pw_name : "");
	}
	return name;
}

static void format_time(char *out, size_t size, long long t, const char *fmt)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	if (strftime(out, size, fmt, &tm) == 0)
		out[0] = '\0';
}

#define DATE_FMT "%a %b %e %T %Y"

/* the queue a listing shows: '=' while running (as Debian's), '!' once interrupted */
static int shown_queue(const struct spool_name *n)
{
	return n->state == SPOOL_RUNNING ? '=' : n->state == SPOOL_INTERRUPTED ? '!' : n->queue;
}

/* "ID<TAB>DATE Q USER", Debian's atq line */
static void job_line(const struct spool_name *n, const char *fmt, const char *tail)
{
	char when[128];
	const char *u = user_name(n->uid);
	char q = (char)shown_queue(n);

	format_time(when, sizeof(when), n->due, fmt);
	printf("%lu\t%s %c%s%s%s\n", n->id, when, q, *u ? " " : "", u, tail);
}

static int atq(int argc, char **argv, int queue, const char *fmt)
{
	struct entries l;
	int rc;

	for (int i = 0; i < argc; i++) {
		unsigned long v;

		if (opt_ulong(argv[i], 10, 0, ULONG_MAX, &v) < 0)
			die(1, "invalid job number");
	}
	rc = fetch("list", &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct spool_name *n = &l.v[i].n;
		bool show = argc == 0 || queue;

		/* -q =: the running jobs, as Debian's (their files are in queue '=' there) */
		if (n->state == SPOOL_DONE || (queue && shown_queue(n) != queue))
			continue;
		/* Debian: -q lists the whole queue, job operands are then ignored */
		for (int k = 0; !show && k < argc; k++)
			show = strtoul(argv[k], NULL, 10) == n->id;
		if (show)
			job_line(n, fmt, "");
	}
	free_entries(&l);
	return rc;
}

/* --- at -s: results ------------------------------------------------------------------- */

static void outcome(char *out, size_t size, const struct spool_result *r)
{
	if (strcmp(r->status_kind, "exited") == 0)
		str_printf(out, size, "exit %d", r->status);
	else if (strcmp(r->status_kind, "failed") == 0)
		str_printf(out, size, "could not start (status %d)", r->status);
	else
		str_printf(out, size, "signal %d%s", r->status,
			   strcmp(r->status_kind, "dumped") == 0 ? " (core dumped)" : "");
}

static int results(int argc, char **argv)
{
	char req[AT_REQUEST_MAX] = "result", what[64], t1[64], t2[64];
	struct entries l;
	int rc;

	for (int i = 0; i < argc; i++)
		if (str_append(req, sizeof(req), " ") < 0 ||
		    str_append(req, sizeof(req), argv[i]) < 0)
			die(1, "too many jobs");
	rc = fetch(req, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct entry *e = &l.v[i];
		struct spool_result r;
		const char *err;
		int line;

		if (!e->blob) {
			job_line(&e->n, DATE_FMT,
				 argc ? "\tinterrupted: started, never finished (not run again)"
				      : "\tinterrupted");
			continue;
		}
		if (spool_parse_result(e->blob, e->bloblen, &r, &err, &line) < 0) {
			fprintf(stderr, "at: result of job %lu: line %d: %s\n", e->n.id, line, err);
			rc = 1;
			continue;
		}
		outcome(what, sizeof(what), &r);
		if (!argc) {
			str_printf(t1, sizeof(t1), "\t%s, %llu bytes of output", what, r.output);
			job_line(&e->n, DATE_FMT, t1);
			continue;
		}
		format_time(t1, sizeof(t1), r.started, DATE_FMT);
		format_time(t2, sizeof(t2), r.finished, DATE_FMT);
		job_line(&e->n, DATE_FMT, "");
		printf("started %s, finished %s: %s\n", t1, t2, what);
		if (r.output > r.tail_len)
			printf("output: %llu bytes, the last %zu kept:\n", r.output, r.tail_len);
		else
			printf("output: %llu bytes\n", r.output);
		fwrite(e->blob + r.tail_off, 1, r.tail_len, stdout);
		if (r.tail_len && e->blob[r.tail_off + r.tail_len - 1] != '\n')
			putchar('\n');
	}
	free_entries(&l);
	return rc;
}

/* --- submission ----------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void adds(struct buf *b, const char *s)
{
	add(b, s, strlen(s));
}

/* single quotes take every byte literally; a quote itself is closed, escaped, reopened */
static void add_quoted(struct buf *b, const char *s)
{
	adds(b, "'");
	for (const char *q; (q = strchr(s, '\'')) != NULL; s = q + 1) {
		add(b, s, (size_t)(q - s));
		adds(b, "'\\''");
	}
	adds(b, s);
	adds(b, "'");
}

/* What Debian drops (its deny list; SHELL too, which its prefix match drops: the job's shell
 * is /bin/sh whatever it says), and what looks like a secret (Debian writes those to disk:
 * passwords, tokens, keys, agent sockets). docs/at.md lists the rule. */
static bool env_kept(const char *name, size_t len)
{
	static const char *const drop[] = {"TERM",	    "DISPLAY", "_",	 "SHELLOPTS",
					   "BASH_VERSINFO", "EUID",    "GROUPS", "PPID",
					   "UID",	    "SHELL",   "BASH"};
	static const char *const secret[] = {"PASS",   "SECRET", "TOKEN", "KEY",   "CRED",
					     "COOKIE", "AUTH",	 "AGENT", "KRB5CC"};
	char up[128];

	if (len == 0 || len >= sizeof(up) || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;
		up[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	up[len] = '\0';
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (strcmp(up, drop[i]) == 0 && strncmp(name, drop[i], len) == 0)
			return false;
	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (strstr(up, secret[i]))
			return false;
	return true;
}

extern char **environ;

static void job_prologue(struct buf *b)
{
	char line[64], *cwd;
	mode_t um = umask(0);

	umask(um);
	snprintf(line, sizeof(line), "umask %o\n", (unsigned)um);
	adds(b, line);
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');

		if (!eq || !env_kept(*e, (size_t)(eq - *e)))
			continue;
		add(b, *e, (size_t)(eq - *e) + 1);
		add_quoted(b, eq + 1);
		adds(b, "; export ");
		add(b, *e, (size_t)(eq - *e));
		adds(b, "\n");
	}
	if (!(cwd = getcwd(NULL, 0)))
		die_errno(1, "Cannot get current working directory");
	adds(b, "cd ");
	add_quoted(b, cwd);
	adds(b, " || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\n");
	free(cwd);
}

static void read_body(struct buf *b, const char *file)
{
	int fd = 0;
	bool tty = !file && isatty(0);
	char chunk[4096];

	if (file && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "Cannot open input file %s: %s\n", file, strerror(errno));
		exit(1);
	}
	if (tty) { /* Debian's prompt, a line at a time */
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		for (;;) {
			fputs("at> ", stderr);
			if ((n = getline(&line, &cap, stdin)) <= 0)
				break;
			add(b, line, (size_t)n);
		}
		fputs("<EOT>\n", stderr);
		free(line);
		return;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno(1, "%s", file ? file : "standard input");
		if (n == 0)
			break;
		add(b, chunk, (size_t)n);
		if (b->len > (16u << 20))
			die(1, "%s: job too large", file ? file : "standard input");
	}
	if (fd > 0)
		close(fd);
}

static void mail_name(char *out, size_t size, const char *opt_user)
{
	const char *l = getenv("LOGNAME");
	struct passwd *pw;

	if (opt_user) {
		if (!getpwnam(opt_user))
			die(1, "Cannot find username %s", opt_user);
		str_copy(out, size, opt_user);
		return;
	}
	if (l && *l && *l != '-' && strlen(l) < size && !strpbrk(l, " \t\n/")) {
		str_copy(out, size, l);
		return;
	}
	pw = getpwuid(getuid());
	str_copy(out, size, pw ? pw->pw_name : "nobody");
}

static void discard_line(struct at_sink *s, int stream, const char *text)
{
	(void)s;
	(void)stream;
	(void)text;
}

struct submit_ctx {
	struct at_sink s;
	unsigned long id;
	bool got;
};

static void got_id(struct at_sink *s, int stream, const char *text)
{
	struct submit_ctx *c = s->ctx;

	if (stream == 1) {
		c->id = strtoul(text, NULL, 10);
		c->got = true;
	} else {
		print_line(s, stream, text);
	}
}

static int submit(int queue, time_t when, const char *file, int mail, bool rerun,
		  const char *opt_user, bool verbose, bool warn)
{
	struct buf b = {NULL, 0, 0};
	struct submit_ctx c = {{got_id, print_blob, NULL}, 0, false};
	char req[AT_REQUEST_MAX], user[SPOOL_USER_MAX], date[64], path[128];
	int rc;

	c.s.ctx = &c;
	mail_name(user, sizeof(user), opt_user);
	if (verbose) {
		format_time(date, sizeof(date), when, DATE_FMT);
		fprintf(stderr, "%s\n\n", date);
	}
	if (warn)
		fputs("warning: commands will be executed using /bin/sh\n", stderr);
	job_prologue(&b);
	read_body(&b, file);
	adds(&b, "\n"); /* Debian's extra newline: a last line without one still runs */
	/* as Debian: the message keeps -t's seconds, the job runs on the minute */
	snprintf(req, sizeof(req), "submit %c %lld %d %d %s", queue,
		 (long long)when - (((long long)when % 60) + 60) % 60, mail, rerun, user);
	rc = request(req, b.p, b.len, &c.s);
	free(b.p);
	if (rc != 0 || !c.got)
		return rc ? rc : 1;
	format_time(date, sizeof(date), when, DATE_FMT);
	fprintf(stderr, "job %lu at %s\n", c.id, date);
	if (geteuid() == 0) { /* atd learns of the new job (users' jobs went through it) */
		struct at_sink quiet = {discard_line, print_blob, NULL};

		at_socket_path(path, sizeof(path));
		if (at_call(path, "wake", "", 0, &quiet) < 0)
			fprintf(stderr, "Can't connect to %s to wake atd. No atd running?\n", path);
	}
	return 0;
}

/* --- the front ends ------------------------------------------------------------------- */

static int list_request(const char *verb, int argc, char **argv)
{
	char req[AT_REQUEST_MAX];
	struct at_sink out = {print_line, print_blob, NULL};

	str_copy(req, sizeof(req), verb);
	for (int i = 0; i < argc; i++)
		if (str_append(req, sizeof(req), " ") < 0 ||
		    str_append(req, sizeof(req), argv[i]) < 0)
			die(1, "too many jobs");
	return request(req, "", 0, &out);
}

static int version(void)
{
	fprintf(stderr, "at version 3.2.5 (gatebox atq-lite %s)\n", GATEBOX_VERSION);
	return 0;
}

int atq_lite_main(int argc, char **argv)
{
	const char *name = applet_name, *file = NULL, *touch = NULL, *user = NULL;
	const char *fmt = DATE_FMT;
	/* static: still reachable when an applet path exits (the leak checker's view) */
	static char **ops;
	int nops = 0, c, queue = 0, mail = 0;
	bool verbose = false, rerun = false, show_version = false, batch_flag = false;
	char mode = 0;

	ops = xcalloc((size_t)argc + 1, sizeof(char *));
	if (strcmp(name, "atq-lite") == 0) {
		if (argc < 2)
			applet_usage_exit(1);
		argv++;
		argc--;
		name = str_basename(argv[0]);
		applet_name = name;
		log_open(name, false, LOG_DAEMON);
	}
	if (strcmp(name, "atd") == 0)
		return atd_main(argc, argv);
	if (strcmp(name, "at") == 0 && argc > 1 && strcmp(argv[1], "--dry-run") == 0) {
		argv[1] = argv[0];
		return dry_run(argc - 1, argv + 1);
	}
	if (strcmp(name, "batch") == 0) {
		if (argc > 1) {
			fputs("batch accepts no parameters\n", stderr);
			return 1;
		}
		queue = 'b';
		mode = 'b';
	}
	if (strcmp(name, "atq") == 0)
		mode = 'l';
	if (strcmp(name, "atrm") == 0)
		mode = 'r';
	opt_reset();
	/* GNU getopt's order: operands and options mix ("at now + 1 minute -m") */
	while ((c = opt_getopt(argc, argv,
			       mode == 'l'	     ? "-q:o:V"
				       : mode == 'r' ? "-V"
						     : "-q:f:u:mMvt:lrdbcVhsRo:")) != -1) {
		switch (c) {
		case 1:
			ops[nops++] = opt_arg;
			break;
		case 'q':
			/* '=' and '!' (running, interrupted) only list: checked below */
			if (strlen(opt_arg) != 1 ||
			    (!spool_queue_ok((unsigned char)opt_arg[0]) &&
			     !strchr("=!", opt_arg[0])))
				usage();
			queue = (unsigned char)opt_arg[0];
			break;
		case 'f':
			file = opt_arg;
			break;
		case 'u':
			user = opt_arg;
			break;
		case 'm':
			mail = 1;
			break;
		case 'M':
			mail = -1;
			break;
		case 'v':
			verbose = true;
			break;
		case 't':
			touch = opt_arg;
			break;
		case 'R':
			rerun = true;
			break;
		case 'o':
			fmt = opt_arg;
			break;
		case 'V':
			show_version = true;
			break;
		case 'b':
			batch_flag = true;
			break;
		case 'l':
		case 'r':
		case 'd':
		case 'c':
		case 's':
			mode = c == 'd' ? 'r' : (char)c;
			break;
		default:
			usage();
		}
	}
	while (opt_ind < argc)
		ops[nops++] = argv[opt_ind++];
	if (show_version) {
		version();
		if (!nops && !mode && !touch)
			return 0;
	}
	if ((queue == '=' || queue == '!') && mode != 'l')
		usage(); /* Debian queues a job that never runs: refused here */
	switch (mode) {
	case 'l':
		return atq(nops, ops, queue, fmt);
	case 'r':
		if (!nops)
			usage();
		return list_request("rm", nops, ops);
	case 'c':
		if (!nops)
			usage();
		return list_request("cat", nops, ops);
	case 's':
		return results(nops, ops);
	case 'b':
		return submit('b', time(NULL), file, mail, rerun, user, verbose, true);
	default:
		break;
	}
	if (batch_flag) {
		if (nops || touch)
			die(1, "batch accepts no parameters");
		queue = queue ? (queue >= 'a' && queue <= 'z' ? queue - 32 : queue) : 'b';
		return submit(queue, time(NULL), file, mail, rerun, user, verbose, false);
	}
	return submit(queue ? queue : 'a', at_parse_time(nops, ops, touch, time(NULL)), file, mail,
		      rerun, user, verbose, true);
}
