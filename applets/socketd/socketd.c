/* socketd: socket activation without systemd. Binds the sockets of the enabled .socket units
 * (UNITDIR/<target>.wants/), starts their services when connections arrive (Accept=yes: one
 * instance per connection; Accept=no: the service gets the listeners, LISTEN_FDS), checks
 * TCP wrappers in-process, and reloads on SIGHUP keeping the listeners that did not change. */
//applet:socketd SOCKETD
//usage:socketd Usage: socketd [-f] [-n] [-v] [-u UNITDIR] [-r FD] [-g GROUP]
//usage:socketd   -f        foreground, log to stderr (default: syslog)
//usage:socketd   -n        check: load every unit of UNITDIR, print problems, exit 1 on errors
//usage:socketd   -v        print the units as understood
//usage:socketd   -u DIR    unit directory (default $GATEBOX_UNIT_DIR or CONFIG_UNIT_DIR)
//usage:socketd   -r FD     write a newline to FD when every socket is bound (s6 readiness;
//usage:socketd             FD is closed without one when a socket cannot be bound)
//usage:socketd   -g GROUP  its members may start/stop units with svcctl (default CONFIG_CTL_GROUP;
//usage:socketd             root always may)
//usage:socketd Also sends READY=1 to $NOTIFY_SOCKET. SIGHUP reloads, SIGTERM/SIGINT stop.
//config:config SOCKETD
//config:	bool "socketd: socket activation without systemd"
//config:	default y
//config:	help
//config:	  Reads systemd-style .socket/.service units, listens, and starts services when
//config:	  connections arrive, with TCP wrappers checked in-process (TCPWrap=).
#include "socketd.h"
#include "applet.h"
#include "memtrim.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long realtime_now_us(void);

static bool same_listener(const struct sd_listener *a, const struct sd_listener *b)
{
	return a->opts.type == b->opts.type && a->addr.len == b->addr.len &&
		memcmp(&a->addr.ss, &b->addr.ss, a->addr.len) == 0 &&
		a->opts.backlog == b->opts.backlog && a->opts.v6only == b->opts.v6only &&
		a->opts.reuseport == b->opts.reuseport && a->opts.freebind == b->opts.freebind &&
		a->opts.mode == b->opts.mode &&
		((!a->opts.device && !b->opts.device) ||
		 (a->opts.device && b->opts.device && strcmp(a->opts.device, b->opts.device) == 0));
}

/* Bind what is new; take over the fd of an unchanged listener from the old set. */
int sd_bind_all(struct sd_socket **socks, size_t n, struct sd_socket **old, size_t nold)
{
	int errors = 0;

	for (size_t i = 0; i < n; i++) {
		struct sd_socket *s = socks[i];

		for (size_t j = 0; j < s->nl; j++) {
			struct sd_listener *l = &s->l[j];

			for (size_t k = 0; k < nold && l->fd < 0; k++)
				for (size_t m = 0; old[k] && m < old[k]->nl; m++)
					if (old[k]->l[m].fd >= 0 &&
					    same_listener(l, &old[k]->l[m])) {
						l->fd = old[k]->l[m].fd;
						old[k]->l[m].fd = -1;
						break;
					}
			if (l->fd >= 0)
				continue;
			l->fd = net_listen(&l->addr, &l->opts);
			if (l->fd < 0) {
				sd_socket_log(s, LOG_ERR, "Failed to listen on %s: %s", l->text,
					      strerror(errno));
				errors++;
			}
		}
	}
	return errors;
}

void sd_close_socket(struct sd_socket *s)
{
	for (size_t i = 0; i < s->nl; i++) {
		struct sd_listener *l = &s->l[i];
		const struct sockaddr_un *su =
			(const struct sockaddr_un *)(const void *)&l->addr.ss;

		if (l->fd < 0)
			continue;
		close(l->fd);
		l->fd = -1;
		if (s->remove_on_stop && l->addr.ss.ss_family == AF_UNIX && su->sun_path[0] == '/')
			unlink(su->sun_path);
	}
}

/* an Accept=yes instance ended badly: logged alike whether the reaper saw it or its spawn
 * already knew (a vfork child that failed before exec is reaped by sup_spawn itself) */
void sd_instance_exit_log(const struct sd_socket *s, pid_t pid, int status)
{
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !s->svc.ignore_failure)
		log_msg(LOG_NOTICE, "%s: process %ld %s, status=%d", s->svc.name, (long)pid,
			sup_status_kind(status), sup_status_value(status));
}

