/* Activation: what socketd does when a listener becomes readable. Accept=yes: accept, apply
 * the per-source cap and TCPWrap, start one instance with the connection; Accept=no: start
 * the service with every listener of the unit (LISTEN_FDS). Runs in the event loop, so it
 * never blocks: TCP wrappers come from the cached tables (and a decision that needs DNS
 * from a process of its own: wrap.c), the spawn is a vfork. */
#include "socketd.h"

#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

long long sd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct sd_child *sd_add_child(struct sd_state *st, pid_t pid, struct sd_socket *s,
			      const struct sockaddr_storage *peer, socklen_t plen,
			      unsigned long conn)
{
	struct sd_child *c;

	if (st->nchildren == st->children_cap) {
		st->children_cap = st->children_cap ? st->children_cap * 2 : 8;
		st->children = xrealloc(st->children, st->children_cap * sizeof(*st->children));
	}
	c = &st->children[st->nchildren++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->sock = s;
	c->conn = conn;
	c->peer_len = plen;
	if (peer && plen)
		memcpy(&c->peer, peer, plen);
	return c;
}

/* a process of connection conn of s among the first n children, but skip */
static bool conn_among(const struct sd_state *st, const struct sd_socket *s, unsigned long conn,
		       size_t n, size_t skip)
{
	for (size_t j = 0; j < n; j++)
		if (j != skip && st->children[j].sock == s && st->children[j].conn == conn)
			return true;
	return false;
}

bool sd_connection_known(const struct sd_state *st, const struct sd_socket *s, unsigned long conn)
{
	return conn_among(st, s, conn, st->nchildren, SIZE_MAX);
}

void sd_child_reaped(struct sd_state *st, size_t i, int status, bool spawn_failed, int step,
		     const char *path, int err)
{
	struct sd_child *c;

	/* a relay that ended before socketd read its handshake's result (the client closed at
	 * once): the service starts all the same, and holds the connection's count */
	if (st->children[i].tls)
		sd_tls_result(st, i);
	/* a TCP-wrapper checker's verdict, if it came before its end */
	if (st->children[i].check)
		sd_wrap_result(st, i);
	c = &st->children[i]; /* the table may have grown */
	if (c->tls)
		sd_tls_pending_free(c->tls);
	sd_wrap_check_free(c->check);
	if (c->sock) {
		struct sd_socket *s = c->sock;

		if (s->active && !conn_among(st, s, c->conn, st->nchildren, i))
			s->active--;
		if (spawn_failed)
			sd_spawn_failure_log(s->svc.name, step, path, err);
		/* a relay's failures are logged by itself (the handshake's), a checker's verdict
		 * by socketd */
		if (!c->relay && !c->checker)
			sd_instance_exit_log(s, c->pid, status);
	}
	st->children[i] = st->children[--st->nchildren];
}

void sd_children_orphan(struct sd_state *st, const struct sd_socket *s)
{
	for (size_t c = 0; c < st->nchildren; c++)
		if (st->children[c].sock == s) {
			st->children[c].sock = NULL;
			if (st->children[c].tls) /* no service to start: the relay ends */
				sd_tls_pending_free(st->children[c].tls);
			st->children[c].tls = NULL;
			sd_wrap_check_free(st->children[c].check); /* nor a connection to serve */
			st->children[c].check = NULL;
		}
}

/* the pipe a child's result is to come on, or -1 */
static int result_fd(const struct sd_child *c)
{
	if (ENABLE_TLS && c->tls)
		return sd_tls_result_fd(c->tls);
	return c->check ? sd_wrap_result_fd(c->check) : -1;
}

size_t sd_results_poll_fds(const struct sd_state *st, struct pollfd *pfd, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nchildren && n < max; i++)
		if (result_fd(&st->children[i]) >= 0) {
			pfd[n].fd = result_fd(&st->children[i]);
			pfd[n].events = POLLIN;
			n++;
		}
	return n;
}

void sd_results_handle(struct sd_state *st, const struct pollfd *pfd, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		/* looked up by fd: a reap since the poll may have moved or ended entries */
		for (size_t i = 0; i < st->nchildren; i++)
			if (result_fd(&st->children[i]) == pfd[k].fd) {
				if (ENABLE_TLS && st->children[i].tls)
					sd_tls_result(st, i);
				else
					sd_wrap_result(st, i);
				break;
			}
	}
}

