/* TCPWrap=: the in-process tcpd. A connection is checked against hosts.allow and
 * hosts.deny from the cached tables (libcommon/rules_cache.c) before anything is spawned.
 *
 * socketd's loop never waits on DNS: the decision there is made without lookups, and where
 * a rule needs the client's host name (a name, .domain, KNOWN, UNKNOWN, PARANOID, @netgroup,
 * %h/%n in a banner) it stops short (rules' no_lookups) and a process of the connection's own,
 * a fork of socketd (the tables already in its memory), decides again with the resolver,
 * unprivileged, and sends its verdict back on a pipe. The connection waits for it in
 * socketd and counts against MaxConnections= meanwhile; a grant starts the service as any
 * connection's would, a refusal is logged in socketd like its own. A slow or dead name
 * server stalls that one connection, never the other sockets, the control socket or the
 * services' supervision. */
#include "socketd.h"

#include <fcntl.h>
#include <unistd.h>

/* the connection, held while its checker decides */
struct sd_wrap_check {
	int result_fd;
	int conn_fd;
	struct sd_conn_addrs a;
};

/* what a checker sends: its verdict and the line socketd logs for a refusal (one write,
 * under PIPE_BUF: whole or not at all) */
struct verdict {
	unsigned char granted, prio;
	char msg[480];
};

/* banners (the rules' banners option): held while the decision may still be taken again
 * elsewhere, so a client never gets the banner of a rule that did not decide */
struct banner {
	int fd;
	bool hold;
	size_t len;
	char buf[2048];
};

static void wrap_diag(void *ctx, int prio, const char *text)
{
	(void)ctx;
	log_msg(prio, "%s", text);
}

/* best effort, never waiting: a client that reads nothing must not hold socketd (what does
 * not fit the socket's buffer is lost, the connection is closed anyway) */
static void banner_send(int fd, const char *text, size_t len)
{
	if (fd >= 0 && send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
	}
}

static void wrap_banner(void *ctx, const char *text, size_t len)
{
	struct banner *b = ctx;

	if (!b->hold) {
		banner_send(b->fd, text, len);
		return;
	}
	if (len > sizeof(b->buf) - b->len)
		len = sizeof(b->buf) - b->len;
	memcpy(b->buf + b->len, text, len);
	b->len += len;
}

static const struct rules_hooks wrap_hooks = {wrap_diag, NULL, wrap_banner};

/* One decision from the tables as they are: 1 granted, 0 refused (v: the line to log), -1 a
 * rule needs a host name and lookups are not allowed here. */
static int decide(struct sd_state *st, struct sd_socket *s, int fd, const struct sd_conn_addrs *a,
		  bool lookups, struct verdict *v)
{
	struct rules_request rq;
	struct rules_result res;
	/* a TLS client gets no plaintext banner, only the close */
	struct banner b = {.fd = s->tls ? -1 : fd, .hold = !lookups};

	rules_request_init(&rq, s->wrap_name, &wrap_hooks, &b);
	/* options that would run commands or change identity belong to tcpd, not to the
	 * daemon: here allow/deny, banners and severity take effect */
	rq.dry_run = true;
	rq.decide_only = true;
	rq.no_lookups = !lookups;
	rq.fd = fd;
	rules_host_set_sockaddr(&rq.client, (const struct sockaddr *)&a->peer, a->plen);
	if (a->llen)
		rules_host_set_sockaddr(&rq.server, (const struct sockaddr *)&a->local, a->llen);
	rules_cache_access(&st->rules, &rq, &res);
	if (rq.needs_lookup)
		return -1;
	if (b.len)
		banner_send(b.fd, b.buf, b.len);
	v->msg[0] = '\0';
	if (res.granted && rq.undecided) {
		/* aclexec, twist or a user@ pattern would have had its say: tcpd's to decide */
		v->prio = LOG_WARNING;
		str_printf(v->msg, sizeof(v->msg),
			   "refused connect from %s (%s): the tables need aclexec, twist or an "
			   "ident lookup, which run under tcpd, not in socketd",
			   rules_client(&rq), rules_host_addr(&rq.client));
		return 0;
	}
	if (!res.granted) {
		v->prio = (unsigned char)rq.deny_severity;
		str_printf(v->msg, sizeof(v->msg), "refused connect from %s (%s)%s%s%s%d",
			   rules_client(&rq), rules_host_addr(&rq.client), res.file ? " by " : "",
			   res.file ? res.file : "", res.file ? ":" : "", res.file ? res.line : 0);
	}
	return res.granted;
}

