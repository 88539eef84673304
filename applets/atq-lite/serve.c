/* The requests of the front ends, answered from the spool. root's at/atq/atrm run them
 * in-process; atd runs them for everyone else with the identity SO_PEERCRED gave it, so
 * there is one set of rules: a user sees and removes only their own jobs, root all. */
#include "atq-lite.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <unistd.h>

void at_say(struct at_sink *s, int stream, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	s->line(s, stream, text);
}

/* One name a line, compared exactly (Debian: no trimming, no comments, 255 bytes). */
static int listed(const char *path, const char *name)
{
	FILE *f = fopen(path, "re");
	char line[256];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = strcmp(line, name) == 0;
	}
	fclose(f);
	return found;
}

bool at_permitted(uid_t uid)
{
	struct passwd *pw;
	int r;

	if (uid == 0)
		return true;
	if (!(pw = getpwuid(uid)))
		return false;
	r = listed(paths_get(PATHS_AT_ALLOW), pw->pw_name);
	if (r >= 0)
		return r == 1;
	if (errno != ENOENT)
		return false; /* an at.allow that cannot be read (EMFILE, EIO) allows no one */
	r = listed(paths_get(PATHS_AT_DENY), pw->pw_name);
	return r == 0; /* neither file: root only */
}

struct list_ctx {
	struct at_sink *out;
	uid_t uid;
};

static int list_one(void *ctx, const char *fname, const struct spool_name *n)
{
	struct list_ctx *l = ctx;

	if (n && (l->uid == 0 || n->uid == l->uid))
		l->out->line(l->out, 1, fname);
	return 0;
}

/* every operand all digits, checked before anything is done (Debian) */
static int job_ids(char *args, unsigned long *ids, int max, struct at_sink *out)
{
	int n = 0;

	for (char *t; (t = str_token(&args, " ")) != NULL;) {
		unsigned long v;

		if (opt_ulong(t, 10, 0, 0x7fffffff, &v) < 0) {
			at_say(out, 2, "at: unknown jobid: %s", t);
			return -1;
		}
		if (n == max) {
			at_say(out, 2, "at: too many jobs in one request");
			return -1;
		}
		ids[n++] = v;
	}
	return n;
}

static void name_of(const struct spool_name *n, char *buf, size_t size)
{
	spool_format_name(buf, size, n);
}

static int remove_jobs(int dirfd, uid_t uid, char *args, struct at_sink *out)
{
	unsigned long ids[256];
	int n = job_ids(args, ids, 256, out), rc = 0;

	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct spool_name sn = {0};
		char name[SPOOL_NAME_MAX];

		if (spool_find(dirfd, ids[i], &sn) < 0) {
			at_say(out, 2, "Cannot find jobid %lu", ids[i]);
			rc = 1;
			continue;
		}
		if (uid != 0 && sn.uid != uid) {
			at_say(out, 2, "%lu: Not owner", ids[i]);
			return 1;
		}
		/* as Debian: the running job goes on; its result still arrives */
		if (sn.state == SPOOL_RUNNING)
			at_say(out, 2, "Warning: deleting running job");
		name_of(&sn, name, sizeof(name));
		if (unlinkat(dirfd, name, 0) < 0) {
			at_say(out, 2, "%lu: %s", ids[i], strerror(errno));
			rc = 1;
		}
		if (sn.state == SPOOL_DONE) { /* and a running file a crash left beside it */
			sn.state = SPOOL_RUNNING;
			name_of(&sn, name, sizeof(name));
			unlinkat(dirfd, name, 0);
		}
		fsync(dirfd);
	}
	return rc;
}

/* cat: the job files; result: the result files (the name, then the contents) */
static int show_jobs(int dirfd, uid_t uid, char *args, bool results, struct at_sink *out)
{
	unsigned long ids[256];
	int n = job_ids(args, ids, 256, out), rc = 0;

	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct spool_name sn = {0};
		char name[SPOOL_NAME_MAX], *buf;
		size_t len;
		bool ok;

		ok = spool_find(dirfd, ids[i], &sn) == 0 && (uid == 0 || sn.uid == uid);
		if (ok && results)
			ok = sn.state == SPOOL_DONE || sn.state == SPOOL_INTERRUPTED;
		if (ok && !results)
			ok = sn.state != SPOOL_DONE;
		if (!ok) {
			at_say(out, 2, results ? "No result for job %lu" : "Cannot find jobid %lu",
			       ids[i]);
			rc = 1;
			continue;
		}
		name_of(&sn, name, sizeof(name));
		if (results)
			out->line(out, 1, name);
		if (results && sn.state == SPOOL_INTERRUPTED)
			continue;
		if (spool_read(dirfd, name, &buf, &len, 64u << 20) < 0) {
			at_say(out, 2, "%lu: %s", ids[i], strerror(errno));
			rc = 1;
			continue;
		}
		out->blob(out, buf, len);
		free(buf);
	}
	return rc;
}