static void reap(struct sd_state *st)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int step = 0, err = 0;
		const char *path = NULL;
		bool failed;

		if (sd_unit_reaped(st, pid, status))
			continue;
		/* asked for every instance that failed, its socket gone or not (a reload
		 * removed it): the answer also lets the sweep free its spawn block */
		failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
			sup_spawn_failed(pid, &step, &err, &path);
		for (size_t i = 0; i < st->nchildren; i++)
			if (st->children[i].pid == pid) {
				sd_child_reaped(st, i, status, failed, step, path, err);
				break;
			}
	}
	sup_spawn_sweep(); /* what the children reaped here needed until their exec */
	if (st->nchildren == 0 && st->children_cap > 8) {
		/* a flood is over: its table goes, the next connection starts a small one */
		free(st->children);
		st->children = NULL;
		st->children_cap = 0;
	}
}

/* SIGHUP: read the units again. A unit that fails to load keeps running as it was. */
void sd_reload(struct sd_state *st)
{
	struct sd_socket **fresh;
	size_t nfresh, nkeep = 0;
	struct sd_socket **keep;

	log_msg(LOG_INFO, "Reloading.");
	sd_units_reload_config(st);
	sd_load_units(st->unit_dir, false, &fresh, &nfresh);
	keep = xcalloc(st->nsocks + nfresh + 1, sizeof(*keep));
	/* units still enabled whose new version failed to load: keep the old one */
	for (size_t i = 0; i < st->nsocks; i++) {
		bool present = false;

		for (size_t j = 0; j < nfresh; j++)
			if (strcmp(fresh[j]->name, st->socks[i]->name) == 0)
				present = true;
		if (!present &&
		    (st->socks[i]->manual || sd_unit_enabled(st->unit_dir, st->socks[i]->name))) {
			log_msg(LOG_WARNING, "%s: keeps running with its previous configuration",
				st->socks[i]->name);
			keep[nkeep++] = st->socks[i];
			st->socks[i] = NULL;
		}
	}
	/* a unit's journal goes on across the reload (before the binds, which may add to it) */
	for (size_t i = 0; i < nfresh; i++)
		for (size_t j = 0; j < st->nsocks; j++)
			if (st->socks[j] && strcmp(st->socks[j]->name, fresh[i]->name) == 0) {
				fresh[i]->log = st->socks[j]->log;
				st->socks[j]->log = (struct sd_ring){0};
			}
	sd_bind_all(fresh, nfresh, st->socks, st->nsocks);
	for (size_t i = 0; i < nfresh; i++) {
		fresh[i]->active_since = realtime_now_us();
		/* carry the counters and the running service over */
		for (size_t j = 0; j < st->nsocks; j++)
			if (st->socks[j] && strcmp(st->socks[j]->name, fresh[i]->name) == 0) {
				fresh[i]->accepted = st->socks[j]->accepted;
				fresh[i]->refused = st->socks[j]->refused;
				fresh[i]->instances = st->socks[j]->instances;
				fresh[i]->active = st->socks[j]->active;
				fresh[i]->active_since = st->socks[j]->active_since;
				fresh[i]->manual = st->socks[j]->manual;
				for (size_t c = 0; c < st->nchildren; c++)
					if (st->children[c].sock == st->socks[j])
						st->children[c].sock = fresh[i];
			}
		keep[nkeep++] = fresh[i];
	}
	for (size_t i = 0; i < st->nsocks; i++) {
		if (!st->socks[i])
			continue;
		sd_children_orphan(st, st->socks[i]);
		sd_close_socket(st->socks[i]);
		sd_free_socket(st->socks[i]);
	}
	free(st->socks);
	free(fresh);
	st->socks = keep;
	st->nsocks = nkeep;
}

long long realtime_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void notify_ready(int ready_fd)
{
	const char *ns = getenv("NOTIFY_SOCKET");

	if (ready_fd >= 0) {
		if (write(ready_fd, "\n", 1) < 0)
			log_errno(LOG_WARNING, "readiness fd %d", ready_fd);
		close(ready_fd);
	}
	if (ns && (ns[0] == '/' || ns[0] == '@') &&
	    strlen(ns) < sizeof(((struct sockaddr_un *)0)->sun_path)) {
		struct sockaddr_un su = {.sun_family = AF_UNIX};
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(ns));
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memcpy(su.sun_path, ns, strlen(ns));
		if (ns[0] == '@')
			su.sun_path[0] = '\0';
		if (fd >= 0) {
			if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&su, len) < 0)
				log_errno(LOG_WARNING, "NOTIFY_SOCKET %s", ns);
			close(fd);
		}
	}
}