unsigned sd_connections_from(const struct sd_state *st, const struct sd_socket *s,
			     const struct sockaddr_storage *peer)
{
	unsigned same = 0;

	for (size_t i = 0; i < st->nchildren; i++) {
		const struct sd_child *c = &st->children[i];

		/* a connection's second process is not another connection */
		if (c->sock == s &&
		    net_same_host((const struct sockaddr *)&c->peer,
				  (const struct sockaddr *)peer) &&
		    !conn_among(st, s, c->conn, i, SIZE_MAX))
			same++;
	}
	return same;
}

pid_t sd_instance_spawn(struct sd_state *st, struct sd_socket *s, const struct sd_spawn_req *conn)
{
	struct sd_spawn_req rq = *conn;
	pid_t pid, failed_pid = 0;
	int failed_step = 0;

	rq.svc = &s->svc;
	rq.line = s->svc.exec;
	rq.argv0 = s->svc.exec_argv0;
	rq.out_fd = -1;
	rq.notify_fd = -1;
	rq.failed_pid = &failed_pid;
	rq.failed_step = &failed_step;
	pid = sd_spawn(st, &rq);
	if (pid < 0 && failed_pid > 0) /* its exit status is the step: 203/EXEC, ... */
		sd_instance_exit_log(s, failed_pid, failed_step << 8); /* exited */
	return pid;
}

/* TriggerLimitBurst= activations within TriggerLimitIntervalSec=: over it, the socket pauses
 * until the interval ends (logged), then recovers by itself. */
static bool trigger_limited(struct sd_socket *s)
{
	long long now = sd_now_us();

	if (s->trigger_interval_us <= 0 || s->trigger_burst == 0)
		return false;
	if (now - s->window_start_us >= s->trigger_interval_us) {
		s->window_start_us = now;
		s->window_count = 0;
	}
	if (++s->window_count <= s->trigger_burst)
		return false;
	s->paused_until_us = s->window_start_us + s->trigger_interval_us;
	log_msg(LOG_WARNING,
		"%s: Trigger limit hit (%u activations in %lld ms), pausing for %lld ms.", s->name,
		s->trigger_burst, s->trigger_interval_us / 1000, (s->paused_until_us - now) / 1000);
	return true;
}

/* Out of fds: give up the reserve, take the connection off the backlog and drop it, so the
 * listener stops being readable and socketd stays responsive; then take the reserve back. */
static void shed(struct sd_state *st, int lfd)
{
	int fd;

	if (st->reserve_fd >= 0) {
		close(st->reserve_fd);
		st->reserve_fd = -1;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	st->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	log_msg(LOG_ERR, "out of file descriptors: a connection was dropped");
}

/* a listener on one address (not a wildcard, not transparent): a connection's local end is
 * that address */
static bool bound_to_one_address(const struct sd_listener *l)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr.ss;

	if (l->opts.transparent)
		return false;
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr != 0;
	if (sa->sa_family == AF_INET6)
		return !IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return false;
}

/* prefix@N-local:port-remote:port.service, the name systemd gives an instance, without
 * printf (once per connection) */
static void instance_name(char *out, size_t size, const char *prefix, unsigned long n,
			  const char *lhost, unsigned lport, const char *rhost, unsigned rport)
{
	char *p = out, *end = out + size;

	p = str_put_uint(str_put(str_put(p, end, prefix), end, "@"), end, n);
	p = str_put_uint(str_put(str_put(str_put(p, end, "-"), end, lhost), end, ":"), end, lport);
	p = str_put_uint(str_put(str_put(str_put(p, end, "-"), end, rhost), end, ":"), end, rport);
	str_put(p, end, ".service");
}

/* One connection off the backlog: false when there was none (or no fd for it). */
static bool accept_one(struct sd_state *st, struct sd_socket *s, struct sd_listener *l)
{
	struct sd_conn_addrs a;
	char host[64];
	int fd;

	a.plen = sizeof(a.peer);
	a.llen = sizeof(a.local);
	fd = accept4(l->fd, (struct sockaddr *)&a.peer, &a.plen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			shed(st, l->fd);
		return false;
	}
	s->accepted++;
	/* the local end, once: TCPWrap, the environment and the instance name all need it */
	if (a.peer.ss_family != AF_INET && a.peer.ss_family != AF_INET6) {
		a.llen = 0;
	} else if (bound_to_one_address(l)) {
		memcpy(&a.local, &l->addr.ss, l->addr.len); /* no system call for what we know */
		a.llen = l->addr.len;
	} else if (getsockname(fd, (struct sockaddr *)&a.local, &a.llen) < 0) {
		a.llen = 0;
	}
	if (s->max_per_source && (a.peer.ss_family == AF_INET || a.peer.ss_family == AF_INET6)) {
		unsigned same = sd_connections_from(st, s, &a.peer);

		if (same >= s->max_per_source) {
			net_format_host((struct sockaddr *)&a.peer, a.plen, host, sizeof(host));
			log_msg(LOG_WARNING,
				"%s: Too many incoming connections (%u) from source %s, dropping connection.",
				s->name, same, host);
			s->refused++;
			close(fd);
			return true;
		}
	}
	if (s->tcpwrap) {
		int w = sd_wrap_connection(st, s, fd, &a);

		if (w == SD_WRAP_PENDING)
			return true; /* held until the verdict: sd_wrap_result */
		if (w == SD_WRAP_REFUSED) {
			s->refused++;
			close(fd);
			return true;
		}
	}
	sd_conn_start(st, s, fd, &a, 0);
	return true;
}

