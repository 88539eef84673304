/* Activation: what socketd does when a listener becomes readable. Accept=yes: accept, apply
 * the per-source cap and TCPWrap, start one instance with the connection; Accept=no: start
 * the service with every listener of the unit (LISTEN_FDS). Runs in the event loop, so it
 * never blocks: TCP wrappers come from the cached tables, the spawn is a vfork. */
#include "socketd.h"

#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char default_path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
static char fdname_connection[] = "LISTEN_FDNAMES=connection";
static char proto_tcp[] = "PROTO=TCP";

long long sd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *env_lookup(const struct sd_service *svc, const char *name, size_t len)
{
	for (size_t i = 0; i < svc->nenv; i++)
		if (strncmp(svc->env[i], name, len) == 0 && svc->env[i][len] == '=')
			return svc->env[i] + len + 1;
	return NULL;
}

/* systemd's ExecStart expansion: specifiers, then ${VAR} inline and $VAR as its words. */
static int build_argv(const struct sd_service *svc, const char *unit_name, char *buf, size_t size,
		      char **argv, size_t max)
{
	char spec[UNIT_LINE_MAX], vars[UNIT_LINE_MAX];
	size_t n = 0, argc;
	const char *p;

	if (unit_expand(unit_name, svc->exec, spec, sizeof(spec)) < 0)
		return -1;
	for (p = spec; *p && n + 1 < sizeof(vars); p++) {
		const char *name = NULL, *val;
		size_t len = 0;

		if (p[0] == '$' && p[1] == '$') { /* "$$" is a literal '$' */
			vars[n++] = '$';
			p++;
			continue;
		}
		if (p[0] == '$' && p[1] == '{' && strchr(p, '}')) {
			name = p + 2;
			len = (size_t)(strchr(p, '}') - name);
			p = name + len;
		} else if (p[0] == '$' &&
			   (p[1] == '_' || (p[1] >= 'A' && p[1] <= 'Z') ||
			    (p[1] >= 'a' && p[1] <= 'z'))) {
			name = p + 1;
			while (name[len] == '_' || (name[len] >= 'A' && name[len] <= 'Z') ||
			       (name[len] >= 'a' && name[len] <= 'z') ||
			       (name[len] >= '0' && name[len] <= '9'))
				len++;
			p = name + len - 1;
		}
		if (!name) {
			vars[n++] = *p;
			continue;
		}
		val = env_lookup(svc, name, len);
		for (; val && *val && n + 1 < sizeof(vars); val++)
			vars[n++] = *val;
	}
	vars[n] = '\0';
	if (unit_split_words(vars, argv, max, &argc, buf, size) < 0 || argc == 0)
		return -1;
	return (int)argc;
}