static bool units_running(const struct sd_state *st)
{
	for (size_t i = 0; i < st->nunits; i++)
		if (st->units[i]->active != SD_INACTIVE && st->units[i]->active != SD_FAILED)
			return true;
	return false;
}

static void shutdown_state(struct sd_state *st, int sfd)
{
	for (size_t i = 0; i < st->nsocks; i++) {
		sd_close_socket(st->socks[i]);
		sd_free_socket(st->socks[i]);
	}
	free(st->socks);
	sd_units_free(st);
	for (size_t i = 0; i < st->nchildren; i++) {
		if (st->children[i].tls)
			sd_tls_pending_free(st->children[i].tls);
		sd_wrap_check_free(st->children[i].check);
	}
	free(st->children);
	free(st->argv);
	free(st->exe);
	if (st->rules_loaded)
		rules_cache_free(&st->rules);
	close(sfd);
	if (st->ctl_fd >= 0) {
		close(st->ctl_fd);
		unlink(st->ctl_path);
	}
	for (int c = 0; c < SD_MAX_CLIENTS; c++)
		if (st->clients[c].fd >= 0) {
			close(st->clients[c].fd);
			free(st->clients[c].out);
			free(st->clients[c].in);
			ctl_reply_free(&st->clients[c].pending);
		}
}