/* result without operands: the name and contents of every result the asker may see */
struct results_ctx {
	int dirfd;
	struct at_sink *out;
	uid_t uid;
};

static int result_one(void *ctx, const char *fname, const struct spool_name *n)
{
	struct results_ctx *r = ctx;
	char *buf;
	size_t len;

	if (!n || (r->uid != 0 && n->uid != r->uid))
		return 0;
	if (n->state == SPOOL_INTERRUPTED)
		r->out->line(r->out, 1, fname);
	if (n->state != SPOOL_DONE || spool_read(r->dirfd, fname, &buf, &len, 64u << 20) < 0)
		return 0;
	r->out->line(r->out, 1, fname);
	r->out->blob(r->out, buf, len);
	free(buf);
	return 0;
}

/* A mail name is a login name: it reaches sendmail's argv, never a shell. */
static bool user_ok(const char *u)
{
	if (!*u || *u == '-' || strlen(u) >= SPOOL_USER_MAX)
		return false;
	for (const char *p = u; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("._-@", *p))
			return false;
	return true;
}

static int submit(int dirfd, const struct at_cred *who, char *args, const char *body, size_t len,
		  struct at_sink *out)
{
	struct spool_job j;
	char *q = str_token(&args, " "), *due = str_token(&args, " "),
	     *mail = str_token(&args, " "), *rerun = str_token(&args, " "),
	     *user = str_token(&args, " ");
	char *end;

	memset(&j, 0, sizeof(j));
	if (!user || str_token(&args, " ") || strlen(q) != 1 || !spool_queue_ok(q[0]) ||
	    !user_ok(user) || (strcmp(mail, "0") && strcmp(mail, "1") && strcmp(mail, "-1")) ||
	    (strcmp(rerun, "0") && strcmp(rerun, "1"))) {
		at_say(out, 2, "at: bad request");
		return 1;
	}
	j.due = strtoll(due, &end, 10);
	if (*end || end == due || j.due > (1LL << 40) || j.due < -(1LL << 40)) {
		at_say(out, 2, "at: bad request");
		return 1;
	}
	j.queue = q[0];
	j.mail = atoi(mail);
	j.rerun = rerun[0] == '1';
	str_copy(j.user, sizeof(j.user), user);
	j.uid = who->uid;
	j.gid = who->gid;
	j.ngroups = who->ngroups;
	memcpy(j.groups, who->groups, sizeof(gid_t) * (size_t)who->ngroups);
	if (spool_submit(dirfd, &j, body, len) < 0) {
		at_say(out, 2, "at: cannot queue the job: %s", strerror(errno));
		return 1;
	}
	at_say(out, 1, "%lu", j.id);
	return 0;
}

int at_serve(int dirfd, const struct at_cred *who, const char *req, const char *payload,
	     size_t plen, struct at_sink *out)
{
	char buf[AT_REQUEST_MAX], *args = buf, *verb;

	if (str_copy(buf, sizeof(buf), req) < 0 || !(verb = str_token(&args, " "))) {
		at_say(out, 2, "at: bad request");
		return 1;
	}
	if (!at_permitted(who->uid)) {
		at_say(out, 2, "You do not have permission to use %s.",
		       strcmp(verb, "list") == 0	 ? "atq"
			       : strcmp(verb, "rm") == 0 ? "atrm"
							 : "at");
		return 1;
	}
	if (strcmp(verb, "list") == 0) {
		struct list_ctx l = {out, who->uid};

		return spool_scan(dirfd, list_one, &l) < 0 ? 1 : 0;
	}
	if (strcmp(verb, "rm") == 0)
		return remove_jobs(dirfd, who->uid, args, out);
	if (strcmp(verb, "cat") == 0 || (strcmp(verb, "result") == 0 && *args))
		return show_jobs(dirfd, who->uid, args, verb[0] == 'r', out);
	if (strcmp(verb, "result") == 0) {
		struct results_ctx r = {dirfd, out, who->uid};

		return spool_scan(dirfd, result_one, &r) < 0 ? 1 : 0;
	}
	if (strcmp(verb, "submit") == 0)
		return submit(dirfd, who, args, payload, plen, out);
	at_say(out, 2, "at: unknown request %s", verb);
	return 1;
}
