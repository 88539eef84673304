/* Turning a service's configuration into a process, the way systemd's exec does it: the
 * command line expanded (specifiers, then $VAR and ${VAR}), the environment (the unit's, the
 * connection's, LISTEN_FDS for the sockets that trigger it), stdio, identity and limits; the
 * spawn itself is sup_spawn (vfork), so the event loop never copies socketd. */
#include "socketd.h"

#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

static char default_path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
static char fdname_connection[] = "LISTEN_FDNAMES=connection";
static char proto_tcp[] = "PROTO=TCP";

/* $NAME in a command line: the unit's Environment= first, then what socketd adds ($MAINPID
 * for ExecReload=/ExecStop=, ...) */
static const char *env_lookup(const struct sd_service *svc, char *const *extra, const char *name,
			      size_t len)
{
	for (size_t i = 0; i < svc->nenv; i++)
		if (strncmp(svc->env[i], name, len) == 0 && svc->env[i][len] == '=')
			return svc->env[i] + len + 1;
	for (size_t i = 0; extra && extra[i]; i++)
		if (strncmp(extra[i], name, len) == 0 && extra[i][len] == '=')
			return extra[i] + len + 1;
	return NULL;
}

static bool name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(!first && c >= '0' && c <= '9');
}

/* "$VAR" as a word of its own (systemd splits its value into words) */
static bool bare_variable(const char *w)
{
	if (w[0] != '$' || !name_char(w[1], true))
		return false;
	for (w += 2; *w; w++)
		if (!name_char(*w, false))
			return false;
	return true;
}

/* systemd's ExecStart expansion: specifiers, then the words (quotes as systemd reads them),
 * then variables: "${VAR}" within a word is its value, whitespace and quotes and all, in
 * that one word; "$VAR" as a word of its own becomes its value's words, split at
 * whitespace only; "$$" is a '$'. A value never goes through the word splitter. */
static int build_argv(const struct sd_service *svc, char *const *extra, const char *line,
		      const char *unit_name, char *buf, size_t size, char **argv, size_t max)
{
	char spec[UNIT_LINE_MAX], wbuf[UNIT_LINE_MAX], *words[256];
	size_t nw, argc = 0, used = 0;

	if (unit_expand(unit_name, line, spec, sizeof(spec)) < 0 ||
	    unit_split_words(spec, words, 255, &nw, wbuf, sizeof(wbuf)) < 0)
		return -1;
	for (size_t i = 0; i < nw; i++) {
		const char *w = words[i];

		if (bare_variable(w)) {
			const char *val = env_lookup(svc, extra, w + 1, strlen(w + 1));

			while (val && *(val += strspn(val, " \t\n"))) {
				size_t len = strcspn(val, " \t\n");

				if (argc + 1 >= max || used + len + 1 > size)
					return -1;
				argv[argc++] = memcpy(buf + used, val, len);
				buf[used + len] = '\0';
				used += len + 1;
				val += len;
			}
			continue;
		}
		if (argc + 1 >= max)
			return -1;
		argv[argc++] = buf + used;
		for (const char *p = w; *p; p++) {
			const char *val = NULL, *end;

			if (p[0] == '$' && p[1] == '$') {
				p++;
			} else if (p[0] == '$' && p[1] == '{' && (end = strchr(p + 2, '}'))) {
				val = env_lookup(svc, extra, p + 2, (size_t)(end - p - 2));
				p = end;
				for (; val && *val; val++) {
					if (used + 1 >= size)
						return -1;
					buf[used++] = *val;
				}
				continue;
			}
			if (used + 1 >= size)
				return -1;
			buf[used++] = *p;
		}
		if (used + 1 > size)
			return -1;
		buf[used++] = '\0';
	}
	argv[argc] = NULL;
	return argc ? (int)argc : -1;
}

