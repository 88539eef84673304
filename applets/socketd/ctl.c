/* socketd's control socket (libcommon/ctl.h protocol): svcctl's verbs that need the manager.
 * Every client is non-blocking with a bounded request, a bounded reply and a deadline, so a
 * slow or hostile client cannot stall the event loop. Verbs that change state need uid 0
 * (by SO_PEERCRED); anyone may read status. */
#include "socketd.h"
#include "ctl.h"
#include "install.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_DEADLINE_US 5000000

int sd_ctl_open(struct sd_state *st)
{
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	const char *run = paths_get(PATHS_RUN_DIR);
	int fd;

	for (int i = 0; i < SD_MAX_CLIENTS; i++)
		st->clients[i].fd = -1;
	if (st->ctl_fd >= 0) { /* taken over from the process before daemon-reexec */
		str_printf(st->ctl_path, sizeof(st->ctl_path), "%s/%s", run, CTL_SOCKET_NAME);
		return 0;
	}
	if (mkdir(run, 0755) < 0 && errno != EEXIST) {
		log_errno(LOG_WARNING, "control socket: %s", run);
		return -1;
	}
	if (str_printf(st->ctl_path, sizeof(st->ctl_path), "%s/%s", run, CTL_SOCKET_NAME) < 0) {
		log_msg(LOG_WARNING, "control socket: %s: path too long", run);
		return -1;
	}
	memcpy(su.sun_path, st->ctl_path, strlen(st->ctl_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(st->ctl_path); /* a stale one from a socketd that died */
	if (bind(fd, (struct sockaddr *)&su, sizeof(su)) < 0 || chmod(st->ctl_path, 0666) < 0 ||
	    listen(fd, 16) < 0) {
		log_errno(LOG_WARNING, "control socket %s", st->ctl_path);
		close(fd);
		return -1;
	}
	st->ctl_fd = fd;
	return 0;
}

static void drop(struct sd_client *c)
{
	close(c->fd);
	free(c->out);
	free(c->in);
	ctl_reply_free(&c->pending);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* --- status text ----------------------------------------------------------------------- */

static void timestamp(char *out, size_t size, long long us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
}

/* systemd's relative time: the coarsest fitting form, then "ago" */
static void relative(char *out, size_t size, long long us_ago)
{
	long long s = us_ago / 1000000;

	if (us_ago < 1000)
		snprintf(out, size, "%lldus ago", us_ago);
	else if (s < 1)
		snprintf(out, size, "%lldms ago", us_ago / 1000);
	else if (s < 60)
		snprintf(out, size, "%llds ago", s);
	else if (s < 300)
		snprintf(out, size, "%lldmin %llds ago", s / 60, s % 60);
	else if (s < 3600)
		snprintf(out, size, "%lldmin ago", s / 60);
	else if (s < 6 * 3600)
		snprintf(out, size, "%lldh %lldmin ago", s / 3600, s % 3600 / 60);
	else if (s < 25 * 3600)
		snprintf(out, size, "%lldh ago", s / 3600);
	else if (s < 2 * 86400)
		snprintf(out, size, "1 day %lldh ago", (s - 86400) / 3600);
	else
		snprintf(out, size, "%lld days ago", s / 86400);
}

static long long realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct sd_socket *find(struct sd_state *st, const char *name)
{
	for (size_t i = 0; i < st->nsocks; i++)
		if (strcmp(st->socks[i]->name, name) == 0)
			return st->socks[i];
	return NULL;
}

static const char *glyph_of(enum sd_active a);

/* "     Loaded: loaded (PATH; STATE[; preset: enabled])": no preset for the states that
 * have none (static, alias, generated, transient), as systemctl 252 */
static void loaded_line(struct sd_state *st, struct ctl_reply *r, const char *path,
			const char *name)
{
	enum install_state is = install_get_state("", st->unit_dir, name);
	const char *word = install_state_name(is);
	bool preset = strcmp(word, "static") != 0 && strcmp(word, "alias") != 0 &&
		strcmp(word, "generated") != 0 && strcmp(word, "transient") != 0;

	ctl_reply_printf(r, 1, "     Loaded: loaded (%s; %s%s)", path, word,
			 preset ? "; preset: enabled" : "");
}

static int status_socket(struct sd_state *st, struct ctl_reply *r, const char *name, size_t lines)
{
	struct sd_socket *s = find(st, name);
	char path[4096 + UNIT_NAME_MAX], ts[64], rel[64];
	bool failed = !s && strcmp(st->failed_name, name) == 0;
	struct stat sb;

	str_printf(path, sizeof(path), "%s/%s", st->unit_dir, name);
	if (!s && stat(path, &sb) < 0) {
		ctl_reply_printf(r, 2, "Unit %s could not be found.", name);
		return 4;
	}
	{
		char desc[128] = "";

		if (s) {
			str_copy(desc, sizeof(desc), s->description);
		} else {
			struct unit_file u;
			const struct unit_entry *e;

			if (unit_load(&u, path, NULL, NULL, NULL) == 0) {
				if ((e = unit_get(&u, "Unit", "Description")) != NULL)
					str_copy(desc, sizeof(desc), e->value);
				unit_free(&u);
			}
		}
		ctl_reply_printf(r, 1, "%s %s%s%s",
				 s		  ? "\xe2\x97\x8f"
					 : failed ? "\xc3\x97"
						  : "\xe2\x97\x8b",
				 name, desc[0] ? " - " : "", desc);
	}
	loaded_line(st, r, path, name);
	if (!s) {
		if (failed) {
			timestamp(ts, sizeof(ts), st->failed_since);
			relative(rel, sizeof(rel), realtime_us() - st->failed_since);
			ctl_reply_printf(r, 1, "     Active: failed (Result: %s) since %s; %s",
					 st->failed_result, ts, rel);
			sd_ring_show(&st->failed_log, r, lines);
		} else {
			ctl_reply_printf(r, 1, "     Active: inactive (dead)");
		}
		return 3;
	}
	timestamp(ts, sizeof(ts), s->active_since);
	relative(rel, sizeof(rel), realtime_us() - s->active_since);
	ctl_reply_printf(r, 1, "     Active: active (%s) since %s; %s",
			 sd_socket_service_running(st, s) ? "running" : "listening", ts, rel);
	if (!s->accept) {
		struct sd_unit *u = sd_unit_find(st, s->svc.name);

		ctl_reply_printf(r, 1, "   Triggers: %s %s", glyph_of(u ? u->active : SD_INACTIVE),
				 s->svc.name);
	}
	for (size_t i = 0; i < s->nl; i++)
		ctl_reply_printf(r, 1, "%s%s (%s)",
				 i ? "             " : "     Listen: ", s->l[i].text, s->l[i].kind);
	if (s->accept)
		ctl_reply_printf(r, 1, "   Accepted: %lu; Connected: %u; Refused: %lu", s->accepted,
				 s->active, s->refused);
	if (s->tcpwrap)
		ctl_reply_printf(r, 1, "    TCPWrap: %s (%s, %s)", s->wrap_name,
				 paths_get(PATHS_HOSTS_ALLOW), paths_get(PATHS_HOSTS_DENY));
	sd_tls_status(s, r);
	sd_ring_show(&s->log, r, lines);
	return 0;
}

/* --- verbs ------------------------------------------------------------------------------ */

static bool is_socket_name(const char *name)
{
	size_t n = strlen(name);

	return n > 7 && strcmp(name + n - 7, ".socket") == 0;
}

/* the service that holds a socket's address, when the bind failed (sshd.service running
 * while sshd.socket starts) */
static const char *holder(struct sd_state *st, const char *socket_name)
{
	char prefix[UNIT_NAME_MAX], want[UNIT_NAME_MAX + 8];
	const char *suffix;
	struct sd_unit *u;

	if (!unit_name_parse(socket_name, prefix, sizeof(prefix), NULL, 0, &suffix))
		return NULL;
	str_printf(want, sizeof(want), "%s.service", prefix);
	u = sd_unit_find(st, want);
	return u && u->active != SD_INACTIVE && u->active != SD_FAILED ? u->svc.name : NULL;
}

int sd_socket_start(struct sd_state *st, const char *name, char *why, size_t size)
{
	struct sd_socket *s;
	int errors;

	why[0] = '\0';
	if (find(st, name))
		return 0; /* already active: nothing to do, as systemctl */
	s = sd_load_one(st->unit_dir, name, &errors);
	if (!s) {
		str_printf(why, size, "%s", errno == ENOENT ? "not-found" : "bad-setting");
		return errno == ENOENT ? 5 : 1;
	}
	if (sd_bind_all(&s, 1, NULL, 0) > 0) {
		/* nothing half-started: what was bound is closed again */
		const char *h = holder(st, name);

		sd_close_socket(s);
		sd_socket_log(s, SD_RING_ONLY, "Failed with result 'resources'.");
		sd_socket_log(s, SD_RING_ONLY, "Failed to listen on %s.",
			      *s->description ? s->description : s->name);
		/* the unit's lines stay with the failure, for status */
		sd_ring_free(&st->failed_log);
		st->failed_log = s->log;
		s->log = (struct sd_ring){0};
		sd_free_socket(s);
		str_copy(st->failed_name, sizeof(st->failed_name), name);
		str_copy(st->failed_result, sizeof(st->failed_result), "resources");
		st->failed_since = realtime_us();
		if (h)
			str_printf(why, size, "%s", h);
		return 1;
	}
	s->manual = true;
	s->active_since = realtime_us();
	st->socks = xrealloc(st->socks, (st->nsocks + 1) * sizeof(*st->socks));
	st->socks[st->nsocks++] = s;
	if (strcmp(st->failed_name, name) == 0) {
		/* what the failed start said stays in the unit's journal, as in systemd's */
		sd_ring_free(&s->log);
		s->log = st->failed_log;
		st->failed_log = (struct sd_ring){0};
		st->failed_name[0] = '\0';
	}
	sd_socket_listening(s, LOG_INFO);
	return 0;
}

static int start_socket(struct sd_state *st, struct ctl_reply *r, const char *name)
{
	char why[UNIT_NAME_MAX];
	int rc = sd_socket_start(st, name, why, sizeof(why));

	if (rc == 5) {
		ctl_reply_printf(r, 2, "Failed to start %s: Unit %s not found.", name, name);
	} else if (rc && strcmp(why, "bad-setting") == 0) {
		ctl_reply_printf(r, 2, "Failed to start %s: Unit %s has a bad unit file setting.",
				 name, name);
		ctl_reply_printf(r, 2, "See socketd's log (socketd -n -u %s) for details.",
				 st->unit_dir);
	} else if (rc && why[0]) {
		ctl_reply_printf(
			r, 2, "Failed to start %s: its address is in use by %s, which is running.",
			name, why);
		ctl_reply_printf(r, 2, "Stop %s first (svcctl stop %s), then start %s.", why, why,
				 name);
	} else if (rc) {
		ctl_reply_printf(
			r, 2,
			"Job for %s failed because of unavailable resources or another system error.",
			name);
		ctl_reply_printf(r, 2, "See \"svcctl status %s\" and socketd's log for details.",
				 name);
	}
	return rc;
}

static int stop_socket(struct sd_state *st, const char *name)
{
	for (size_t i = 0; i < st->nsocks; i++) {
		struct sd_socket *s = st->socks[i];

		if (strcmp(s->name, name) != 0)
			continue;
		/* running instances are separate services: they go on (an SSH session survives) */
		sd_children_orphan(st, s);
		sd_close_socket(s);
		sd_free_socket(s);
		st->socks[i] = st->socks[--st->nsocks];
		log_msg(LOG_INFO, "%s: stopped", name);
		return 0;
	}
	return 0; /* stopping an inactive unit is silent and succeeds */
}

static int by_listen(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int list_sockets(struct sd_state *st, struct ctl_reply *r)
{
	char **rows = NULL;
	size_t n = 0, w1 = 6, w2 = 4;

	for (size_t i = 0; i < st->nsocks; i++)
		for (size_t j = 0; j < st->socks[i]->nl; j++) {
			if (strlen(st->socks[i]->l[j].text) > w1)
				w1 = strlen(st->socks[i]->l[j].text);
			if (strlen(st->socks[i]->name) > w2)
				w2 = strlen(st->socks[i]->name);
		}
	for (size_t i = 0; i < st->nsocks; i++)
		for (size_t j = 0; j < st->socks[i]->nl; j++) {
			struct sd_socket *s = st->socks[i];
			char row[1024];

			snprintf(row, sizeof(row), "%-*s %-*s %s", (int)w1, s->l[j].text, (int)w2,
				 s->name,
				 s->accept ? (s->active ? "(instances)" : "-") : s->svc.name);
			rows = xrealloc(rows, (n + 1) * sizeof(*rows));
			rows[n++] = xstrdup(row);
		}
	if (n)
		qsort(rows, n, sizeof(*rows), by_listen);
	ctl_reply_printf(r, 1, "%-*s %-*s %s", (int)w1, "LISTEN", (int)w2, "UNIT", "ACTIVATES");
	for (size_t i = 0; i < n; i++) {
		ctl_reply_printf(r, 1, "%s", rows[i]);
		free(rows[i]);
	}
	free(rows);
	ctl_reply_printf(r, 1, "\n%zu sockets listed.", n);
	ctl_reply_printf(r, 1, "Pass --all to see loaded but inactive sockets, too.");
	return 0;
}

/* --- services -------------------------------------------------------------------------- */

static const char *exit_status_name(int code)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {/* libc's and systemd's own names only, as systemctl shows them (no LSB) */
		     {0, "SUCCESS"}, {1, "FAILURE"}, {200, "CHDIR"},  {201, "NICE"},
		     {202, "FDS"},   {203, "EXEC"},  {205, "LIMITS"}, {208, "STDIN"},
		     {216, "GROUP"}, {217, "USER"},  {220, "SETSID"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return NULL;
}

/* "code=exited, status=1/FAILURE" or "code=killed, signal=TERM" */
static void wait_status_text(int status, char *out, size_t size)
{
	if (WIFSIGNALED(status)) {
		snprintf(out, size, "code=%s, signal=%s", WCOREDUMP(status) ? "dumped" : "killed",
			 sup_signal_name(WTERMSIG(status)) + 3);
	} else {
		const char *n = exit_status_name(WEXITSTATUS(status));

		snprintf(out, size, "code=exited, status=%d%s%s", WEXITSTATUS(status), n ? "/" : "",
			 n ? n : "");
	}
}

static void comm_of(pid_t pid, char *out, size_t size)
{
	char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	out[0] = '\0';
	if ((fp = fopen(path, "re")) != NULL) {
		if (fgets(out, (int)size, fp))
			out[strcspn(out, "\n")] = '\0';
		fclose(fp);
	}
}

static void cmdline_of(pid_t pid, char *out, size_t size)
{
	char path[64];
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	out[0] = '\0';
	if ((fp = fopen(path, "re")) != NULL) {
		n = fread(out, 1, size - 1, fp);
		fclose(fp);
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (out[i] == '\0')
			out[i] = ' ';
	out[n] = '\0';
	if (!n)
		comm_of(pid, out, size);
}

/* the processes of a process group, the cgroup tree's stand-in */
static void group_tree(struct ctl_reply *r, pid_t pgid)
{
	pid_t pids[64];
	size_t n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && n < 64 && (de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (!*end && pid > 0 && getpgid((pid_t)pid) == pgid)
			pids[n++] = (pid_t)pid;
	}
	if (d)
		closedir(d);
	if (!n)
		return;
	ctl_reply_printf(r, 1, "     PGroup: %ld (KillMode= signals this group)", (long)pgid);
	for (size_t i = 0; i < n; i++) {
		char cmd[256];

		cmdline_of(pids[i], cmd, sizeof(cmd));
		ctl_reply_printf(r, 1, "             %s%ld %s",
				 i + 1 < n ? "\xe2\x94\x9c\xe2\x94\x80"
					   : "\xe2\x94\x94\xe2\x94\x80",
				 (long)pids[i], cmd);
	}
}

static const char *glyph_of(enum sd_active a)
{
	return a == SD_FAILED	    ? "\xc3\x97"
		: a == SD_INACTIVE  ? "\xe2\x97\x8b"
		: a == SD_RELOADING ? "\xe2\x86\xbb"
				    : "\xe2\x97\x8f";
}

static void active_line(struct ctl_reply *r, const struct sd_unit *u)
{
	char ts[64], rel[64], res[48] = "";
	bool same = strcmp(sd_active_name(u->active), sd_sub_name(u->sub)) == 0;

	if (u->result != SUP_SUCCESS && u->active != SD_ACTIVE)
		snprintf(res, sizeof(res), " (Result: %s)", sup_result_name(u->result));
	if (!u->since_us) {
		ctl_reply_printf(r, 1, "     Active: %s (%s)", sd_active_name(u->active),
				 sd_sub_name(u->sub));
		return;
	}
	timestamp(ts, sizeof(ts), u->since_us);
	relative(rel, sizeof(rel), realtime_us() - u->since_us);
	/* the sub-state only when it says more than the state ("failed (Result: ...)") */
	ctl_reply_printf(r, 1, "     Active: %s%s%s%s%s since %s; %s", sd_active_name(u->active),
			 same ? "" : " (", same ? "" : sd_sub_name(u->sub), same ? "" : ")", res,
			 ts, rel);
}

static int status_service(struct sd_state *st, struct ctl_reply *r, const char *name,
			  unsigned lines)
{
	struct sd_unit *u = sd_unit_get(st, name);
	const char *desc;

	if (!u) {
		ctl_reply_printf(r, 2, "Unit %s could not be found.", name);
		return 4;
	}
	desc = u->svc.description;
	ctl_reply_printf(r, 1, "%s %s%s%s", glyph_of(u->active), name, desc[0] ? " - " : "", desc);
	if (u->loaded)
		loaded_line(st, r, u->svc.path, name);
	else
		ctl_reply_printf(
			r, 1,
			"     Loaded: bad-setting (Reason: Unit %s has a bad unit file setting.)",
			name);
	active_line(r, u);
	for (size_t i = 0; i < st->nsocks; i++)
		if (!st->socks[i]->accept && strcmp(st->socks[i]->svc.name, name) == 0)
			ctl_reply_printf(r, 1, "TriggeredBy: \xe2\x97\x8f %s", st->socks[i]->name);
	for (unsigned i = 0; i < u->ndone; i++) {
		char text[96], cmd[160];
		const struct sd_cmd *c = u->done[i].cmd < (short)u->svc.ncmds
			? &u->svc.cmds[u->done[i].cmd]
			: NULL;
		static const char *const keys[] = {"ExecStartPre", "ExecStart", "ExecStartPost",
						   "ExecReload",   "ExecStop",	"ExecStopPost"};

		wait_status_text(u->done[i].status, text, sizeof(text));
		str_copy(cmd, sizeof(cmd), c ? c->line : "");
		ctl_reply_printf(r, 1, "    Process: %ld %s=%s (%s)", (long)u->done[i].pid,
				 c ? keys[c->phase] : "Exec", cmd, text);
	}
	if (u->main_pid) {
		char comm[64];

		comm_of(u->main_pid, comm, sizeof(comm));
		ctl_reply_printf(r, 1, "   Main PID: %ld (%s)", (long)u->main_pid, comm);
	} else if (u->main_exited && u->last_main) {
		char text[96];

		wait_status_text(u->main_status, text, sizeof(text));
		ctl_reply_printf(r, 1, "   Main PID: %ld (%s)", (long)u->last_main, text);
	}
	if (u->control_pid) {
		char comm[64];

		comm_of(u->control_pid, comm, sizeof(comm));
		ctl_reply_printf(r, 1, "  Cntrl PID: %ld (%s)", (long)u->control_pid, comm);
	}
	if (u->status_text[0])
		ctl_reply_printf(r, 1, "     Status: \"%s\"", u->status_text);
	if (u->errno_value > 0)
		ctl_reply_printf(r, 1, "      Error: %d (%s)", u->errno_value,
				 strerror(u->errno_value));
	if (u->main_pgid > 0)
		group_tree(r, u->main_pgid);
	sd_ring_show(&u->log, r, lines);
	return u->active == SD_ACTIVE || u->active == SD_RELOADING ? 0 : 3;
}

static const char *why_failed(enum sup_result r)
{
	switch (r) {
	case SUP_RESOURCES:
		return "of unavailable resources or another system error";
	case SUP_PROTOCOL:
		return "the service did not take the steps required by its unit configuration";
	case SUP_TIMEOUT:
		return "a timeout was exceeded";
	case SUP_SIGNAL:
		return "a fatal signal was delivered to the control process";
	case SUP_CORE_DUMP:
		return "a fatal signal was delivered causing the control process to dump core";
	case SUP_WATCHDOG:
		return "the service failed to send watchdog ping";
	case SUP_START_LIMIT_HIT:
		return "start of the service was attempted too often";
	default:
		return "the control process exited with error code";
	}
}

/* A job's end, for the svcctl waiting on it: -1 while it goes on, else the exit code (and
 * systemctl's words on failure). */
static int job_outcome(struct sd_unit *u, const char *verb, struct ctl_reply *r)
{
	const char *name = u->svc.name;
	bool stop = strcmp(verb, "stop") == 0, reload = strcmp(verb, "reload") == 0;

	if (stop)
		return u->active == SD_INACTIVE || u->active == SD_FAILED ? 0 : -1;
	if (reload) {
		if (u->active == SD_RELOADING)
			return -1;
		if (!u->reload_failed && u->active == SD_ACTIVE)
			return 0;
		ctl_reply_printf(r, 2, "Job for %s failed.", name);
		ctl_reply_printf(r, 2, "See \"svcctl status %s\" and socketd's log for details.",
				 name);
		return 1;
	}
	if (u->job_waits || u->pending_start)
		return -1; /* not begun yet (ordering, or the stop of a restart) */
	if (u->active == SD_ACTIVE || u->active == SD_RELOADING)
		return 0;
	if (u->active == SD_INACTIVE && u->result == SUP_SUCCESS)
		return 0; /* a oneshot that ran */
	if (u->active == SD_ACTIVATING && u->sub != SD_SUB_AUTO_RESTART)
		return -1;
	if (u->active == SD_DEACTIVATING)
		return -1;
	if (u->result == SUP_DEPENDENCY) {
		ctl_reply_printf(r, 2,
				 "A dependency job for %s failed. See socketd's log for details.",
				 name);
		return 1;
	}
	ctl_reply_printf(r, 2, "Job for %s failed because %s.", name, why_failed(u->result));
	ctl_reply_printf(r, 2, "See \"svcctl status %s\" and socketd's log for details.", name);
	if (u->result == SUP_START_LIMIT_HIT) {
		ctl_reply_printf(r, 2, "To force a start use \"svcctl reset-failed %s\"", name);
		ctl_reply_printf(r, 2, "followed by \"svcctl start %s\" again.", name);
	}
	return 1;
}

/* --- requests --------------------------------------------------------------------------- */

/* the request's words (libcommon/ctl.c splits them) */
static int parse_request(char *line, struct ctl_request *q, struct ctl_reply *r)
{
	const char *err;
	char bad[CTL_REQUEST_MAX];

	if (ctl_request_parse(line, q, &err, bad, sizeof(bad)) == 0)
		return 0;
	ctl_reply_printf(r, 2, "%s%s%s", err, bad[0] ? " " : "", bad);
	return -1;
}

static const char *socket_sub(struct sd_state *st, const struct sd_socket *s)
{
	return sd_socket_service_running(st, s) || (s->accept && s->active) ? "running"
									    : "listening";
}

/* the ActiveState word of any unit name */
static const char *state_word(struct sd_state *st, const char *name)
{
	struct sd_unit *u;

	if (is_socket_name(name))
		return find(st, name)			     ? "active"
			: strcmp(st->failed_name, name) == 0 ? "failed"
							     : "inactive";
	u = sd_unit_find(st, name);
	if (!u) {
		u = sd_unit_get(st, name);
		if (!u)
			return "inactive";
	}
	return sd_active_name(u->active);
}

struct row {
	char unit[UNIT_NAME_MAX], load[16], active[16], sub[16], desc[128];
	bool mark;
};

static int by_unit(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->unit, ((const struct row *)b)->unit);
}

static bool row_wanted(const struct ctl_request *q, const struct row *w, const char *type)
{
	if (q->type && strcmp(q->type, type) != 0)
		return false;
	if (q->state)
		return strstr(q->state, w->active) || strstr(q->state, w->sub) ||
			strstr(q->state, w->load);
	return q->all || strcmp(w->active, "inactive") != 0;
}

static int list_units(struct sd_state *st, const struct ctl_request *q, struct ctl_reply *r)
{
	struct row *rows = xcalloc(st->nsocks + st->nunits + 1, sizeof(*rows));
	size_t n = 0, w[4] = {4, 4, 6, 3};

	for (size_t i = 0; i < st->nsocks; i++) {
		struct row *x = &rows[n];

		str_copy(x->unit, sizeof(x->unit), st->socks[i]->name);
		str_copy(x->load, sizeof(x->load), "loaded");
		str_copy(x->active, sizeof(x->active), "active");
		str_copy(x->sub, sizeof(x->sub), socket_sub(st, st->socks[i]));
		str_copy(x->desc, sizeof(x->desc), st->socks[i]->description);
		if (row_wanted(q, x, "socket"))
			n++;
	}
	for (size_t i = 0; i < st->nunits; i++) {
		const struct sd_unit *u = st->units[i];
		struct row *x = &rows[n];

		str_copy(x->unit, sizeof(x->unit), u->svc.name);
		str_copy(x->load, sizeof(x->load), u->loaded ? "loaded" : "bad-setting");
		str_copy(x->active, sizeof(x->active), sd_active_name(u->active));
		str_copy(x->sub, sizeof(x->sub), sd_sub_name(u->sub));
		str_copy(x->desc, sizeof(x->desc), u->svc.description);
		x->mark = u->active == SD_FAILED || !u->loaded;
		if (row_wanted(q, x, "service"))
			n++;
	}
	if (n)
		qsort(rows, n, sizeof(*rows), by_unit);
	for (size_t i = 0; i < n; i++) {
		size_t l[4] = {strlen(rows[i].unit), strlen(rows[i].load), strlen(rows[i].active),
			       strlen(rows[i].sub)};

		for (int k = 0; k < 4; k++)
			if (l[k] > w[k])
				w[k] = l[k];
	}
	ctl_reply_printf(r, 1, "  %-*s %-*s %-*s %-*s DESCRIPTION", (int)w[0], "UNIT", (int)w[1],
			 "LOAD", (int)w[2], "ACTIVE", (int)w[3], "SUB");
	for (size_t i = 0; i < n; i++)
		ctl_reply_printf(r, 1, "%s %-*s %-*s %-*s %-*s %s",
				 rows[i].mark ? "\xe2\x97\x8f" : " ", (int)w[0], rows[i].unit,
				 (int)w[1], rows[i].load, (int)w[2], rows[i].active, (int)w[3],
				 rows[i].sub, rows[i].desc[0] ? rows[i].desc : rows[i].unit);
	ctl_reply_printf(r, 1, "%s", "");
	ctl_reply_printf(r, 1,
			 "LOAD   = Reflects whether the unit definition was properly loaded.");
	ctl_reply_printf(
		r, 1, "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.");
	ctl_reply_printf(
		r, 1, "SUB    = The low-level unit activation state, values depend on unit type.");
	ctl_reply_printf(r, 1, "%s", "");
	if (q->state)
		ctl_reply_printf(r, 1, "%zu loaded units listed.", n);
	else
		ctl_reply_printf(r, 1, "%zu loaded units listed.%s", n,
				 q->all ? ""
					: " Pass --all to see loaded but inactive units, too.");
	if (!q->state)
		ctl_reply_printf(r, 1,
				 "To show all installed unit files use 'svcctl list-unit-files'.");
	free(rows);
	return 0;
}

static void prop(struct ctl_reply *r, const struct ctl_request *q, const char *key, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

static void prop(struct ctl_reply *r, const struct ctl_request *q, const char *key, const char *fmt,
		 ...)
{
	char val[512];
	va_list ap;

	if (q->prop) {
		/* -p A,B or -p A: a whole-word match in the list */
		const char *p = q->prop;
		size_t kl = strlen(key);
		bool hit = false;

		while (*p && !hit) {
			size_t l = strcspn(p, ",");

			hit = l == kl && strncmp(p, key, kl) == 0;
			p += l + (p[l] == ',');
		}
		if (!hit)
			return;
	}
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (q->value)
		ctl_reply_printf(r, 1, "%s", val);
	else
		ctl_reply_printf(r, 1, "%s=%s", key, val);
}

static void stamp_prop(struct ctl_reply *r, const struct ctl_request *q, const char *key,
		       long long us)
{
	char ts[64] = "";

	if (us)
		timestamp(ts, sizeof(ts), us);
	prop(r, q, key, "%s", ts);
}

static int show(struct sd_state *st, const struct ctl_request *q, struct ctl_reply *r,
		const char *name)
{
	struct sd_socket *s = is_socket_name(name) ? find(st, name) : NULL;
	struct sd_unit *u = is_socket_name(name) ? NULL : sd_unit_get(st, name);

	prop(r, q, "Id", "%s", name);
	if (s) {
		prop(r, q, "Description", "%s", s->description[0] ? s->description : name);
		prop(r, q, "LoadState", "loaded");
		prop(r, q, "ActiveState", "active");
		prop(r, q, "SubState", "%s", socket_sub(st, s));
		prop(r, q, "FragmentPath", "%s", s->path);
		prop(r, q, "Accept", "%s", s->accept ? "yes" : "no");
		prop(r, q, "NAccepted", "%lu", s->accepted);
		prop(r, q, "NConnections", "%u", s->active);
		prop(r, q, "NRefused", "%lu", s->refused);
		prop(r, q, "Triggers", "%s", s->accept ? "" : s->svc.name);
		stamp_prop(r, q, "ActiveEnterTimestamp", s->active_since);
	} else if (u) {
		prop(r, q, "Description", "%s", u->svc.description[0] ? u->svc.description : name);
		prop(r, q, "LoadState", "%s", u->loaded ? "loaded" : "bad-setting");
		prop(r, q, "ActiveState", "%s", sd_active_name(u->active));
		prop(r, q, "SubState", "%s", sd_sub_name(u->sub));
		prop(r, q, "Result", "%s", sup_result_name(u->result));
		prop(r, q, "FragmentPath", "%s", u->svc.path ? u->svc.path : "");
		prop(r, q, "Type", "%s",
		     (const char *const[]){"simple", "exec", "forking", "oneshot",
					   "notify"}[u->svc.type]);
		prop(r, q, "Restart", "%s",
		     (const char *const[]){"no", "on-success", "on-failure", "on-abnormal",
					   "on-watchdog", "on-abort", "always"}[u->svc.restart]);
		prop(r, q, "KillMode", "%s",
		     (const char *const[]){"control-group", "mixed", "process",
					   "none"}[u->svc.kill_mode]);
		prop(r, q, "MainPID", "%ld", (long)u->main_pid);
		prop(r, q, "ControlPID", "%ld", (long)u->control_pid);
		prop(r, q, "ExecMainPID", "%ld", (long)u->last_main);
		prop(r, q, "ExecMainCode", "%d",
		     !u->main_exited			   ? 0
			     : WIFSIGNALED(u->main_status) ? 2
							   : 1);
		prop(r, q, "ExecMainStatus", "%d",
		     u->main_exited ? sup_status_value(u->main_status) : 0);
		prop(r, q, "NRestarts", "%u", u->restarts);
		prop(r, q, "StatusText", "%s", u->status_text);
		prop(r, q, "StatusErrno", "%d", u->errno_value > 0 ? u->errno_value : 0);
		prop(r, q, "WatchdogUSec", "%lld", u->svc.watchdog_us);
		prop(r, q, "NotifyAccess", "%s",
		     (const char *const[]){"none", "main", "exec", "all"}[u->svc.notify_access]);
		stamp_prop(r, q, "StateChangeTimestamp", u->since_us);
		stamp_prop(r, q, "ActiveEnterTimestamp", u->active_enter_us);
	} else {
		prop(r, q, "LoadState", "not-found");
		prop(r, q, "ActiveState", "%s", state_word(st, name));
		prop(r, q, "SubState", "dead");
	}
	prop(r, q, "UnitFileState", "%s",
	     install_state_name(install_get_state("", st->unit_dir, name)));
	return 0;
}

/* start, stop, restart, try-restart, reload, reload-or-restart of one unit: 0, an exit code
 * (messages in r), or -1 when the reply must wait for the job */
static int job(struct sd_state *st, const char *verb, const char *name, struct ctl_reply *r)
{
	bool stop = strcmp(verb, "stop") == 0, start = strcmp(verb, "start") == 0;
	bool restart = strcmp(verb, "restart") == 0, try = strcmp(verb, "try-restart") == 0;
	bool reload = strcmp(verb, "reload") == 0;
	struct sd_unit *u;

	if (is_socket_name(name)) {
		if (try && !find(st, name))
			return 0;
		if (reload) {
			ctl_reply_printf(
				r, 2,
				"Failed to reload %s: Job type reload is not applicable for unit %s.",
				name, name);
			return 3;
		}
		if (!start)
			stop_socket(st, name);
		return stop ? 0 : start_socket(st, r, name);
	}
	u = sd_unit_get(st, name);
	if (!u) {
		if (stop || try)
			return 0;
		ctl_reply_printf(r, 2, "Failed to %s %s: Unit %s not found.", verb, name, name);
		return 5;
	}
	if (!u->loaded && !stop) {
		ctl_reply_printf(r, 2, "Failed to %s %s: Unit %s has a bad unit file setting.",
				 verb, name, name);
		return 1;
	}
	if (stop) {
		u->manual = false;
		sd_unit_stop(st, u);
		return -1;
	}
	if (try && u->active != SD_ACTIVE && u->active != SD_RELOADING)
		return 0;
	if (reload || strcmp(verb, "reload-or-restart") == 0) {
		int rc = u->active == SD_ACTIVE ? sd_unit_reload(st, u) : 3;

		if (rc == 0)
			return -1;
		if (reload) {
			if (u->active != SD_ACTIVE)
				ctl_reply_printf(
					r, 2,
					"Failed to reload %s: Unit %s is not active, cannot reload.",
					name, name);
			else
				ctl_reply_printf(
					r, 2,
					"Failed to reload %s: Job type reload is not applicable for unit %s.",
					name, name);
			return 3;
		}
		restart = true; /* reload-or-restart without ExecReload= */
	}
	if ((restart || try) && u->active != SD_INACTIVE && u->active != SD_FAILED) {
		sd_unit_stop(st, u);
		u->pending_start = true;
		if (u->active == SD_INACTIVE || u->active == SD_FAILED) { /* stopped at once */
			u->pending_start = false;
			sd_unit_start(st, u);
		}
	} else {
		sd_unit_start(st, u);
	}
	u->manual = true;
	return -1;
}

static bool job_verb(const char *v)
{
	static const char *const verbs[] = {"start",  "stop",	     "restart",
					    "reload", "try-restart", "reload-or-restart"};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(v, verbs[i]) == 0)
			return true;
	return false;
}

static void execute(struct sd_state *st, struct sd_client *c, char *line, struct ctl_reply *r)
{
	struct ctl_request q;
	int rc = 0;
	bool privileged = c->privileged;
	const char *verb;

	if (parse_request(line, &q, r) < 0) {
		r->code = 1;
		return;
	}
	verb = q.verb;
	/* every operand is a unit's name, or list-units' patterns: a name never becomes a
	 * path elsewhere than the unit directory, whoever asks */
	if (strcmp(verb, "list-units") != 0 && strcmp(verb, "list-sockets") != 0)
		for (int i = 0; i < q.argc; i++)
			if (!unit_name_valid(q.argv[i])) {
				ctl_reply_printf(r, 2, "Unit name %s is not valid.", q.argv[i]);
				r->code = 1;
				return;
			}
	if (strcmp(verb, "is-active") == 0 || strcmp(verb, "is-failed") == 0) {
		bool failed_verb = verb[3] == 'f', any = false;

		for (int i = 0; i < q.argc; i++) {
			const char *w = state_word(st, q.argv[i]);

			if (!q.quiet)
				ctl_reply_printf(r, 1, "%s", w);
			if (failed_verb ? strcmp(w, "failed") == 0
					: strcmp(w, "active") == 0 || strcmp(w, "reloading") == 0)
				any = true;
		}
		r->code = any ? 0 : failed_verb ? 1 : 3;
		return;
	}
	if (strcmp(verb, "status") == 0) {
		for (int i = 0; i < q.argc; i++) {
			int one;

			if (i > 0)
				ctl_reply_printf(r, 1, "%s", "");
			/* the units' log lines, as systemctl's journal lines, to those who may
			 * read the journal: root and the control group */
			size_t lines = privileged ? q.lines : 0;

			one = is_socket_name(q.argv[i]) ? status_socket(st, r, q.argv[i], lines)
							: status_service(st, r, q.argv[i], lines);
			if (!rc)
				rc = one;
		}
		r->code = rc;
		return;
	}
	if (strcmp(verb, "list-sockets") == 0) {
		r->code = list_sockets(st, r);
		return;
	}
	if (strcmp(verb, "list-units") == 0) {
		r->code = list_units(st, &q, r);
		return;
	}
	if (strcmp(verb, "show") == 0) {
		for (int i = 0; i < q.argc; i++) {
			if (i > 0)
				ctl_reply_printf(r, 1, "%s", "");
			show(st, &q, r, q.argv[i]);
		}
		r->code = 0;
		return;
	}
	if (!job_verb(verb) && strcmp(verb, "daemon-reload") != 0 &&
	    strcmp(verb, "daemon-reexec") != 0 && strcmp(verb, "kill") != 0 &&
	    strcmp(verb, "reset-failed") != 0) {
		ctl_reply_printf(r, 2, "Unknown command verb %s.", verb);
		r->code = 1;
		return;
	}
	if (!privileged) {
		ctl_reply_printf(r, 2, "Failed to %s %s: Access denied", verb,
				 q.argc > 0 ? q.argv[0] : "");
		r->code = 4;
		return;
	}
	if (strcmp(verb, "daemon-reload") == 0) {
		sd_reload(st);
		r->code = 0;
		return;
	}
	if (strcmp(verb, "daemon-reexec") == 0) {
		st->reexec = true; /* after this reply is written */
		r->code = 0;
		return;
	}
	if (strcmp(verb, "kill") == 0 || strcmp(verb, "reset-failed") == 0) {
		bool kill_verb = verb[0] == 'k';

		if (!kill_verb && q.argc == 0)
			for (size_t i = 0; i < st->nunits; i++)
				if (st->units[i]->active == SD_FAILED)
					q.argv[q.argc < 64 ? q.argc++ : 63] =
						st->units[i]->svc.name;
		for (int i = 0; i < q.argc; i++) {
			struct sd_unit *u = is_socket_name(q.argv[i]) ? NULL
								      : sd_unit_get(st, q.argv[i]);

			if (is_socket_name(q.argv[i]) && !kill_verb) {
				if (strcmp(st->failed_name, q.argv[i]) == 0)
					st->failed_name[0] = '\0';
				continue;
			}
			if (!u) {
				ctl_reply_printf(r, 2, "Failed to %s unit %s: Unit %s not loaded.",
						 kill_verb ? "kill" : "reset failed state of",
						 q.argv[i], q.argv[i]);
				rc = rc ? rc : 1;
			} else if (kill_verb) {
				sd_unit_kill(st, u, q.sig, strcmp(q.whom, "main") == 0);
			} else {
				if (u->active == SD_FAILED)
					u->active = SD_INACTIVE, u->sub = SD_SUB_DEAD;
				u->result = SUP_SUCCESS;
				u->limit_count = 0;
				u->limit_start_us = 0;
			}
		}
		r->code = rc;
		return;
	}
	/* the jobs: every unit first, then the reply waits for the ones that take time */
	c->nwait = 0;
	for (int i = 0; i < q.argc; i++) {
		int one = job(st, verb, q.argv[i], r);

		if (one == -1 && !q.no_block) {
			struct sd_unit *u = sd_unit_find(st, q.argv[i]);

			if (u && c->nwait < SD_MAX_WAIT)
				c->wait[c->nwait++] = u;
		} else if (one > 0 && !rc) {
			rc = one;
		}
	}
	str_copy(c->wait_verb, sizeof(c->wait_verb), verb);
	r->code = rc;
}

/* a reply that waited: 1 when every job it waits for has ended (r then complete) */
static bool jobs_done(struct sd_client *c, struct ctl_reply *r)
{
	for (size_t i = 0; i < c->nwait; i++) {
		const char *verb = c->wait_verb;
		int one;

		if (!c->wait[i])
			continue;
		if (strcmp(verb, "restart") == 0 || strcmp(verb, "try-restart") == 0 ||
		    strcmp(verb, "reload-or-restart") == 0)
			verb = c->wait[i]->active == SD_RELOADING ? "reload" : "start";
		one = job_outcome(c->wait[i], verb, r);
		if (one < 0)
			return false;
		c->wait[i] = NULL;
		if (one > 0 && !r->code)
			r->code = one;
	}
	return true;
}

size_t sd_ctl_poll_fds(struct sd_state *st, struct pollfd *pfd, size_t max)
{
	size_t n = 0;

	if (st->ctl_fd >= 0 && n < max) {
		pfd[n].fd = st->ctl_fd;
		pfd[n].events = POLLIN;
		n++;
	}
	for (int i = 0; i < SD_MAX_CLIENTS && n < max; i++) {
		struct sd_client *c = &st->clients[i];

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = c->out ? POLLOUT : POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

long long sd_ctl_next_deadline(const struct sd_state *st)
{
	long long d = -1;

	for (int i = 0; i < SD_MAX_CLIENTS; i++)
		if (st->clients[i].fd >= 0 && (d < 0 || st->clients[i].deadline_us < d))
			d = st->clients[i].deadline_us;
	return d;
}

/* is the peer a member of the control group (its primary group, or a supplementary one)? */
static bool in_ctl_group(const struct sd_state *st, int fd, uid_t uid, gid_t primary)
{
	gid_t groups[64];
	int n;

	if (st->ctl_gid < 0)
		return false;
	if (primary == (gid_t)st->ctl_gid)
		return true;
	n = ctl_peer_groups(fd, uid, primary, groups, 64);
	for (int i = 0; i < n; i++)
		if (groups[i] == (gid_t)st->ctl_gid)
			return true;
	return false;
}

/* may one more unprivileged client from uid in? A few per user, and a few slots kept for
 * root and the control group: nobody can lock the admin out by holding idle connections */
static bool unprivileged_room(const struct sd_state *st, uid_t uid)
{
	int all = 0, mine = 0;

	for (int i = 0; i < SD_MAX_CLIENTS; i++)
		if (st->clients[i].fd >= 0 && !st->clients[i].privileged) {
			all++;
			mine += st->clients[i].uid == uid;
		}
	return all < SD_MAX_CLIENTS - SD_CLIENTS_KEPT && mine < SD_CLIENTS_PER_USER;
}

static void accept_clients(struct sd_state *st)
{
	int fd;

	while ((fd = accept4(st->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct ucred cr;
		socklen_t len = sizeof(cr);
		int slot = -1;

		for (int i = 0; i < SD_MAX_CLIENTS && slot < 0; i++)
			if (st->clients[i].fd < 0)
				slot = i;
		bool privileged;

		if (slot < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
			close(fd); /* busy: the client sees EOF and reports a broken reply */
			continue;
		}
		privileged = cr.uid == 0 || in_ctl_group(st, fd, cr.uid, cr.gid);
		if (!privileged && !unprivileged_room(st, cr.uid)) {
			close(fd);
			continue;
		}
		memset(&st->clients[slot], 0, sizeof(st->clients[slot]));
		st->clients[slot].in = xmalloc(CTL_REQUEST_MAX);
		st->clients[slot].fd = fd;
		st->clients[slot].uid = cr.uid;
		st->clients[slot].privileged = privileged;
		st->clients[slot].deadline_us = sd_now_us() + CLIENT_DEADLINE_US;
	}
}

static void start_reply(struct sd_client *c, struct ctl_reply *r)
{
	if (ctl_reply_finish(r) < 0) {
		ctl_reply_free(r);
		drop(c);
		return;
	}
	c->out = r->buf;
	c->outlen = r->len;
	c->outpos = 0;
	memset(r, 0, sizeof(*r));
}

static void write_reply(struct sd_client *c)
{
	while (c->outpos < c->outlen) {
		ssize_t w = write(c->fd, c->out + c->outpos, c->outlen - c->outpos);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return; /* the client reads slowly: POLLOUT brings us back */
		if (w <= 0) {
			drop(c);
			return;
		}
		c->outpos += (size_t)w;
	}
	drop(c);
}

static void serve(struct sd_state *st, struct sd_client *c)
{
	if (c->nwait) {
		/* a waiting client said something or hung up: it gives up its jobs */
		char b[64];

		if (read(c->fd, b, sizeof(b)) <= 0)
			drop(c);
		return;
	}
	if (!c->out) {
		ssize_t n = read(c->fd, c->in + c->inlen, CTL_REQUEST_MAX - 1 - c->inlen);
		struct ctl_reply r = {0};
		char *nl;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			drop(c);
			return;
		}
		c->inlen += (size_t)n;
		c->in[c->inlen] = '\0';
		nl = memchr(c->in, '\n', c->inlen);
		if (!nl && c->inlen < CTL_REQUEST_MAX - 1)
			return; /* not a whole line yet */
		if (!nl || memchr(c->in, '\0', (size_t)(nl - c->in))) {
			ctl_reply_printf(&r, 2, "Request too long or malformed.");
			r.code = 1;
		} else {
			*nl = '\0';
			execute(st, c, c->in, &r);
			if (c->nwait && !jobs_done(c, &r)) {
				/* the reply waits for the jobs (no deadline: systemctl waits too) */
				c->pending = r;
				c->deadline_us = LLONG_MAX;
				return;
			}
		}
		start_reply(c, &r);
		if (c->fd < 0)
			return;
	}
	write_reply(c);
}

void sd_ctl_handle(struct sd_state *st, const struct pollfd *pfd, size_t n)
{
	long long now = sd_now_us();

	for (size_t k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == st->ctl_fd) {
			accept_clients(st);
			continue;
		}
		for (int i = 0; i < SD_MAX_CLIENTS; i++)
			if (st->clients[i].fd == pfd[k].fd) {
				serve(st, &st->clients[i]);
				break;
			}
	}
	for (int i = 0; i < SD_MAX_CLIENTS; i++) {
		struct sd_client *c = &st->clients[i];

		if (c->fd >= 0 && c->nwait && jobs_done(c, &c->pending)) {
			c->nwait = 0;
			start_reply(c, &c->pending);
			if (c->fd >= 0)
				write_reply(c);
		}
		if (c->fd >= 0 && now > c->deadline_us)
			drop(c); /* too slow: it cannot hold socketd */
	}
}
