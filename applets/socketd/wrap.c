/* TCPWrap=: the in-process tcpd. A connection is checked against hosts.allow and
 * hosts.deny from the cached tables (libcommon/rules_cache.c) before anything is spawned.
 *
 * socketd's loop never waits on DNS: its decisions are made without lookups, and where a
 * rule needs a host name (a name, .domain, KNOWN, UNKNOWN, LOCAL, PARANOID, @netgroup,
 * %h/%n in a banner) the decision stops short (rules' no_lookups). A process of the
 * connection's own, a fork of socketd, then looks the name up, unprivileged (the service's
 * User= or nobody: a name server's answers are parsed there, never in root's socketd), and
 * sends the names back on a pipe; socketd decides on them, as root as before (a /file
 * pattern or a banner may be readable by root only), on the tables as they are then. The
 * connection waits for that in socketd, counted against MaxConnections=; a grant starts the
 * service as any connection's would. A slow or dead name server stalls that one
 * connection, never the other sockets, the control socket or the services' supervision. */
#include "fdio.h"
#include "socketd.h"

#include <fcntl.h>
#include <unistd.h>

/* the connection, held while its names are looked up */
struct sd_wrap_check {
	int result_fd;
	int conn_fd;
	struct sd_conn_addrs a;
};

/* what a lookup process sends: the names asked for, as rules_host_name gives them (a
 * name, "unknown" or "paranoid"). One write, under PIPE_BUF: whole or not at all. */
struct names {
	char client[RULES_STRING_MAX], server[RULES_STRING_MAX];
};

/* banners (the rules' banners option) are held while the decision may still be taken
 * again with names, so a client never gets the banner of a rule that did not decide;
 * sent, best effort, once it is final (up to BANNER_MAX: more would not fit a socket's
 * buffer, which is all a banner gets anyway: socketd never waits on a client) */
#define BANNER_MAX 65536
struct banner {
	int fd;
	size_t len;
	char *buf;
};

static void wrap_diag(void *ctx, int prio, const char *text)
{
	(void)ctx;
	log_msg(prio, "%s", text);
}

static void wrap_banner(void *ctx, const char *text, size_t len)
{
	struct banner *b = ctx;

	if (b->fd < 0 || b->len >= BANNER_MAX)
		return;
	if (len > BANNER_MAX - b->len)
		len = BANNER_MAX - b->len;
	b->buf = xrealloc(b->buf, b->len + len);
	memcpy(b->buf + b->len, text, len);
	b->len += len;
}

static const struct rules_hooks wrap_hooks = {wrap_diag, NULL, wrap_banner};

/* a name from the lookup process, which is unprivileged and parses what a name server
 * says: trusted no further than a name (an address-shaped one is paranoid, as libwrap
 * makes a reverse answer that looks like an address; the characters are sanitised) */
static void set_name(struct rules_host *h, const char *name)
{
	unsigned int a4;
	unsigned char a6[16];

	if (!name[0])
		return; /* not looked up: a rule that needs it refuses */
	if (rules_inet_addr(name, &a4) == 0 || rules_inet6(name, a6) == 0)
		name = RULES_PARANOID;
	rules_host_set_name(h, name);
}

/* One decision from the tables as they are, never a lookup: 1 granted, 0 refused
 * (logged), -1 a rule needs a name not given. */