int sd_runtime_dir(const struct sd_service *svc, bool kept)
{
	char path[300];

	if (!svc->runtime_dir)
		return 0;
	str_printf(path, sizeof(path), "/run/%s", svc->runtime_dir);
	if (mkdir(path, (mode_t)svc->runtime_mode) < 0) {
		if (errno == EEXIST && kept)
			return 0; /* made by an earlier instance: nothing to redo per connection */
		if (errno != EEXIST) {
			log_errno(LOG_ERR, "%s: RuntimeDirectory= %s", svc->name, path);
			return -1;
		}
	}
	chmod(path, (mode_t)svc->runtime_mode); /* the mode as written, whatever the umask */
	if (svc->uid >= 0 && chown(path, (uid_t)svc->uid, (gid_t)svc->gid) < 0) {
		log_errno(LOG_ERR, "%s: RuntimeDirectory= %s", svc->name, path);
		return -1;
	}
	return 0;
}

static int first_listener(struct sd_state *st, const char *unit_name)
{
	for (size_t k = 0; k < st->nsocks; k++)
		if (!st->socks[k]->accept && strcmp(st->socks[k]->svc.name, unit_name) == 0)
			for (size_t i = 0; i < st->socks[k]->nl; i++)
				if (st->socks[k]->l[i].fd >= 0)
					return st->socks[k]->l[i].fd;
	return -1;
}

static void fill_stdio(struct sd_state *st, const struct sd_spawn_req *rq, struct sup_spawn *sp)
{
	const struct sd_service *svc = rq->svc;
	enum sd_io in = svc->in, out = svc->out, err = svc->err;
	int journal = rq->out_fd >= 0 ? rq->out_fd : st->log_fd;

	if (in == SD_IO_DEFAULT)
		in = rq->conn >= 0 ? SD_IO_SOCKET : SD_IO_NULL;
	if (out == SD_IO_DEFAULT) /* systemd: inherit when stdin is the socket */
		out = rq->conn >= 0 || in == SD_IO_SOCKET ? SD_IO_INHERIT : SD_IO_JOURNAL;
	if (err == SD_IO_DEFAULT)
		err = rq->conn >= 0 ? SD_IO_JOURNAL : SD_IO_INHERIT;
	/* StandardInput=socket without a connection (Accept=no): the listening socket, as
	 * systemd gives it to an inetd "wait" daemon */
	sp->stdio[0] = in != SD_IO_SOCKET ? -1
		: rq->conn >= 0		  ? rq->conn
					  : first_listener(st, svc->name);
	sp->stdio[1] = out == SD_IO_SOCKET ? rq->conn
		: out == SD_IO_INHERIT	   ? sp->stdio[0]
		: out == SD_IO_JOURNAL	   ? journal
					   : -1;
	sp->stdio[2] = err == SD_IO_SOCKET ? rq->conn
		: err == SD_IO_INHERIT	   ? sp->stdio[1]
		: err == SD_IO_JOURNAL	   ? journal
					   : -1;
}

/* LISTEN_FDS: every listener of the Accept=no sockets whose Service= is this unit */
static void add_listeners(struct sd_state *st, const char *unit_name, struct sup_spawn *sp,
			  char *names, size_t size)
{
	size_t used = 0;

	names[0] = '\0';
	for (size_t k = 0; k < st->nsocks; k++) {
		const struct sd_socket *s = st->socks[k];

		if (s->accept || strcmp(s->svc.name, unit_name) != 0)
			continue;
		for (size_t i = 0; i < s->nl && sp->nfds < SUP_MAX_FDS; i++) {
			if (s->l[i].fd < 0)
				continue;
			sp->fds[sp->nfds++] = s->l[i].fd;
			used += (size_t)snprintf(names + used, size - used, "%s%s", used ? ":" : "",
						 s->l[i].fdname);
			if (used >= size)
				used = size - 1;
		}
	}
}

/* "NAME=value" in buf (96 bytes), without printf: this runs once per connection */
static char *env_pair(char *buf, const char *name, const char *value)
{
	str_put(str_put(buf, buf + 96, name), buf + 96, value);
	return buf;
}

static char *env_port(char *buf, const char *name, unsigned port)
{
	str_put_uint(str_put(buf, buf + 96, name), buf + 96, port);
	return buf;
}

