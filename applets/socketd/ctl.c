/* socketd's control socket (libcommon/ctl.h protocol): svcctl's verbs that need the manager.
 * Every client is non-blocking with a bounded request, a bounded reply and a deadline, so a
 * slow or hostile client cannot stall the event loop. Verbs that change state need uid 0
 * (by SO_PEERCRED); anyone may read status. */
#include "socketd.h"
#include "ctl.h"
#include "install.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_DEADLINE_US 5000000

int sd_ctl_open(struct sd_state *st)
{
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	const char *run = paths_get(PATHS_RUN_DIR);
	int fd;

	st->ctl_fd = -1;
	for (int i = 0; i < SD_MAX_CLIENTS; i++)
		st->clients[i].fd = -1;
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

static int status_socket(struct sd_state *st, struct ctl_reply *r, const char *name)
{
	struct sd_socket *s = find(st, name);
	char path[4096 + UNIT_NAME_MAX], ts[64], rel[64];
	const char *state;
	bool failed = !s && strcmp(st->failed_name, name) == 0;
	struct stat sb;

	str_printf(path, sizeof(path), "%s/%s", st->unit_dir, name);
	if (!s && stat(path, &sb) < 0) {
		ctl_reply_printf(r, 2, "Unit %s could not be found.", name);
		return 4;
	}
	state = install_state_name(install_get_state("", st->unit_dir, name));
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
	ctl_reply_printf(r, 1, "     Loaded: loaded (%s; %s; preset: enabled)", path, state);
	if (!s) {
		if (failed) {
			timestamp(ts, sizeof(ts), st->failed_since);
			relative(rel, sizeof(rel), realtime_us() - st->failed_since);
			ctl_reply_printf(r, 1, "     Active: failed (Result: %s) since %s; %s",
					 st->failed_result, ts, rel);
		} else {
			ctl_reply_printf(r, 1, "     Active: inactive (dead)");
		}
		return 3;
	}
	timestamp(ts, sizeof(ts), s->active_since);
	relative(rel, sizeof(rel), realtime_us() - s->active_since);
	ctl_reply_printf(r, 1, "     Active: active (%s) since %s; %s",
			 s->main_pid ? "running" : "listening", ts, rel);
	if (!s->accept)
		ctl_reply_printf(r, 1, "   Triggers: %s %s",
				 s->main_pid ? "\xe2\x97\x8f" : "\xe2\x97\x8b", s->svc.name);
	for (size_t i = 0; i < s->nl; i++)
		ctl_reply_printf(r, 1, "%s%s (%s)",
				 i ? "             " : "     Listen: ", s->l[i].text, s->l[i].kind);
	if (s->accept)
		ctl_reply_printf(r, 1, "   Accepted: %lu; Connected: %u; Refused: %lu", s->accepted,
				 s->active, s->refused);
	if (s->tcpwrap)
		ctl_reply_printf(r, 1, "    TCPWrap: %s (%s, %s)", s->wrap_name,
				 paths_get(PATHS_HOSTS_ALLOW), paths_get(PATHS_HOSTS_DENY));
	return 0;
}

/* --- verbs ------------------------------------------------------------------------------ */

static bool is_socket_name(const char *name)
{
	size_t n = strlen(name);

	return n > 7 && strcmp(name + n - 7, ".socket") == 0;
}

static int start_socket(struct sd_state *st, struct ctl_reply *r, const char *name)
{
	struct sd_socket *s;
	int errors;

	if (find(st, name))
		return 0; /* already active: nothing to do, as systemctl */
	s = sd_load_one(st->unit_dir, name, &errors);
	if (!s) {
		ctl_reply_printf(r, 2, "Failed to start %s: Unit %s has a bad unit file setting.",
				 name, name);
		ctl_reply_printf(r, 2, "See socketd's log (socketd -n -u %s) for details.",
				 st->unit_dir);
		return errno == ENOENT ? 5 : 1;
	}
	if (sd_bind_all(&s, 1, NULL, 0) > 0) {
		/* nothing half-started: what was bound is closed again */
		sd_close_socket(s);
		sd_free_socket(s);
		str_copy(st->failed_name, sizeof(st->failed_name), name);
		str_copy(st->failed_result, sizeof(st->failed_result), "resources");
		st->failed_since = realtime_us();
		ctl_reply_printf(
			r, 2,
			"Job for %s failed because of unavailable resources or another system error.",
			name);
		ctl_reply_printf(r, 2, "See \"svcctl status %s\" and socketd's log for details.",
				 name);
		return 1;
	}
	s->manual = true;
	s->active_since = realtime_us();
	st->socks = xrealloc(st->socks, (st->nsocks + 1) * sizeof(*st->socks));
	st->socks[st->nsocks++] = s;
	if (strcmp(st->failed_name, name) == 0)
		st->failed_name[0] = '\0';
	log_msg(LOG_INFO, "%s: started, listening", name);
	return 0;
}

static int stop_socket(struct sd_state *st, const char *name)
{
	for (size_t i = 0; i < st->nsocks; i++) {
		struct sd_socket *s = st->socks[i];

		if (strcmp(s->name, name) != 0)
			continue;
		/* running instances are separate services: they go on (an SSH session survives) */
		for (size_t c = 0; c < st->nchildren; c++)
			if (st->children[c].sock == s)
				st->children[c].sock = NULL;
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

static void execute(struct sd_state *st, struct sd_client *c, char *line, struct ctl_reply *r)
{
	char *argv[64], *cur = line, *tok;
	int argc = 0, rc = 0;
	bool privileged = c->uid == 0;

	while (argc < 64 && (tok = str_token(&cur, " \t\r\n")) != NULL)
		argv[argc++] = tok;
	if (argc == 0) {
		ctl_reply_printf(r, 2, "Too few arguments.");
		r->code = 1;
		return;
	}
	if (strcmp(argv[0], "is-active") == 0 || strcmp(argv[0], "is-failed") == 0) {
		bool failed_verb = argv[0][3] == 'f', any = false;

		for (int i = 1; i < argc; i++) {
			bool active = find(st, argv[i]) != NULL;
			bool failed = !active && strcmp(st->failed_name, argv[i]) == 0;

			ctl_reply_printf(r, 1, "%s",
					 active		  ? "active"
						 : failed ? "failed"
							  : "inactive");
			if (failed_verb ? failed : active)
				any = true;
		}
		r->code = any ? 0 : failed_verb ? 1 : 3;
		return;
	}
	if (strcmp(argv[0], "status") == 0) {
		for (int i = 1; i < argc; i++) {
			int one;

			if (i > 1)
				ctl_reply_printf(r, 1, "%s", "");
			one = status_socket(st, r, argv[i]);
			if (!rc)
				rc = one;
		}
		r->code = rc;
		return;
	}
	if (strcmp(argv[0], "list-sockets") == 0) {
		r->code = list_sockets(st, r);
		return;
	}
	if (strcmp(argv[0], "start") == 0 || strcmp(argv[0], "stop") == 0 ||
	    strcmp(argv[0], "restart") == 0 || strcmp(argv[0], "daemon-reload") == 0) {
		if (!privileged) {
			ctl_reply_printf(r, 2, "Failed to %s %s: Access denied", argv[0],
					 argc > 1 ? argv[1] : "");
			r->code = 4;
			return;
		}
		if (strcmp(argv[0], "daemon-reload") == 0) {
			sd_reload(st);
			r->code = 0;
			return;
		}
		for (int i = 1; i < argc && !rc; i++) {
			if (!is_socket_name(argv[i])) {
				ctl_reply_printf(
					r, 2,
					"Failed to %s %s: socketd supervises socket units only (so far).",
					argv[0], argv[i]);
				rc = 1;
				break;
			}
			if (argv[0][2] != 'a') /* stop or restart */
				stop_socket(st, argv[i]);
			if (strcmp(argv[0], "stop") != 0)
				rc = start_socket(st, r, argv[i]);
		}
		r->code = rc;
		return;
	}
	ctl_reply_printf(r, 2, "Unknown command verb %s.", argv[0]);
	r->code = 1;
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
		if (slot < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
			close(fd); /* busy: the client sees EOF and reports a broken reply */
			continue;
		}
		memset(&st->clients[slot], 0, sizeof(st->clients[slot]));
		st->clients[slot].fd = fd;
		st->clients[slot].uid = cr.uid;
		st->clients[slot].deadline_us = sd_now_us() + CLIENT_DEADLINE_US;
	}
}

static void serve(struct sd_state *st, struct sd_client *c)
{
	if (!c->out) {
		ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
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
		if (!nl && c->inlen < sizeof(c->in) - 1)
			return; /* not a whole line yet */
		if (!nl || memchr(c->in, '\0', (size_t)(nl - c->in))) {
			ctl_reply_printf(&r, 2, "Request too long or malformed.");
			r.code = 1;
		} else {
			*nl = '\0';
			execute(st, c, c->in, &r);
		}
		if (ctl_reply_finish(&r) < 0) {
			ctl_reply_free(&r);
			drop(c);
			return;
		}
		c->out = r.buf;
		c->outlen = r.len;
		c->outpos = 0;
	}
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
	for (int i = 0; i < SD_MAX_CLIENTS; i++)
		if (st->clients[i].fd >= 0 && now > st->clients[i].deadline_us)
			drop(&st->clients[i]); /* too slow: it cannot hold socketd */
}
