/* svcctl daemon-reexec: socketd execs its binary again (the new one after an upgrade)
 * keeping what must not be lost: the listening sockets (no connection is refused), the
 * supervised children (they stay children across exec) and the state of every unit. The
 * state travels in a memfd as text lines, one record a line, fds by number with close-on-exec
 * cleared; the new process loads the unit files as usual, then takes that state over. */
#include "socketd.h"
#include "scan.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define STATE_ENV "GATEBOX_SOCKETD_STATE"

void sd_state_keep_fd(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFD, 0);
}

static void save(struct sd_state *st, FILE *fp)
{
	for (size_t i = 0; i < st->nsocks; i++) {
		const struct sd_socket *s = st->socks[i];

		fprintf(fp, "socket %s %d %lu %lu %lu %lld\n", s->name, s->manual, s->accepted,
			s->refused, s->instances, s->active_since);
		for (size_t j = 0; j < s->nl; j++)
			if (s->l[j].fd >= 0) {
				fprintf(fp, "listener %s %zu %d\n", s->name, j, s->l[j].fd);
				sd_state_keep_fd(s->l[j].fd);
			}
	}
	for (size_t i = 0; i < st->nchildren; i++)
		if (st->children[i].sock)
			fprintf(fp, "child %ld %s %lu %d\n", (long)st->children[i].pid,
				st->children[i].sock->name, st->children[i].conn,
				st->children[i].relay		  ? 1
					: st->children[i].checker ? 2
								  : 0);
	/* a TLS handshake's result still to come: its pipe, the service's end of the
	 * socketpair and what the service's start needs */
	for (size_t i = 0; i < st->nchildren; i++)
		if (ENABLE_TLS && st->children[i].sock && st->children[i].tls)
			sd_tls_pending_save(fp, &st->children[i]);
	/* a TCP-wrapper lookup's connection, held for its names: carried over whole (its
	 * addresses are the connection's own, asked again) */
	for (size_t i = 0; i < st->nchildren; i++) {
		int result_fd, conn_fd;

		if (st->children[i].sock && st->children[i].check &&
		    sd_wrap_check_fds(st->children[i].check, &result_fd, &conn_fd)) {
			fprintf(fp, "lookup %ld %d %d\n", (long)st->children[i].pid, result_fd,
				conn_fd);
			sd_state_keep_fd(result_fd);
			sd_state_keep_fd(conn_fd);
		}
	}
	for (size_t i = 0; i < st->nunits; i++) {
		const struct sd_unit *u = st->units[i];

		fprintf(fp,
			"unit %s %d %d %d %d %ld %ld %ld %ld %ld %d %d %d %zu %lld %lld %lld %lld %u %u "
			"%d %d %d %d %d %d\n",
			u->svc.name, u->active, u->sub, u->result, u->manual, (long)u->main_pid,
			(long)u->control_pid, (long)u->main_pgid, (long)u->control_pgid,
			(long)u->last_main, u->main_status, u->main_exited, u->phase, u->cmd,
			u->deadline_us, u->watchdog_us, u->since_us, u->active_enter_us,
			u->restarts, u->runs, u->ready, u->stop_requested, u->notify_sock,
			u->ready_pipe, u->out_pipe, u->out_w);
		if (u->status_text[0])
			fprintf(fp, "status %s %s\n", u->svc.name, u->status_text);
		sd_state_keep_fd(u->notify_sock);
		sd_state_keep_fd(u->ready_pipe);
		sd_state_keep_fd(u->out_pipe);
		sd_state_keep_fd(u->out_w);
	}
	if (st->failed_name[0])
		fprintf(fp, "failed %s %s %lld\n", st->failed_name, st->failed_result,
			st->failed_since);
	if (st->ctl_fd >= 0) {
		fprintf(fp, "ctl %d\n", st->ctl_fd);
		sd_state_keep_fd(st->ctl_fd);
	}
}

