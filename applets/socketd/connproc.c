/* A process of one connection, forked from socketd (the TLS handshake and relay, tls.c;
 * a TCP-wrapper decision that needs DNS, wrap.c): what it does first. socketd's signal
 * handling (blocked signals read from a signalfd) is not its own, nor socketd's fds but the
 * few it keeps (a listener kept open by a long connection would outlive its unit), nor the
 * TLS keys of the other units; and it is never root while it reads what the network sends. */
#include "socketd.h"

#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where the service runs as root (no User=), the connection's process runs as nobody:
 * 65534, Debian's nobody and nogroup (the kernel needs no passwd entry for it) */
#define CONNPROC_NOBODY 65534

static void close_range_or_each(unsigned from, unsigned to)
{
	if (from > to)
		return;
	if (syscall(SYS_close_range, from, to, 0) == 0)
		return;
	/* before Linux 5.9 (or under an emulator that lacks it): what /proc says is open, a
	 * batch at a time until a pass finds none */
	for (;;) {
		DIR *d = opendir("/proc/self/fd");
		int fds[1024], n = 0, dfd = d ? dirfd(d) : -1;
		struct dirent *de;

		while (d && (de = readdir(d)) != NULL && n < 1024) {
			long fd = strtol(de->d_name, NULL, 10);

			if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && fd != dfd &&
			    (unsigned long)fd >= from && (unsigned long)fd <= to)
				fds[n++] = (int)fd;
		}
		if (d)
			closedir(d);
		if (n == 0)
			return;
		while (n)
			close(fds[--n]);
	}
}

/* every fd of socketd but stdio and the n in keep (-1: none) */
static void close_all_but(const int *keep, size_t n)
{
	unsigned from = 3;

	for (;;) {
		int next = -1; /* the lowest kept fd at or above from */

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)from && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			break;
		if ((unsigned)next > from)
			close_range_or_each(from, (unsigned)next - 1);
		from = (unsigned)next + 1;
	}
	close_range_or_each(from, ~0U);
}

void sd_connproc_setup(struct sd_state *st, const struct sd_socket *s, const int *keep, size_t n)
{
	sigset_t none;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (log_to_syslog())
		closelog(); /* reopened on the next message, after its fd is closed below */
	close_all_but(keep, n);
	sd_tls_forget_keys(st, s);
}

/* the service's identity, or nobody's, before a byte from the network is read; undumpable,
 * so that identity cannot read a TLS session's keys out of it. Never goes on as root. */
void sd_connproc_drop(const struct sd_service *svc, const char *what)
{
	if (getuid() == 0) {
		bool own = svc->uid > 0;
		uid_t uid = own ? (uid_t)svc->uid : CONNPROC_NOBODY;
		gid_t gid = own && svc->gid >= 0 ? (gid_t)svc->gid : CONNPROC_NOBODY;

		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
			log_errno(LOG_ERR, "%s: %s cannot drop root", svc->name, what);
			_exit(1);
		}
	}
	prctl(PR_SET_DUMPABLE, 0);
}