void sd_conn_start(struct sd_state *st, struct sd_socket *s, int fd, const struct sd_conn_addrs *a,
		   unsigned long conn)
{
	char unit_name[UNIT_NAME_MAX + 256], prefix[UNIT_NAME_MAX], host[64], lhost[64];
	const bool inet = a->peer.ss_family == AF_INET || a->peer.ss_family == AF_INET6;
	struct sd_tls_pending *pending = NULL;
	const char *suffix;
	pid_t pid;

	/* the instance name systemd would give it: prefix@N-local:port-remote:port.service */
	if (!unit_name_parse(s->svc.name, prefix, sizeof(prefix), NULL, 0, &suffix))
		str_copy(prefix, sizeof(prefix), s->svc.name);
	if (inet) {
		lhost[0] = '\0';
		if (a->llen)
			net_format_host((const struct sockaddr *)&a->local, a->llen, lhost,
					sizeof(lhost));
		net_format_host((const struct sockaddr *)&a->peer, a->plen, host, sizeof(host));
		instance_name(unit_name, sizeof(unit_name), prefix, s->instances, lhost,
			      net_port((const struct sockaddr *)&a->local), host,
			      net_port((const struct sockaddr *)&a->peer));
	} else {
		struct ucred cr;
		socklen_t cl = sizeof(cr);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0)
			snprintf(unit_name, sizeof(unit_name), "%s@%lu-%ld-%ld.service", prefix,
				 s->instances, (long)cr.pid, (long)cr.uid);
		else
			snprintf(unit_name, sizeof(unit_name), "%s@%lu-unknown.service", prefix,
				 s->instances);
	}
	s->instances++;
	sd_runtime_dir(&s->svc, true); /* instances share it: made once, left for the others */
	{
		struct sd_spawn_req rq = {.unit_name = unit_name,
					  .conn = fd,
					  .peer = &a->peer,
					  .plen = a->plen,
					  .local = &a->local,
					  .llen = a->llen,
					  .peer_host = inet ? host : NULL,
					  .local_host = inet && a->llen ? lhost : NULL};

		/* TLS: the handshake runs in the connection's own process, never here; the
		 * service starts when its result comes (sd_tls_result) */
		pid = s->tls ? sd_tls_spawn(st, s, &rq, &pending) : sd_instance_spawn(st, s, &rq);
	}
	close(fd);
	if (pid > 0) {
		bool counted = conn && sd_connection_known(st, s, conn);
		struct sd_child *c = sd_add_child(st, pid, s, &a->peer, a->plen,
						  conn ? conn : ++st->conn_seq);

		c->relay = s->tls != NULL;
		c->tls = pending;
		if (!counted)
			s->active++;
	}
}

void sd_activate(struct sd_state *st, struct sd_socket *s, size_t i)
{
	if (trigger_limited(s))
		return;
	if (s->accept && s->l[i].opts.type != SOCK_DGRAM) {
		/* a few per wake-up: under load the backlog holds more than one */
		for (int n = 0; accept_one(st, s, &s->l[i]) && ++n < 8;)
			if (s->active >= s->max_conn || trigger_limited(s))
				break;
		return;
	}
	/* Accept=no (or a datagram socket): the service unit starts and gets every listener */
	{
		struct sd_unit *u = sd_unit_get(st, s->svc.name);

		if (u && u->loaded)
			sd_unit_start(st, u);
		if (!u || !u->loaded || u->active == SD_FAILED) {
			/* don't spin on a readable socket whose service cannot start */
			log_msg(LOG_ERR, "%s: Failed to start %s; pausing for 1 s", s->name,
				s->svc.name);
			s->paused_until_us = sd_now_us() + 1000000;
		}
	}
}