void sd_reexec(struct sd_state *st)
{
	int fd = memfd_create("socketd-state", 0);
	FILE *fp = fd >= 0 ? fdopen(dup(fd), "w") : NULL;
	char num[16];

	if (!fp) {
		log_errno(LOG_ERR, "daemon-reexec: state file");
		if (fd >= 0)
			close(fd);
		return;
	}
	save(st, fp);
	if (fclose(fp) != 0) {
		log_errno(LOG_ERR, "daemon-reexec: state file");
		close(fd);
		return;
	}
	lseek(fd, 0, SEEK_SET);
	snprintf(num, sizeof(num), "%d", fd);
	setenv(STATE_ENV, num, 1);
	log_msg(LOG_INFO, "Reexecuting %s.", st->exe);
	/* the blocked signals (SIGCHLD among them) stay blocked and pending across exec */
	execv(st->exe, st->argv);
	log_errno(LOG_ERR, "daemon-reexec: %s", st->exe);
	unsetenv(STATE_ENV);
	close(fd);
	/* still the old process: its fds go back to close-on-exec for the services it spawns */
	for (size_t i = 0; i < st->nsocks; i++)
		for (size_t j = 0; j < st->socks[i]->nl; j++)
			if (st->socks[i]->l[j].fd >= 0)
				fcntl(st->socks[i]->l[j].fd, F_SETFD, FD_CLOEXEC);
	for (size_t i = 0; i < st->nunits; i++) {
		int fds[4] = {st->units[i]->notify_sock, st->units[i]->ready_pipe,
			      st->units[i]->out_pipe, st->units[i]->out_w};

		for (int k = 0; k < 4; k++)
			if (fds[k] >= 0)
				fcntl(fds[k], F_SETFD, FD_CLOEXEC);
	}
	if (st->ctl_fd >= 0)
		fcntl(st->ctl_fd, F_SETFD, FD_CLOEXEC);
}

static struct sd_socket *find_socket(struct sd_state *st, const char *name)
{
	for (size_t i = 0; i < st->nsocks; i++)
		if (strcmp(st->socks[i]->name, name) == 0)
			return st->socks[i];
	return NULL;
}

/* a socket address as hex (" -" when none), and back: its length, 0 for "-" or junk */
void sd_state_put_addr(FILE *fp, const struct sockaddr_storage *ss, socklen_t len)
{
	const unsigned char *b = (const unsigned char *)ss;

	fputs(len ? " " : " -", fp);
	for (socklen_t i = 0; i < len && i < sizeof(*ss); i++)
		fprintf(fp, "%02x", b[i]);
}

socklen_t sd_state_get_addr(const char *hex, struct sockaddr_storage *ss)
{
	size_t len = strlen(hex);
	unsigned char *b = (unsigned char *)ss;

	memset(ss, 0, sizeof(*ss));
	if (len % 2 || len / 2 > sizeof(*ss) || strcmp(hex, "-") == 0)
		return 0;
	for (size_t i = 0; i < len; i++) { /* by hand: sscanf would link libc's scanf */
		const char *digits = "0123456789abcdef", *d = strchr(digits, hex[i]);

		if (!hex[i] || !d)
			return 0;
		b[i / 2] = (unsigned char)(b[i / 2] << 4 | (d - digits));
	}
	return (socklen_t)(len / 2);
}

int sd_state_take_fd(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* a record's words after its keyword: count (at most max) */
static size_t words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *tok;

	str_token(&line, " "); /* the keyword */
	while (n < max && (tok = str_token(&line, " ")) != NULL)
		w[n++] = tok;
	return n;
}

/* a number field: its value, or ok goes false */
static long long num(const char *w, bool *ok)
{
	struct scan sc;
	long long v;

	scan_init(&sc, w);
	v = scan_num(&sc, 10);
	if (!sc.ok || *sc.p)
		*ok = false;
	return v;
}

