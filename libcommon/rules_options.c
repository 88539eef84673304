/* The option language of hosts_options(5) as Debian builds libwrap (PROCESS_OPTIONS with
 * aclexec and group): fields split at ':' ("\:" is a colon), key and value split at the first
 * blank or '=', checked, %-expanded, traced, then run left to right. In a dry run (tcpdmatch,
 * tcpdchk) nothing is spawned, exec'd or switched to another user. */
#include "common.h"
#include "rules.h"

#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NEED_ARG = 1, OPT_ARG = 2, USE_LAST = 4, EXPAND_ARG = 8 };

struct opt_state {
	struct rules_request *rq;
	enum rules_opt_result result; /* set by allow/deny/errors */
	bool stop;
};

typedef void option_fn(struct opt_state *st, char *value);

static void fail(struct opt_state *st, const char *fmt, const char *arg)
{
	rules_error(st->rq, fmt, arg);
	st->result = RULES_OPT_DENY;
	st->stop = true;
}

/* Whole-string numbers, as libwrap's sscanf("%d%c") checks them. */
static bool parse_int(const char *s, int base, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, base);
	return end != s && *end == '\0' && errno == 0 && *out >= -2147483647L - 1 &&
		*out <= 2147483647L;
}

/* /bin/sh -c CMD with stdio on /dev/null and SIGHUP ignored; returns its wait status. */
int rules_shell_cmd(struct rules_request *rq, const char *cmd)
{
	pid_t pid = fork();
	int status = 0;

	if (pid < 0) {
		rules_warn(rq, "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd;

		signal(SIGHUP, SIG_IGN);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void opt_allow(struct opt_state *st, char *value)
{
	(void)value;
	st->result = RULES_OPT_ALLOW;
	st->stop = true;
}

static void opt_deny(struct opt_state *st, char *value)
{
	(void)value;
	st->result = RULES_OPT_DENY;
	st->stop = true;
}

static void opt_spawn(struct opt_state *st, char *value)
{
	if (!st->rq->dry_run)
		rules_shell_cmd(st->rq, value);
}

static void opt_aclexec(struct opt_state *st, char *value)
{
	int status;

	if (st->rq->dry_run) {
		st->rq->undecided |= st->rq->decide_only; /* its exit status decides */
		return;
	}
	status = rules_shell_cmd(st->rq, value);
	if (status != 0) {
		char msg[64];

		snprintf(msg, sizeof(msg), "aclexec returned %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		if (st->rq->hooks && st->rq->hooks->diag)
			st->rq->hooks->diag(st->rq->ctx, st->rq->deny_severity, msg);
		st->result = RULES_OPT_NOMATCH;
		st->stop = true;
	}
}

static void opt_twist(struct opt_state *st, char *value)
{
	struct rules_request *rq = st->rq;
	char msg[RULES_EXPAND_MAX + RULES_STRING_MAX + 16];

	if (rq->dry_run) {
		rq->delegated = true;
		rq->undecided |= rq->decide_only; /* the command, not the daemon, would serve */
		return;
	}
	snprintf(msg, sizeof(msg), "twist %s to %s", rules_client(rq), value);
	if (rq->hooks && rq->hooks->diag)
		rq->hooks->diag(rq->ctx, rq->deny_severity, msg);
	/* the command talks to the client: the connection becomes its stdin, stdout, stderr */
	if (rq->fd >= 0) {
		for (int fd = 0; fd < 3; fd++)
			if (fd != rq->fd)
				dup2(rq->fd, fd);
		if (rq->fd > 2)
			close(rq->fd);
	}
	execl("/bin/sh", "sh", "-c", value, (char *)NULL);
	rules_warn(rq, "twist option: /bin/sh: %s", strerror(errno));
	st->result = RULES_OPT_DENY;
	st->stop = true;
}

static void opt_setenv(struct opt_state *st, char *value)
{
	char *var_value = value + strcspn(value, " \t\r\n");
	const char *name;

	if (*var_value)
		*var_value++ = '\0';
	name = str_trim(value);
	/* socketd's loop (decide_only) changes no environment: its own would be changed for
	 * good, with values a client's name may choose; what setenv would refuse (tcpdmatch
	 * and tcpd report it and deny) is refused alike */
	if (st->rq->decide_only) {
		if (!*name || strchr(name, '='))
			fail(st, "%s", "memory allocation failure");
		return;
	}
	if (setenv(name, str_trim(var_value), 1) < 0)
		fail(st, "%s", "memory allocation failure");
}

static void opt_umask(struct opt_state *st, char *value)
{
	long mask;

	if (!isdigit((unsigned char)value[0]) || !parse_int(value, 8, &mask) ||
	    (mask & 0777) != mask) {
		fail(st, "bad umask value: \"%s\"", value);
		return;
	}
	if (!st->rq->decide_only) /* nor a umask: socketd's would apply to its own files */
		umask((mode_t)mask);
}

static void opt_group(struct opt_state *st, char *value)
{
	struct group *gr = getgrnam(value);

	if (!gr) {
		fail(st, "unknown group: \"%s\"", value);
		return;
	}
	if (!st->rq->dry_run && setgid(gr->gr_gid) < 0) {
		char msg[RULES_STRING_MAX + 64];

		snprintf(msg, sizeof(msg), "setgid(%s): %s", value, strerror(errno));
		fail(st, "%s", msg);
	}
}

/* Debian inverted the dry-run test here (the real tcpd never switched users); gatebox does
 * what the manual says: group (explicit or the user's), supplementary groups, then user. */
static void opt_user(struct opt_state *st, char *value)
{
	char *group = strchr(value, '.');
	struct passwd *pw;
	char msg[RULES_STRING_MAX + 64];

	if (group) {
		*group++ = '\0';
		opt_group(st, group);
		if (st->stop)
			return;
	}
	pw = getpwnam(value);
	if (!pw) {
		fail(st, "unknown user: \"%s\"", value);
		return;
	}
	if (st->rq->dry_run)
		return;
	if (!group && setgid(pw->pw_gid) < 0) {
		snprintf(msg, sizeof(msg), "setgid(%s): %s", value, strerror(errno));
		fail(st, "%s", msg);
	} else if (initgroups(value, group ? getgid() : pw->pw_gid) < 0) {
		snprintf(msg, sizeof(msg), "initgroups(%s): %s", value, strerror(errno));
		fail(st, "%s", msg);
	} else if (setuid(pw->pw_uid) < 0) {
		snprintf(msg, sizeof(msg), "setuid(%s): %s", value, strerror(errno));
		fail(st, "%s", msg);
	}
}

static void opt_nice(struct opt_state *st, char *value)
{
	long n = 10;

	if (value && !parse_int(value, 10, &n)) {
		fail(st, "bad nice value: \"%s\"", value);
		return;
	}
	errno = 0;
	if (!st->rq->dry_run && nice((int)n) == -1 && errno != 0)
		rules_warn(st->rq, "nice(%ld): %s", n, strerror(errno));
}

static void opt_keepalive(struct opt_state *st, char *value)
{
	int on = 1;

	(void)value;
	if (!st->rq->dry_run && st->rq->fd >= 0 &&
	    setsockopt(st->rq->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0)
		rules_warn(st->rq, "setsockopt SO_KEEPALIVE: %s", strerror(errno));
}

static void opt_linger(struct opt_state *st, char *value)
{
	long n;
	struct linger l;

	if (!parse_int(value, 10, &n) || n < 0) {
		fail(st, "bad linger value: \"%s\"", value);
		return;
	}
	l.l_onoff = n != 0;
	l.l_linger = (int)n;
	if (!st->rq->dry_run && st->rq->fd >= 0 &&
	    setsockopt(st->rq->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
		rules_warn(st->rq, "setsockopt SO_LINGER %ld: %s", n, strerror(errno));
}

static void opt_rfc931(struct opt_state *st, char *value)
{
	long t;

	if (value) {
		if (!parse_int(value, 10, &t) || t <= 0) {
			fail(st, "bad rfc931 timeout: \"%s\"", value);
			return;
		}
		st->rq->rfc931_timeout = (unsigned)t;
	}
	rules_user(st->rq);
}

struct syslog_name {
	const char *name;
	int value;
};

static const struct syslog_name facilities[] = {
	{"auth", LOG_AUTH},	{"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
	{"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},	    {"kern", LOG_KERN},
	{"lpr", LOG_LPR},	{"mail", LOG_MAIL},	    {"news", LOG_NEWS},
	{"syslog", LOG_SYSLOG}, {"user", LOG_USER},	    {"uucp", LOG_UUCP},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},	    {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},	    {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},	    {NULL, 0}};

static const struct syslog_name levels[] = {
	{"emerg", LOG_EMERG}, {"alert", LOG_ALERT},	{"crit", LOG_CRIT},
	{"err", LOG_ERR},     {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
	{"info", LOG_INFO},   {"debug", LOG_DEBUG},	{NULL, 0}};

static int lookup_name(const struct syslog_name *t, const char *name)
{
	for (; t->name; t++)
		if (strcasecmp(t->name, name) == 0)
			return t->value;
	return -1;
}

static void opt_severity(struct opt_state *st, char *value)
{
	char *level = strchr(value, '.');
	int fac = 0, sev;

	if (level) {
		*level++ = '\0';
		if ((fac = lookup_name(facilities, value)) < 0) {
			fail(st, "bad syslog facility or severity: \"%s\"", value);
			return;
		}
	} else {
		level = value;
	}
	if ((sev = lookup_name(levels, level)) < 0) {
		fail(st, "bad syslog facility or severity: \"%s\"", level);
		return;
	}
	st->rq->allow_severity = st->rq->deny_severity = fac | sev;
}

/* DIR/<daemon> to the client, LF turned into CRLF, each line %-expanded. */
static void opt_banners(struct opt_state *st, char *value)
{
	struct rules_request *rq = st->rq;
	char path[4096], in[RULES_EXPAND_MAX], out[2 * RULES_EXPAND_MAX];
	struct stat sb;
	FILE *fp;
	int c;

	snprintf(path, sizeof(path), "%s/%s", value, rq->daemon);
	fp = fopen(path, "re");
	if (!fp) {
		if (stat(value, &sb) < 0)
			rules_warn(rq, "%s: %s", value, strerror(errno));
		return;
	}
	while ((c = getc(fp)) == 0) /* leading NULs pass as they are */
		if (!rq->dry_run && rq->fd >= 0 && write(rq->fd, "", 1) < 0)
			break;
	if (c != EOF)
		ungetc(c, fp);
	while (fgets(in, sizeof(in) - 1, fp)) {
		char *nl = strchr(in, '\n');

		if (nl) {
			*nl = '\0';
			strcat(in, "\r\n");
		}
		if (rules_expand(rq, in, out, sizeof(out)) < 0) {
			st->result = RULES_OPT_FATAL;
			st->stop = true;
			break;
		}
		if (rq->dry_run) {
			if (rq->hooks && rq->hooks->banner)
				rq->hooks->banner(rq->ctx, out, strlen(out));
		} else if (rq->fd >= 0 && write(rq->fd, out, strlen(out)) < 0) {
			break;
		}
	}
	fclose(fp);
}

static const struct option {
	const char *name;
	option_fn *fn;
	int flags;
} options[] = {{"user", opt_user, NEED_ARG},
	       {"group", opt_group, NEED_ARG},
	       {"umask", opt_umask, NEED_ARG},
	       {"linger", opt_linger, NEED_ARG},
	       {"keepalive", opt_keepalive, 0},
	       {"spawn", opt_spawn, NEED_ARG | EXPAND_ARG},
	       {"twist", opt_twist, NEED_ARG | EXPAND_ARG | USE_LAST},
	       {"rfc931", opt_rfc931, OPT_ARG},
	       {"setenv", opt_setenv, NEED_ARG | EXPAND_ARG},
	       {"nice", opt_nice, OPT_ARG},
	       {"severity", opt_severity, NEED_ARG},
	       {"allow", opt_allow, USE_LAST},
	       {"deny", opt_deny, USE_LAST},
	       {"banners", opt_banners, NEED_ARG},
	       {"aclexec", opt_aclexec, NEED_ARG | EXPAND_ARG},
	       {NULL, NULL, 0}};

/* Next ':'-separated field of *cursor, with "\:" turned into ':' in place. */
static char *next_field(struct rules_request *rq, char **cursor)
{
	char *src = *cursor, *dst, *ret;

	if (!src || *src == '\0')
		return NULL;
	dst = ret = src;
	while (*src) {
		if (*src == ':') {
			if (*++src == '\0')
				rules_warn(rq, "rule ends in \":\"");
			break;
		}
		if (src[0] == '\\' && src[1] == ':')
			src++;
		*dst++ = *src++;
	}
	*cursor = src;
	*dst = '\0';
	return ret;
}

enum rules_opt_result rules_options_run(struct rules_request *rq, char *text)
{
	struct opt_state st = {rq, RULES_OPT_DONE, false};
	char *cursor = text, *curr, *next;
	char expanded[RULES_EXPAND_MAX];

	curr = next_field(rq, &cursor);
	for (; curr && !st.stop; curr = next) {
		const struct option *op;
		char *key, *value;

		next = next_field(rq, &cursor);
		key = str_trim(curr);
		value = key + strcspn(key, " \t\r\n=");
		if (*value) {
			if (*value != '=') {
				*value++ = '\0';
				value += strspn(value, " \t\r\n");
			}
			if (*value == '=') {
				*value++ = '\0';
				value += strspn(value, " \t\r\n");
			}
		}
		if (*value == '\0')
			value = NULL;
		if (*key == '\0') {
			fail(&st, "%s", "missing option name");
			break;
		}
		for (op = options; op->name && strcasecmp(op->name, key) != 0; op++)
			;
		if (!op->name) {
			fail(&st, "bad option name: \"%s\"", key);
			break;
		}
		if (!value && (op->flags & NEED_ARG)) {
			fail(&st, "option \"%s\" requires value", key);
			break;
		}
		if (value && !(op->flags & (NEED_ARG | OPT_ARG))) {
			fail(&st, "option \"%s\" requires no value", key);
			break;
		}
		if (next && (op->flags & USE_LAST)) {
			fail(&st, "option \"%s\" must be at end", key);
			break;
		}
		if (value && (op->flags & EXPAND_ARG)) {
			if (rules_expand(rq, value, expanded, sizeof(expanded)) < 0)
				return RULES_OPT_FATAL;
			value = str_trim(expanded);
		}
		rules_trace(rq, "option:   %s %s", key, value ? value : "");
		op->fn(&st, value);
	}
	return st.result;
}