static int run(struct sd_state *st, int ready_fd)
{
	struct pollfd *pfd = NULL;
	struct {
		struct sd_socket *s;
		size_t i;
	} *map = NULL;
	size_t cap = 0;
	sigset_t mask;
	int sfd, unbound;
	bool busy_since_trim = true, quiet_second = false;
	int polled;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* children get back what socketd ignores: SIGPIPE, and what its parent left ignored
	 * (nohup, a shell's background job): systemd's services start with nothing ignored */
	st->reset_signals = (uint64_t)1 << SIGPIPE;
	for (int sig = 1; sig < 64 && sig < _NSIG; sig++) {
		struct sigaction sa;

		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			st->reset_signals |= (uint64_t)1 << sig;
	}
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die_errno(EXIT_SYSCALL, "signalfd");
	unbound = sd_bind_all(st->socks, st->nsocks, NULL, 0);
	if (unbound)
		log_msg(LOG_ERR,
			"%d listener%s could not be bound; the others are served, readiness is not signalled",
			unbound, unbound == 1 ? "" : "s");
	st->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < st->nsocks; i++) {
		st->socks[i]->active_since = realtime_now_us();
		if (!st->restored) /* socketd's log has the one "listening: N socket units" line */
			sd_socket_listening(st->socks[i], SD_RING_ONLY);
	}
	sd_ctl_open(st);
	/* orphans of the services (a forking daemon, sessions left by KillMode=process) become
	 * socketd's children: their exits are seen, Type=forking finds its daemon */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_errno(
			LOG_WARNING,
			"PR_SET_CHILD_SUBREAPER (Type=forking without PIDFile= cannot find its daemon)");
	if (!st->restored)
		sd_units_start_enabled(st);
	/* after daemon-reexec the -r number means nothing: the first process told (or not)
	 * and closed it, and the number may be one of this process's own fds by now */
	if (!st->restored && !unbound)
		notify_ready(ready_fd);
	else if (!st->restored && ready_fd >= 0)
		close(ready_fd); /* never ready: EOF without a newline */
	log_msg(LOG_INFO, "listening: %zu socket unit%s", st->nsocks, st->nsocks == 1 ? "" : "s");
	for (;;) {
		size_t n = 1, total = 0, first_listener, nctl, nunit, nres;
		long long now = sd_now_us(), wake = -1, ctl_wake;
		int timeout;

		for (size_t i = 0; i < st->nsocks; i++)
			total += st->socks[i]->nl;
		total += 1 + SD_MAX_CLIENTS; /* the control socket and its clients */
		total += 3 * st->nunits; /* notify sockets, readiness and output pipes */
		total +=
			st->nchildren; /* TLS handshakes' results, TCP-wrapper checkers' verdicts */
		if (!pfd || !map || total + 1 > cap) {
			cap = total + 1;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
			map = xrealloc(map, cap * sizeof(*map));
		}
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		nctl = sd_ctl_poll_fds(st, pfd + 1, cap - 1);
		nunit = sd_units_poll_fds(st, pfd + 1 + nctl, cap - 1 - nctl);
		nres = sd_results_poll_fds(st, pfd + 1 + nctl + nunit, cap - 1 - nctl - nunit);
		n = first_listener = 1 + nctl + nunit + nres;
		for (size_t i = 0; i < st->nsocks; i++) {
			struct sd_socket *s = st->socks[i];

			if (s->paused_until_us > now) {
				if (wake < 0 || s->paused_until_us < wake)
					wake = s->paused_until_us;
				continue;
			}
			if (s->paused_until_us) {
				s->paused_until_us = 0;
				log_msg(LOG_INFO, "%s: Trigger limit pause over, listening again.",
					s->name);
			}
			/* Accept=no: not while its service runs; Accept=yes: not over MaxConnections
			 * (the extra connections wait in the backlog, as tcpserver does) */
			if (st->stopping || sd_socket_service_running(st, s) ||
			    (s->accept && s->active >= s->max_conn))
				continue;
			for (size_t j = 0; j < s->nl; j++) {
				if (s->l[j].fd < 0)
					continue;
				pfd[n].fd = s->l[j].fd;
				pfd[n].events = POLLIN;
				map[n].s = s;
				map[n].i = j;
				n++;
			}
		}
		ctl_wake = sd_ctl_next_deadline(st);
		if (ctl_wake >= 0 && (wake < 0 || ctl_wake < wake))
			wake = ctl_wake;
		ctl_wake = sd_units_next_deadline(st);
		if (ctl_wake >= 0 && (wake < 0 || ctl_wake < wake))
			wake = ctl_wake;
		timeout = wake < 0 ? -1 : wake <= now ? 0 : (int)((wake - now) / 1000 + 1);

		/* about to sleep long after some work: after one quiet second, give the start-up
		 * memory back (never between the connections of a busy socket: the trim costs
		 * the faults that map the text again) */
		if ((timeout < 0 || timeout > 1000) && busy_since_trim) {
			if (quiet_second) {
				sup_spawn_release();
				polled = memtrim_poll(pfd, n, timeout);
				busy_since_trim = false;
			} else {
				polled = poll(pfd, n, 1000);
				quiet_second = polled == 0;
			}
		} else {
			polled = poll(pfd, n, timeout);
		}
		if (polled < 0) {
			if (errno == EINTR)
				continue;
			die_errno(EXIT_SYSCALL, "poll");
		}
		if (polled > 0) {
			busy_since_trim = true;
			quiet_second = false;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si[16];
			bool stop = false, hup = false;
			ssize_t got;

			/* every pending signal in one read; one reaping pass for all the SIGCHLDs
			 * (it waits for every child that has exited) */
			while ((got = read(sfd, si, sizeof(si))) > 0) {
				for (size_t k = 0; k < (size_t)got / sizeof(si[0]); k++) {
					if (si[k].ssi_signo == SIGHUP)
						hup = true;
					else if (si[k].ssi_signo != SIGCHLD)
						stop = true;
				}
				if (got < (ssize_t)sizeof(si))
					break;
			}
			reap(st);
			if (stop && !st->stopping) {
				/* the services are stopped as systemd stops them at shutdown; the
				 * loop goes on until the last one is down */
				log_msg(LOG_INFO, "Stopping.");
				st->stopping = true;
				for (size_t i = 0; i < st->nsocks; i++)
					sd_close_socket(st->socks[i]);
				for (size_t i = 0; i < st->nunits; i++)
					sd_unit_stop(st, st->units[i]);
			}
			if (st->stopping && !units_running(st)) {
				shutdown_state(st, sfd);
				free(pfd);
				free(map);
				return 0;
			}
			if (hup) {
				sd_reload(st);
				continue; /* the listener table changed */
			}
		}
		sd_units_handle(st, pfd + 1 + nctl, nunit);
		for (size_t k = first_listener; k < n; k++)
			if (pfd[k].revents & (POLLIN | POLLERR | POLLHUP))
				sd_activate(st, map[k].s, map[k].i);
		/* after the listeners: a client waits on the handshake a new connection's fork
		 * starts, nobody on a service's start (a result read late is read whole: the
		 * pipes are non-blocking, and an fd reused since the poll finds nothing yet) */
		sd_results_handle(st, pfd + 1 + nctl + nunit, nres);
		sd_units_timers(st);
		if (st->stopping && !units_running(st)) {
			shutdown_state(st, sfd);
			free(pfd);
			free(map);
			return 0;
		}
		/* last: a control request may start or stop units (the map above is then stale) */
		sd_ctl_handle(st, pfd + 1, nctl);
		if (st->reexec) {
			st->reexec = false;
			close(sfd); /* the new process makes its own; the signals stay blocked */
			sd_reexec(st);
			sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
			if (sfd < 0)
				die_errno(EXIT_SYSCALL, "signalfd");
		}
	}
}