static void add_child(struct sd_state *st, pid_t pid, struct sd_socket *s,
		      const struct sockaddr_storage *peer, socklen_t plen)
{
	struct sd_child *c;

	if (st->nchildren == st->children_cap) {
		st->children_cap = st->children_cap ? st->children_cap * 2 : 64;
		st->children = xrealloc(st->children, st->children_cap * sizeof(*st->children));
	}
	c = &st->children[st->nchildren++];
	c->pid = pid;
	c->sock = s;
	c->peer_len = plen;
	if (peer && plen)
		memcpy(&c->peer, peer, plen);
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

static void wrap_diag(void *ctx, int prio, const char *text)
{
	(void)ctx;
	log_msg(prio, "%s", text);
}

static void wrap_banner(void *ctx, const char *text, size_t len)
{
	/* best effort: the connection is non-blocking for socketd, a full buffer drops it */
	if (write(*(int *)ctx, text, len) < 0) {
	}
}

static const struct rules_hooks wrap_hooks = {wrap_diag, NULL, wrap_banner};

/* The in-process tcpd: true when the connection may go on. */
static bool tcpwrap_allows(struct sd_state *st, struct sd_socket *s, int fd,
			   const struct sockaddr_storage *peer, socklen_t plen,
			   const struct sockaddr_storage *local, socklen_t llen)
{
	struct rules_request rq;
	struct rules_result res;
	int fdv = fd;

	rules_request_init(&rq, s->wrap_name, &wrap_hooks, &fdv);
	/* options that would run commands or change identity belong to tcpd, not to the
	 * daemon's loop: here allow/deny, banners and severity take effect */
	rq.dry_run = true;
	rq.fd = fd;
	rules_host_set_sockaddr(&rq.client, (const struct sockaddr *)peer, plen);
	if (llen)
		rules_host_set_sockaddr(&rq.server, (const struct sockaddr *)local, llen);
	if (!st->rules_loaded) {
		if (rules_cache_init(&st->rules, paths_get(PATHS_HOSTS_ALLOW),
				     paths_get(PATHS_HOSTS_DENY), &rq) < 0)
			return false;
		st->rules_loaded = true;
	} else {
		rules_cache_refresh(&st->rules, &rq);
	}
	rules_cache_access(&st->rules, &rq, &res);
	if (!res.granted)
		log_msg(rq.deny_severity, "%s: refused connect from %s (%s)%s%s%s%d", s->name,
			rules_client(&rq), rules_host_addr(&rq.client), res.file ? " by " : "",
			res.file ? res.file : "", res.file ? ":" : "", res.file ? res.line : 0);
	return res.granted;
}

static void fill_stdio(struct sd_state *st, const struct sd_service *svc, int conn,
		       struct sup_spawn *sp)
{
	enum sd_io in = svc->in, out = svc->out, err = svc->err;

	if (in == SD_IO_DEFAULT)
		in = conn >= 0 ? SD_IO_SOCKET : SD_IO_NULL;
	if (out == SD_IO_DEFAULT)
		out = SD_IO_INHERIT;
	if (err == SD_IO_DEFAULT)
		err = SD_IO_JOURNAL;
	sp->stdio[0] = in == SD_IO_SOCKET ? conn : -1;
	sp->stdio[1] = out == SD_IO_SOCKET ? conn
		: out == SD_IO_INHERIT	   ? sp->stdio[0]
		: out == SD_IO_JOURNAL	   ? st->log_fd
					   : -1;
	sp->stdio[2] = err == SD_IO_SOCKET ? conn
		: err == SD_IO_INHERIT	   ? sp->stdio[1]
		: err == SD_IO_JOURNAL	   ? st->log_fd
					   : -1;
}

/* Start the service (an instance for one connection, or the whole unit). */
static pid_t start(struct sd_state *st, struct sd_socket *s, int conn,
		   const struct sockaddr_storage *peer, socklen_t plen,
		   const struct sockaddr_storage *local, socklen_t llen, const char *unit_name)
{
	const struct sd_service *svc = &s->svc;
	char argbuf[UNIT_LINE_MAX], *argv[256], *envp[SD_MAX_ENV + 16];
	char listen_pid[SUP_LISTEN_PID_SIZE] = "LISTEN_PID=", listen_fds[32], names[1024];
	char remote[96], rport[32], proto[16], tcpr[96], tcprp[32], tcpl[96], tcplp[32];
	struct sup_spawn sp;
	size_t ne = 0;
	pid_t pid;

	if (build_argv(svc, unit_name, argbuf, sizeof(argbuf), argv, 255) < 0) {
		log_msg(LOG_ERR, "%s: Failed to build the command line of %s", s->name, unit_name);
		return -1;
	}
	sup_spawn_init(&sp);
	envp[ne++] = default_path;
	for (size_t i = 0; i < svc->nenv && ne < SD_MAX_ENV; i++)
		envp[ne++] = svc->env[i];
	fill_stdio(st, svc, conn, &sp);
	if (conn >= 0) {
		if (sp.stdio[0] != conn) {
			/* not inetd style: the connection is fd 3, sd_listen_fds() finds it */
			sp.fds[sp.nfds++] = conn;
			snprintf(listen_fds, sizeof(listen_fds), "LISTEN_FDS=1");
			envp[ne++] = listen_fds;
			envp[ne++] = listen_pid;
			envp[ne++] = fdname_connection;
			sp.listen_pid = listen_pid;
		}
		if (peer->ss_family == AF_INET || peer->ss_family == AF_INET6) {
			char host[64];

			net_format_host((const struct sockaddr *)peer, plen, host, sizeof(host));
			snprintf(remote, sizeof(remote), "REMOTE_ADDR=%s", host);
			snprintf(rport, sizeof(rport), "REMOTE_PORT=%u",
				 net_port((const struct sockaddr *)peer));
			snprintf(tcpr, sizeof(tcpr), "TCPREMOTEIP=%s", host);
			snprintf(tcprp, sizeof(tcprp), "TCPREMOTEPORT=%u",
				 net_port((const struct sockaddr *)peer));
			envp[ne++] = remote;
			envp[ne++] = rport;
			envp[ne++] = proto_tcp;
			envp[ne++] = tcpr;
			envp[ne++] = tcprp;
			if (llen) {
				net_format_host((const struct sockaddr *)local, llen, host,
						sizeof(host));
				snprintf(tcpl, sizeof(tcpl), "TCPLOCALIP=%s", host);
				snprintf(tcplp, sizeof(tcplp), "TCPLOCALPORT=%u",
					 net_port((const struct sockaddr *)local));
				envp[ne++] = tcpl;
				envp[ne++] = tcplp;
			}
		} else {
			snprintf(proto, sizeof(proto), "PROTO=UNIX");
			envp[ne++] = proto;
		}
	} else {
		size_t used = 0;

		names[0] = '\0';
		for (size_t i = 0; i < s->nl && sp.nfds < SUP_MAX_FDS; i++) {
			sp.fds[sp.nfds++] = s->l[i].fd;
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 i ? ":" : "", s->l[i].fdname);
			if (used >= sizeof(names))
				used = sizeof(names) - 1;
		}
		snprintf(listen_fds, sizeof(listen_fds), "LISTEN_FDS=%d", sp.nfds);
		envp[ne++] = listen_fds;
		envp[ne++] = listen_pid;
		{
			static char fdnames[1100];

			snprintf(fdnames, sizeof(fdnames), "LISTEN_FDNAMES=%s", names);
			envp[ne++] = fdnames;
		}
		sp.listen_pid = listen_pid;
	}
	envp[ne] = NULL;
	sp.path = argv[0];
	sp.argv = argv;
	sp.envp = envp;
	sp.uid = svc->uid;
	sp.gid = svc->gid;
	sp.groups = svc->groups;
	sp.ngroups = svc->ngroups; /* -1 unless User= or SupplementaryGroups= */
	sp.cwd = svc->cwd;
	sp.umask = svc->umask;
	sp.nice = svc->nice;
	sp.nofile = svc->nofile;
	sp.setsid = true;
	sp.reset_signals =
		1UL << SIGPIPE; /* socketd installs no handler, it only ignores SIGPIPE */
	pid = sup_spawn(&sp);
	if (pid < 0) {
		if (sp.failed_step)
			log_msg(LOG_ERR, "%s: Failed at step %s spawning %s: %s", unit_name,
				sp.failed_step == SUP_EXIT_EXEC		   ? "EXEC"
					: sp.failed_step == SUP_EXIT_USER  ? "USER"
					: sp.failed_step == SUP_EXIT_GROUP ? "GROUP"
					: sp.failed_step == SUP_EXIT_CHDIR ? "CHDIR"
									   : "SETUP",
				argv[0], strerror(sp.failed_errno));
		else
			log_errno(LOG_ERR, "%s: vfork", unit_name);
	}
	return pid;
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

/* One connection off the backlog: false when there was none (or no fd for it). */
static bool accept_one(struct sd_state *st, struct sd_socket *s, struct sd_listener *l)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char unit_name[UNIT_NAME_MAX + 256], prefix[UNIT_NAME_MAX], host[64], lhost[64];
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	const char *suffix;
	int fd;
	pid_t pid;

	fd = accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			shed(st, l->fd);
		return false;
	}
	s->accepted++;
	/* the local end, once: TCPWrap, the environment and the instance name all need it */
	if ((peer.ss_family != AF_INET && peer.ss_family != AF_INET6) ||
	    getsockname(fd, (struct sockaddr *)&local, &llen) < 0)
		llen = 0;
	if (s->max_per_source && (peer.ss_family == AF_INET || peer.ss_family == AF_INET6)) {
		unsigned same = 0;

		for (size_t i = 0; i < st->nchildren; i++)
			if (st->children[i].sock == s &&
			    net_same_host((struct sockaddr *)&st->children[i].peer,
					  (struct sockaddr *)&peer))
				same++;
		if (same >= s->max_per_source) {
			net_format_host((struct sockaddr *)&peer, plen, host, sizeof(host));
			log_msg(LOG_WARNING,
				"%s: Too many incoming connections (%u) from source %s, dropping connection.",
				s->name, same, host);
			s->refused++;
			close(fd);
			return true;
		}
	}
	if (s->tcpwrap && !tcpwrap_allows(st, s, fd, &peer, plen, &local, llen)) {
		s->refused++;
		close(fd);
		return true;
	}
	/* the instance name systemd would give it: prefix@N-local:port-remote:port.service */
	if (!unit_name_parse(s->svc.name, prefix, sizeof(prefix), NULL, 0, &suffix))
		str_copy(prefix, sizeof(prefix), s->svc.name);
	if (peer.ss_family == AF_INET || peer.ss_family == AF_INET6) {
		lhost[0] = '\0';
		if (llen)
			net_format_host((struct sockaddr *)&local, llen, lhost, sizeof(lhost));
		net_format_host((struct sockaddr *)&peer, plen, host, sizeof(host));
		snprintf(unit_name, sizeof(unit_name), "%s@%lu-%s:%u-%s:%u.service", prefix,
			 s->instances, lhost, net_port((struct sockaddr *)&local), host,
			 net_port((struct sockaddr *)&peer));
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
	pid = start(st, s, fd, &peer, plen, &local, llen, unit_name);
	close(fd);
	if (pid > 0) {
		add_child(st, pid, s, &peer, plen);
		s->active++;
	}
	return true;
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
	/* Accept=no (or a datagram socket): the service gets every listener */
	{
		pid_t pid = start(st, s, -1, NULL, 0, NULL, 0, s->svc.name);

		if (pid > 0) {
			s->main_pid = pid;
			add_child(st, pid, s, NULL, 0);
		} else {
			/* don't spin on a readable socket whose service cannot start */
			s->paused_until_us = sd_now_us() + 1000000;
		}
	}
}