static void add_connection_env(const struct sd_spawn_req *rq, char **envp, size_t *ne,
			       char (*bufs)[96])
{
	const struct sockaddr *peer = (const struct sockaddr *)rq->peer;
	char host[64];
	const char *h = rq->peer_host;

	if (peer->sa_family != AF_INET && peer->sa_family != AF_INET6) {
		envp[(*ne)++] = strcpy(bufs[0], "PROTO=UNIX");
		return;
	}
	if (!h) {
		net_format_host(peer, rq->plen, host, sizeof(host));
		h = host;
	}
	envp[(*ne)++] = env_pair(bufs[0], "REMOTE_ADDR=", h);
	envp[(*ne)++] = env_port(bufs[1], "REMOTE_PORT=", net_port(peer));
	envp[(*ne)++] = proto_tcp;
	envp[(*ne)++] = env_pair(bufs[2], "TCPREMOTEIP=", h);
	envp[(*ne)++] = env_port(bufs[3], "TCPREMOTEPORT=", net_port(peer));
	if (rq->llen) {
		const struct sockaddr *local = (const struct sockaddr *)rq->local;

		if ((h = rq->local_host) == NULL) {
			net_format_host(local, rq->llen, host, sizeof(host));
			h = host;
		}
		envp[(*ne)++] = env_pair(bufs[4], "TCPLOCALIP=", h);
		envp[(*ne)++] = env_port(bufs[5], "TCPLOCALPORT=", net_port(local));
	}
}

/* socketd has a controlling terminal (started by hand with -f): looked up once */
static bool has_terminal(void)
{
	static int known = -1;

	if (known < 0) {
		int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);

		known = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return known;
}

static const char *step_name(int step)
{
	return step == SUP_EXIT_EXEC	 ? "EXEC"
		: step == SUP_EXIT_USER	 ? "USER"
		: step == SUP_EXIT_GROUP ? "GROUP"
		: step == SUP_EXIT_CHDIR ? "CHDIR"
					 : "SETUP";
}

void sd_spawn_failure_log(const char *unit, int step, const char *path, int err)
{
	log_msg(LOG_ERR, "%s: Failed at step %s spawning %s: %s", unit, step_name(step), path,
		strerror(err));
}