static void restore_unit(struct sd_state *st, char *line)
{
	char *w[27], name[UNIT_NAME_MAX];
	long long v[26];
	bool ok, bad;
	int a = 0, sub = 0, res = 0, manual = 0, mstatus = 0, mexited = 0, phase = 0, ready = 0;
	int stopreq = 0, ns = -1, rp = -1, op = -1, ow = -1;
	long mp = 0, cp = 0, mg = 0, cg = 0, lm = 0;
	size_t cmd = 0;
	long long dl = 0, wd = 0, since = 0, enter = 0;
	unsigned restarts = 0, runs = 0;
	struct sd_unit *u;

	ok = words(line, w, 27) == 26;
	for (int k = 1; ok && k < 26; k++)
		v[k] = num(w[k], &ok);
	if (ok) {
		str_copy(name, sizeof(name), w[0]);
		a = (int)v[1], sub = (int)v[2], res = (int)v[3], manual = (int)v[4];
		mp = (long)v[5], cp = (long)v[6], mg = (long)v[7], cg = (long)v[8], lm = (long)v[9];
		mstatus = (int)v[10], mexited = (int)v[11], phase = (int)v[12], cmd = (size_t)v[13];
		dl = v[14], wd = v[15], since = v[16], enter = v[17];
		restarts = (unsigned)v[18], runs = (unsigned)v[19], ready = (int)v[20];
		stopreq = (int)v[21], ns = (int)v[22], rp = (int)v[23], op = (int)v[24];
		ow = (int)v[25];
	}
	bad = !ok || a < 0 || a > SD_FAILED || sub < 0 || sub > SD_SUB_AUTO_RESTART || res < 0 ||
		res > SUP_DEPENDENCY || phase < 0 || phase >= SD_PH_COUNT;
	u = bad ? NULL : sd_unit_get(st, name);
	if (!u) {
		/* a bad record, or its file is gone: the processes keep running, socketd forgets
		 * them, and the fds handed over close (no longer close-on-exec, they would reach
		 * the next services) */
		int fds[4] = {ns, rp, op, ow};

		if (bad)
			log_msg(LOG_ERR, "daemon-reexec: bad unit record");
		else
			log_msg(LOG_WARNING, "%s: unit file gone across daemon-reexec", name);
		for (int k = 0; k < 4; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		return;
	}
	u->active = (enum sd_active)a;
	u->sub = (enum sd_sub)sub;
	u->result = (enum sup_result)res;
	u->manual = manual;
	u->main_pid = (pid_t)mp;
	u->control_pid = (pid_t)cp;
	u->main_pgid = (pid_t)mg;
	u->control_pgid = (pid_t)cg;
	u->last_main = (pid_t)lm;
	u->main_status = mstatus;
	u->main_exited = mexited;
	u->phase = (enum sd_phase)phase;
	u->cmd = cmd < u->svc.ncmds ? cmd : 0;
	u->deadline_us = dl;
	u->watchdog_us = wd;
	u->since_us = since;
	u->active_enter_us = enter;
	u->restarts = restarts;
	u->runs = runs;
	u->ready = ready;
	u->stop_requested = stopreq;
	u->notify_sock = sd_state_take_fd(ns);
	u->ready_pipe = sd_state_take_fd(rp);
	u->out_pipe = sd_state_take_fd(op);
	u->out_w = sd_state_take_fd(ow);
	if (ns >= 0)
		str_printf(u->notify_path, sizeof(u->notify_path), "%s/notify/%s",
			   paths_get(PATHS_RUN_DIR), name);
}

bool sd_restore(struct sd_state *st)
{
	const char *env = getenv(STATE_ENV);
	char line[1024];
	unsigned long fd;
	FILE *fp;

	if (!env)
		return false;
	if (opt_ulong(env, 10, 3, 65535, &fd) < 0 || !(fp = fdopen((int)fd, "r"))) {
		unsetenv(STATE_ENV);
		return false;
	}
	unsetenv(STATE_ENV);
	while (fgets(line, sizeof(line), fp)) {
		char *w[8], name[UNIT_NAME_MAX];
		bool ok = true;
		size_t n;
		struct sd_socket *s;

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "unit ", 5) == 0) {
			restore_unit(st, line);
			continue;
		}
		if (strncmp(line, "status ", 7) == 0) {
			/* "status NAME TEXT...": the text keeps its blanks */
			char *text = strchr(line + 7, ' ');
			struct sd_unit *u;

			if (!text)
				continue;
			*text++ = '\0';
			if ((u = sd_unit_find(st, line + 7)) != NULL)
				str_copy(u->status_text, sizeof(u->status_text), text);
			continue;
		}
		n = words(line, w, 8);
		if (n >= 1)
			str_copy(name, sizeof(name), w[0]);
		if (strncmp(line, "socket", 6) == 0 && n == 6) {
			int manual = (int)num(w[1], &ok), errors;

			s = find_socket(st, name);
			if (ok && !s && manual &&
			    (s = sd_load_one(st->unit_dir, name, &errors)) != NULL) {
				st->socks = xrealloc(st->socks,
						     (st->nsocks + 1) * sizeof(*st->socks));
				st->socks[st->nsocks++] = s;
			}
			if (ok && s) {
				s->manual = manual;
				s->accepted = (unsigned long)num(w[2], &ok);
				s->refused = (unsigned long)num(w[3], &ok);
				s->instances = (unsigned long)num(w[4], &ok);
				s->active_since = num(w[5], &ok);
			}
		} else if (strncmp(line, "listener", 8) == 0 && n == 3) {
			size_t idx = (size_t)num(w[1], &ok);
			int lfd = (int)num(w[2], &ok);

			if (!ok)
				continue;
			s = find_socket(st, name);
			sd_state_take_fd(lfd);
			if (s && idx < s->nl && s->l[idx].fd < 0)
				s->l[idx].fd = lfd;
			else
				close(lfd); /* the unit changed or went: sd_bind_all does the rest */
		} else if (strncmp(line, "child", 5) == 0 && (n == 2 || n == 4)) {
			/* PID SOCKET [CONNECTION KIND]: the processes of a connection count once;
			 * KIND 1 a TLS relay, 2 a TCP-wrapper lookup, 0 the service. A result still
			 * to come is lost (its pipe was close-on-exec: the relay ends, the client
			 * is dropped; the lookup's connection is closed) */
			pid_t pid = (pid_t)num(w[0], &ok);
			unsigned long conn = n == 4 ? (unsigned long)num(w[2], &ok)
						    : ++st->conn_seq;
			long kind = n == 4 ? num(w[3], &ok) : 0;
			struct sd_child *c;

			s = find_socket(st, w[1]);
			if (!ok)
				continue;
			if (conn > st->conn_seq)
				st->conn_seq = conn;
			if (s && s->accept && !sd_connection_known(st, s, conn))
				s->active++;
			c = sd_add_child(st, pid, s, NULL, 0, conn);
			c->relay = kind == 1;
			c->checker = kind == 2;
		} else if (strncmp(line, "lookup", 6) == 0 && n == 3) {
			/* PID RESULT CONNECTION, after its "child" line */
			pid_t pid = (pid_t)num(w[0], &ok);
			int result_fd = sd_state_take_fd((int)num(w[1], &ok));
			int conn_fd = sd_state_take_fd((int)num(w[2], &ok));
			struct sd_child *c = NULL;

			for (size_t i = 0; ok && i < st->nchildren && !c; i++)
				if (st->children[i].pid == pid && st->children[i].checker &&
				    st->children[i].sock && !st->children[i].check)
					c = &st->children[i];
			if (c)
				c->check = sd_wrap_check_restore(result_fd, conn_fd);
			else if (ok)
				close(result_fd), close(conn_fd);
		} else if (ENABLE_TLS && strncmp(line, "tls", 3) == 0 && n == 8) {
			/* PID RESULT PLAIN UNIT PEER LOCAL HOST LHOST, after its "child" line */
			pid_t pid = (pid_t)num(w[0], &ok);
			struct sd_child *c = NULL;

			for (size_t i = 0; ok && i < st->nchildren && !c; i++)
				if (st->children[i].pid == pid && st->children[i].relay &&
				    st->children[i].sock && !st->children[i].tls)
					c = &st->children[i];
			sd_tls_pending_load(c, w);
		} else if (strncmp(line, "failed", 6) == 0 && n == 3) {
			long long since = num(w[2], &ok);

			if (ok) {
				str_copy(st->failed_name, sizeof(st->failed_name), name);
				str_copy(st->failed_result, sizeof(st->failed_result), w[1]);
				st->failed_since = since;
			}
		} else if (strncmp(line, "ctl", 3) == 0 && n == 1) {
			int lfd = (int)num(w[0], &ok);

			if (ok)
				st->ctl_fd = sd_state_take_fd(lfd);
		}
	}
	fclose(fp);
	log_msg(LOG_INFO, "Reexecuted: %zu socket units, %zu service units taken over.", st->nsocks,
		st->nunits);
	return true;
}