/* The checker: the decision again, with lookups, then its verdict to socketd. */
static _Noreturn void checker(struct sd_state *st, struct sd_socket *s, int conn,
			      const struct sd_conn_addrs *a, int result_fd)
{
	const int keep[] = {conn, result_fd};
	struct verdict v;

	sd_connproc_setup(st, s, keep, sizeof(keep) / sizeof(keep[0]));
	sd_connproc_drop(&s->svc, "the TCP-wrapper lookup");
	memset(&v, 0, sizeof(v));
	v.granted = decide(st, s, conn, a, true, &v) == 1;
	while (write(result_fd, &v, sizeof(v)) < 0 && errno == EINTR) {
	}
	_exit(0);
}

void sd_wrap_check_free(struct sd_wrap_check *c)
{
	if (!c)
		return;
	close(c->result_fd);
	if (c->conn_fd >= 0)
		close(c->conn_fd);
	free(c);
}

int sd_wrap_connection(struct sd_state *st, struct sd_socket *s, int fd,
		       const struct sd_conn_addrs *a)
{
	struct rules_request rq;
	struct verdict v;
	struct sd_wrap_check *c;
	int r, result[2];
	pid_t pid;

	/* the tables (re)loaded here, in socketd: a checker decides on what socketd has */
	rules_request_init(&rq, s->wrap_name, &wrap_hooks, NULL);
	if (!st->rules_loaded) {
		if (rules_cache_init(&st->rules, paths_get(PATHS_HOSTS_ALLOW),
				     paths_get(PATHS_HOSTS_DENY), &rq) < 0)
			return SD_WRAP_REFUSED;
		st->rules_loaded = true;
		rules_cache_watch(
			&st->rules); /* without inotify: a stat per table per connection */
	} else {
		rules_cache_refresh(&st->rules, &rq);
	}
	r = decide(st, s, fd, a, false, &v);
	if (r >= 0) {
		if (v.msg[0])
			sd_socket_log(s, v.prio, "%s", v.msg);
		return r ? SD_WRAP_GRANTED : SD_WRAP_REFUSED;
	}
	if (pipe2(result, O_CLOEXEC) < 0) {
		log_errno(LOG_ERR, "%s: pipe for a TCP-wrapper lookup (connection refused)",
			  s->name);
		return SD_WRAP_REFUSED;
	}
	pid = fork();
	if (pid == 0) {
		close(result[0]);
		checker(st, s, fd, a, result[1]);
	}
	close(result[1]);
	if (pid < 0) {
		log_errno(LOG_ERR, "%s: fork for a TCP-wrapper lookup (connection refused)",
			  s->name);
		close(result[0]);
		return SD_WRAP_REFUSED;
	}
	fcntl(result[0], F_SETFL, O_NONBLOCK);
	c = xcalloc(1, sizeof(*c));
	c->result_fd = result[0];
	c->conn_fd = fd;
	c->a = *a;
	{
		struct sd_child *ch = sd_add_child(st, pid, s, &a->peer, a->plen, ++st->conn_seq);

		ch->checker = true;
		ch->check = c;
	}
	s->active++;
	return SD_WRAP_PENDING;
}

int sd_wrap_result_fd(const struct sd_wrap_check *c)
{
	return c->result_fd;
}

/* A checker's verdict: the service starts (the connection keeps its count: the checker is
 * the same connection), or the connection is refused and logged. A checker that ended
 * without one refuses it. */
void sd_wrap_result(struct sd_state *st, size_t i)
{
	struct sd_child *ch = &st->children[i];
	struct sd_wrap_check *c = ch->check;
	struct sd_socket *s = ch->sock;
	unsigned long conn = ch->conn;
	struct verdict v;
	ssize_t got;

	while ((got = read(c->result_fd, &v, sizeof(v))) < 0 && errno == EINTR) {
	}
	if (got < 0 && errno == EAGAIN)
		return; /* not yet */
	ch->check = NULL;
	if (!s || st->stopping) {
		sd_wrap_check_free(c);
		return;
	}
	if (got != (ssize_t)sizeof(v)) {
		char host[64];

		net_format_host((const struct sockaddr *)&c->a.peer, c->a.plen, host, sizeof(host));
		sd_socket_log(
			s, LOG_ERR,
			"refused connect from %s: its TCP-wrapper lookup ended without a verdict",
			host);
		v.granted = 0;
		v.msg[0] = '\0';
	}
	v.msg[sizeof(v.msg) - 1] = '\0';
	if (v.msg[0])
		sd_socket_log(s, v.prio, "%s", v.msg);
	if (!v.granted) {
		s->refused++;
		sd_wrap_check_free(c);
		return;
	}
	{
		int fd = c->conn_fd;
		struct sd_conn_addrs a = c->a;

		c->conn_fd = -1;
		sd_wrap_check_free(c);
		sd_conn_start(st, s, fd, &a, conn);
	}
}