pid_t sd_spawn(struct sd_state *st, const struct sd_spawn_req *rq)
{
	const struct sd_service *svc = rq->svc;
	char argbuf[UNIT_LINE_MAX], *argv[256], *envp[SD_MAX_ENV + 32];
	char listen_pid[SUP_LISTEN_PID_SIZE] = "LISTEN_PID=", listen_fds[32], names[1024];
	char conn_env[6][96], fdnames[1100];
	struct sup_spawn sp;
	size_t ne = 0;
	pid_t pid;

	if (rq->line == svc->exec && svc->argv_cached) {
		memcpy(argv, svc->argv_cached, sizeof(char *) * (size_t)(svc->argc_cached + 1));
	} else if (build_argv(svc, rq->extra_env, rq->line, rq->unit_name, argbuf, sizeof(argbuf),
			      argv, 255) < 0) {
		log_msg(LOG_ERR, "%s: Failed to build the command line of %s", rq->unit_name,
			rq->line);
		return -1;
	} else if (rq->line == svc->exec && !strpbrk(rq->line, "%$")) {
		/* nothing in it varies from one start to the next: split it once (the
		 * Accept=yes path starts it for every connection) */
		size_t used = 0;
		int argc = 0;
		struct sd_service *mut = rq->svc;

		while (argv[argc])
			used += strlen(argv[argc++]) + 1;
		mut->argv_cached = xmalloc(sizeof(char *) * (size_t)(argc + 1) + used);
		{
			char *p = (char *)(mut->argv_cached + argc + 1);

			for (int i = 0; i < argc; i++) {
				mut->argv_cached[i] = strcpy(p, argv[i]);
				p += strlen(p) + 1;
			}
		}
		mut->argv_cached[argc] = NULL;
		mut->argc_cached = argc;
	}
	sup_spawn_init(&sp);
	envp[ne++] = default_path;
	for (size_t i = 0; i < svc->nenv && ne < SD_MAX_ENV; i++)
		envp[ne++] = svc->env[i];
	for (size_t i = 0; rq->extra_env && rq->extra_env[i] && ne < SD_MAX_ENV + 8; i++)
		envp[ne++] = rq->extra_env[i];
	fill_stdio(st, rq, &sp);
	if (rq->conn >= 0) {
		if (sp.stdio[0] != rq->conn) {
			/* not inetd style: the connection is fd 3, sd_listen_fds() finds it */
			sp.fds[sp.nfds++] = rq->conn;
			envp[ne++] = strcpy(listen_fds, "LISTEN_FDS=1");
			envp[ne++] = listen_pid;
			envp[ne++] = fdname_connection;
			sp.listen_pid = listen_pid;
		}
		add_connection_env(rq, envp, &ne, conn_env);
	} else if (rq->pass_listeners) {
		add_listeners(st, svc->name, &sp, names, sizeof(names));
		if (sp.nfds) {
			snprintf(listen_fds, sizeof(listen_fds), "LISTEN_FDS=%d", sp.nfds);
			snprintf(fdnames, sizeof(fdnames), "LISTEN_FDNAMES=%s", names);
			envp[ne++] = listen_fds;
			envp[ne++] = listen_pid;
			envp[ne++] = fdnames;
			sp.listen_pid = listen_pid;
		}
	}
	envp[ne] = NULL;
	sp.path = argv[0];
	sp.argv = rq->argv0 && argv[1] ? argv + 1 : argv; /* '@': the second word is argv[0] */
	sp.envp = envp;
	sp.uid = svc->uid;
	sp.gid = svc->gid;
	sp.groups = svc->groups;
	sp.ngroups = svc->ngroups; /* -1 unless User= or SupplementaryGroups= */
	sp.cwd = svc->cwd;
	sp.umask = svc->umask;
	sp.nice = svc->nice;
	sp.nofile = svc->nofile;
	/* its own process group: KillMode= signals the group. A new session as well, as
	 * systemd gives every service, except per connection when socketd has no terminal
	 * to keep them from: setsid() also makes a scheduler autogroup (Debian's default),
	 * about 10 us per connection, spent for no isolation the process group lacks */
	sp.setsid = rq->conn < 0 || has_terminal();
	sp.setpgid = true;
	sp.watchdog_pid = rq->watchdog_pid;
	sp.check_exec = rq->conn < 0; /* services; the per-connection path stays lean */
	/* instances: socketd goes on while one execs */
	sp.detached = rq->conn >= 0;
	if (rq->notify_fd >= 0 && svc->notify_fd >= 3) {
		sp.extra_fd = rq->notify_fd;
		sp.extra_target = svc->notify_fd;
	}
	/* socketd installs no handler: it ignores SIGPIPE, and what its parent ignored */
	sp.reset_signals = st->reset_signals;
	if (rq->conn < 0)
		sp.reset_signals = ~(uint64_t)0; /* services: every disposition, as systemd */
	pid = sup_spawn(&sp);
	if (sp.detached && sup_spawn_detach_refused() && !st->told_vfork) {
		st->told_vfork = true;
		log_msg(LOG_NOTICE, "instances are spawned by vfork: clone(CLONE_VM) refused: %s",
			strerror(sup_spawn_detach_refused()));
	}
	if (rq->failed_pid)
		*rq->failed_pid = pid < 0 ? sp.pid : 0;
	if (rq->failed_step)
		*rq->failed_step = pid < 0 ? sp.failed_step : 0;
	if (pid < 0) {
		if (sp.failed_step)
			sd_spawn_failure_log(rq->unit_name, sp.failed_step, argv[0],
					     sp.failed_errno);
		else
			log_errno(LOG_ERR, "%s: spawn", rq->unit_name);
	}
	return pid;
}