static int decide(struct sd_state *st, struct sd_socket *s, int fd, const struct sd_conn_addrs *a,
		  const struct names *names)
{
	struct rules_request rq;
	struct rules_result res;
	/* a TLS client gets no plaintext banner, only the close */
	struct banner b = {.fd = s->tls ? -1 : fd};
	int granted;

	rules_request_init(&rq, s->wrap_name, &wrap_hooks, &b);
	/* options that would run commands or change identity belong to tcpd, not to the
	 * daemon: here allow/deny, banners and severity take effect */
	rq.dry_run = true;
	rq.decide_only = true;
	rq.no_lookups = true;
	rq.fd = fd;
	rules_host_set_sockaddr(&rq.client, (const struct sockaddr *)&a->peer, a->plen);
	if (a->llen)
		rules_host_set_sockaddr(&rq.server, (const struct sockaddr *)&a->local, a->llen);
	if (names) {
		set_name(&rq.client, names->client);
		if (a->llen)
			set_name(&rq.server, names->server);
	}
	/* the tables (re)loaded first: an edit is seen by the very next decision */
	if (!st->rules_loaded) {
		if (rules_cache_init(&st->rules, paths_get(PATHS_HOSTS_ALLOW),
				     paths_get(PATHS_HOSTS_DENY), &rq) < 0)
			return 0;
		st->rules_loaded = true;
		rules_cache_watch(
			&st->rules); /* without inotify: a stat per table per connection */
	} else {
		rules_cache_refresh(&st->rules, &rq);
	}
	rules_cache_access(&st->rules, &rq, &res);
	if (rq.needs_lookup) {
		free(b.buf);
		return -1;
	}
	if (b.len && send(b.fd, b.buf, b.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
	}
	free(b.buf);
	granted = res.granted;
	if (res.granted && rq.undecided) {
		/* aclexec, twist or a user@ pattern would have had its say: tcpd's to decide */
		sd_socket_log(s, LOG_WARNING,
			      "refused connect from %s (%s): the tables need aclexec, twist or an "
			      "ident lookup, which run under tcpd, not in socketd",
			      rules_client(&rq), rules_host_addr(&rq.client));
		granted = 0;
	} else if (!res.granted) {
		sd_socket_log(s, rq.deny_severity, "refused connect from %s (%s)%s%s%s%d",
			      rules_client(&rq), rules_host_addr(&rq.client),
			      res.file ? " by " : "", res.file ? res.file : "", res.file ? ":" : "",
			      res.file ? res.line : 0);
	}
	return granted;
}

/* The lookup process: the names asked for, then to socketd. */
static _Noreturn void lookup(struct sd_state *st, struct sd_socket *s,
			     const struct sd_wrap_check *c, int result_fd)
{
	const int keep[] = {result_fd};
	struct rules_request rq;
	struct names n;

	sd_connproc_setup(st, s, keep, sizeof(keep) / sizeof(keep[0]));
	sd_connproc_drop(&s->svc, "the TCP-wrapper lookup");
	memset(&n, 0, sizeof(n));
	rules_request_init(&rq, s->wrap_name, &wrap_hooks, NULL);
	rules_host_set_sockaddr(&rq.client, (const struct sockaddr *)&c->a.peer, c->a.plen);
	if (c->a.llen)
		rules_host_set_sockaddr(&rq.server, (const struct sockaddr *)&c->a.local,
					c->a.llen);
	/* both names, whichever the first decision stopped at: on the real names it may go
	 * past the rule it stopped at and need the other */
	str_copy(n.client, sizeof(n.client), rules_host_name(&rq.client));
	if (c->a.llen)
		str_copy(n.server, sizeof(n.server), rules_host_name(&rq.server));
	fd_write_all(result_fd, &n, sizeof(n)); /* one write: under PIPE_BUF */
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
	struct sd_wrap_check *c;
	int r, result[2];
	pid_t pid;

	r = decide(st, s, fd, a, NULL);
	if (r >= 0)
		return r ? SD_WRAP_GRANTED : SD_WRAP_REFUSED;
	if (pipe2(result, O_CLOEXEC) < 0) {
		log_errno(LOG_ERR, "%s: pipe for a TCP-wrapper lookup (connection refused)",
			  s->name);
		return SD_WRAP_REFUSED;
	}
	c = xcalloc(1, sizeof(*c));
	c->result_fd = result[0];
	c->conn_fd = fd;
	c->a = *a;
	pid = fork();
	if (pid == 0) {
		close(result[0]);
		lookup(st, s, c, result[1]);
	}
	close(result[1]);
	if (pid < 0) {
		log_errno(LOG_ERR, "%s: fork for a TCP-wrapper lookup (connection refused)",
			  s->name);
		c->conn_fd = -1; /* the caller closes it */
		sd_wrap_check_free(c);
		return SD_WRAP_REFUSED;
	}
	fcntl(result[0], F_SETFL, O_NONBLOCK);
	{
		struct sd_child *ch = sd_add_child(st, pid, s, &a->peer, a->plen, ++st->conn_seq);

		ch->checker = true;
		ch->check = c;
	}
	s->active++;
	return SD_WRAP_PENDING;
}

bool sd_wrap_check_fds(const struct sd_wrap_check *c, int *result_fd, int *conn_fd)
{
	*result_fd = c->result_fd;
	*conn_fd = c->conn_fd;
	return c->conn_fd >= 0;
}

/* after daemon-reexec: the same connection, its addresses asked of it again */
struct sd_wrap_check *sd_wrap_check_restore(int result_fd, int conn_fd)
{
	struct sd_wrap_check *c = xcalloc(1, sizeof(*c));

	c->result_fd = result_fd;
	c->conn_fd = conn_fd;
	c->a.plen = sizeof(c->a.peer);
	c->a.llen = sizeof(c->a.local);
	if (getsockname(conn_fd, (struct sockaddr *)&c->a.local, &c->a.llen) < 0)
		c->a.llen = 0;
	if (getpeername(conn_fd, (struct sockaddr *)&c->a.peer, &c->a.plen) < 0) {
		close(conn_fd); /* the client went: nothing to decide on */
		c->conn_fd = -1;
		c->a.plen = 0;
	}
	return c;
}

int sd_wrap_result_fd(const struct sd_wrap_check *c)
{
	return c->result_fd;
}

/* A lookup's names: the decision on them, and the service starts (the connection keeps
 * its count: the lookup was the same connection) or the refusal is logged. A lookup that
 * ended without names refuses the connection. */
void sd_wrap_result(struct sd_state *st, size_t i)
{
	struct sd_child *ch = &st->children[i];
	struct sd_wrap_check *c = ch->check;
	struct sd_socket *s = ch->sock;
	unsigned long conn = ch->conn;
	const char *why = NULL;
	struct names n;
	int got, r = 0;

	if ((got = fd_read_record(c->result_fd, &n, sizeof(n))) == 0)
		return; /* not yet */
	ch->check = NULL;
	if (!s || st->stopping || c->conn_fd < 0) {
		sd_wrap_check_free(c);
		return;
	}
	if (got < 0) {
		why = "its TCP-wrapper lookup ended without an answer";
	} else {
		n.client[sizeof(n.client) - 1] = n.server[sizeof(n.server) - 1] = '\0';
		r = decide(st, s, c->conn_fd, &c->a, &n);
		if (r < 0) /* both names given: never, but never a grant either */
			why = "no name for its rules";
	}
	if (why) {
		char host[64];

		net_format_host((const struct sockaddr *)&c->a.peer, c->a.plen, host, sizeof(host));
		sd_socket_log(s, LOG_ERR, "refused connect from %s: %s", host, why);
	}
	if (r <= 0) {
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