/* fds socketd inherited (from an init script, a shell, a test harness) must not reach the
 * services, which get exactly their stdio and LISTEN_FDS, as systemd's: close-on-exec for
 * all but keep (the -r fd) and the daemon-reexec state */
static void cloexec_inherited(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self = d ? dirfd(d) : -1;
	const char *state = getenv("GATEBOX_SOCKETD_STATE");
	int state_fd = state ? atoi(state) : -1;

	while (d && (de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);

		if (fd > 2 && fd != keep && fd != self && fd != state_fd)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (d)
		closedir(d);
}

/* this binary's path (its own frame: the buffer must not stay on the daemon's stack) */
static __attribute__((noinline)) char *self_exe(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	return xstrdup(exe);
}

int socketd_main(int argc, char **argv)
{
	struct sd_state st;
	unsigned long ready = 0;
	int c, errors, ready_fd = -1;
	const char *group = CONFIG_CTL_GROUP;

	memset(&st, 0, sizeof(st));
	st.ctl_fd = -1;
	st.unit_dir = paths_get(PATHS_UNIT_DIR);
	st.argv = xcalloc((size_t)argc + 1, sizeof(*st.argv));
	for (int i = 0; i < argc; i++)
		st.argv[i] = argv[i];
	st.exe = self_exe();
	opt_reset();
	while ((c = opt_getopt(argc, argv, "fnvu:r:g:")) != -1) {
		switch (c) {
		case 'g':
			group = opt_arg;
			break;
		case 'f':
			st.foreground = true;
			break;
		case 'n':
			st.check_only = true;
			break;
		case 'v':
			st.verbose = true;
			break;
		case 'u':
			st.unit_dir = opt_arg;
			break;
		case 'r':
			if (opt_ulong(opt_arg, 10, 0, 1024, &ready) < 0)
				die(EXIT_USAGE, "-r: not a file descriptor: %s", opt_arg);
			ready_fd = (int)ready;
			break;
		default:
			applet_usage_exit(EXIT_USAGE);
		}
	}
	if (opt_ind != argc)
		applet_usage_exit(EXIT_USAGE);
	st.ctl_gid = -1;
	if (group && *group) {
		struct group *gr = getgrnam(group);
		unsigned long gid;

		if (gr)
			st.ctl_gid = gr->gr_gid;
		else if (opt_ulong(group, 10, 0, 0xfffffffe, &gid) == 0)
			st.ctl_gid = (long long)gid;
		else
			die(EXIT_USAGE, "-g: no such group: %s", group);
	}
	if (!st.foreground && !st.check_only)
		log_open("socketd", true, LOG_DAEMON);
	st.log_fd = st.foreground || st.check_only ? 2 : open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (!st.check_only)
		cloexec_inherited(ready_fd);
	errors = sd_load_units(st.unit_dir, st.check_only, &st.socks, &st.nsocks);
	if (!st.check_only)
		st.restored = sd_restore(&st);
	if (st.verbose)
		for (size_t i = 0; i < st.nsocks; i++)
			sd_print_socket(st.socks[i]);
	if (st.check_only) {
		printf("%zu socket unit%s loaded, %d error%s\n", st.nsocks,
		       st.nsocks == 1 ? "" : "s", errors, errors == 1 ? "" : "s");
		for (size_t i = 0; i < st.nsocks; i++)
			sd_free_socket(st.socks[i]);
		free(st.socks);
		free(st.argv);
		free(st.exe);
		return errors ? 1 : 0;
	}
	return run(&st, ready_fd);
}
