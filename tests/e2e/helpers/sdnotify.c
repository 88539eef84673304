/* A small sd_notify client for the service tests (no libsystemd): datagrams to
 * $NOTIFY_SOCKET (a path, or @name for the abstract namespace) with sendmsg, as
 * sd_notify() sends them (the kernel attaches the credentials the manager checks).
 *
 *   sdnotify send 'READY=1\nSTATUS=x'     one datagram from this pid ("\n" is a newline)
 *   sdnotify daemon [--delay-ms N] [--status TEXT] [--no-ready] [--pings N]
 *                   [--child-status TEXT] [--env-file FILE] [--exit N] [--mainpid PID]
 *       sleeps N ms, writes its environment and "PID=<pid>" to FILE, sends READY=1 (and
 *       STATUS=TEXT, MAINPID=PID) unless --no-ready; --child-status: a forked child (same process
 *       group, another pid) sends STATUS=TEXT and stays until SIGTERM; --exit N: exits N
 *       here instead of running.
 *       Then, if WATCHDOG_USEC is set (and WATCHDOG_PID, when set, is its pid), sends
 *       WATCHDOG=1 every WATCHDOG_USEC/2 (only N times with --pings N: a hang, it keeps
 *       running), and exits 0 on SIGTERM.
 * Exit status: 0, 2 on a usage error, 1 when a send fails (NOTIFY_SOCKET unset included). */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	size_t n;
	int fd, rc;

	if (!path || !*path) {
		fprintf(stderr, "sdnotify: NOTIFY_SOCKET is not set\n");
		return -1;
	}
	n = strlen(path);
	if (n >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@')) {
		fprintf(stderr, "sdnotify: bad NOTIFY_SOCKET '%s'\n", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("sdnotify: socket");
		return -1;
	}
	struct iovec iov = {.iov_base = (void *)(uintptr_t)msg, .iov_len = strlen(msg)};
	struct msghdr mh = {.msg_name = &sa, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
	rc = (int)sendmsg(fd, &mh, MSG_NOSIGNAL);
	if (rc < 0)
		fprintf(stderr, "sdnotify: sendmsg to %s: %s\n", path, strerror(errno));
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* the message with each two-character "\n" turned into a newline */
static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		exit(1);
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void sleep_us(long long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int write_env(const char *file)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		return -1;
	}
	for (char **e = environ; *e; e++)
		fprintf(f, "%s\n", *e);
	fprintf(f, "PID=%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, file) != 0) {
		perror(file);
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: sdnotify send MESSAGE\n"
		"       sdnotify daemon [--delay-ms N] [--status TEXT] [--no-ready] [--pings N]\n"
		"                       [--child-status TEXT] [--env-file FILE] [--exit N] [--mainpid PID]\n");
	return 2;
}

static int daemon_mode(int argc, char **argv)
{
	long long delay_ms = 0;
	long pings = -1, exit_code = -1;
	const char *status = NULL, *child_status = NULL, *env_file = NULL, *mainpid = NULL;
	int ready = 1;
	char msg[512];
	sigset_t set;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-ready")) {
			ready = 0;
			continue;
		}
		if (!v)
			return usage();
		if (!strcmp(a, "--delay-ms"))
			delay_ms = atoll(v);
		else if (!strcmp(a, "--status"))
			status = v;
		else if (!strcmp(a, "--child-status"))
			child_status = v;
		else if (!strcmp(a, "--pings"))
			pings = atol(v);
		else if (!strcmp(a, "--env-file"))
			env_file = v;
		else if (!strcmp(a, "--exit"))
			exit_code = atol(v);
		else if (!strcmp(a, "--mainpid"))
			mainpid = v;
		else
			return usage();
		i++;
	}
	/* SIGTERM is taken by sigtimedwait: blocked from here on (the child gets it back) */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (delay_ms > 0)
		sleep_us(delay_ms * 1000);
	if (env_file && write_env(env_file) < 0)
		return 1;
	if (ready) {
		snprintf(msg, sizeof(msg), "READY=1%s%s%s%s", status ? "\nSTATUS=" : "",
			 status ? status : "", mainpid ? "\nMAINPID=" : "", mainpid ? mainpid : "");
		if (notify(msg) < 0)
			return 1;
	} else if (status) {
		snprintf(msg, sizeof(msg), "STATUS=%s", status);
		if (notify(msg) < 0)
			return 1;
	}
	if (child_status) {
		pid_t pid = fork();
		if (pid == 0) {
			/* it stays (until SIGTERM): the manager maps a live sender to its unit */
			snprintf(msg, sizeof(msg), "STATUS=%s", child_status);
			if (notify(msg) < 0)
				_exit(1);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			for (;;)
				pause();
		}
	}
	if (exit_code >= 0)
		return (int)exit_code;

	long long interval_us = 0;
	const char *wd = getenv("WATCHDOG_USEC"), *wpid = getenv("WATCHDOG_PID");
	if (wd && atoll(wd) > 0 && (!wpid || atol(wpid) == (long)getpid()))
		interval_us = atoll(wd) / 2;
	for (;;) {
		struct timespec ts, *tp = NULL;
		if (interval_us > 0 && pings != 0) {
			ts.tv_sec = interval_us / 1000000;
			ts.tv_nsec = (long)(interval_us % 1000000) * 1000;
			tp = &ts;
		}
		int sig = sigtimedwait(&set, NULL, tp);
		if (sig == SIGTERM)
			return 0;
		if (sig < 0 && errno == EAGAIN) {
			notify("WATCHDOG=1");
			if (pings > 0)
				pings--;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "send")) {
		char *msg = unescape(argv[2]);
		int rc = notify(msg) < 0 ? 1 : 0;

		free(msg);
		return rc;
	}
	if (argc >= 2 && !strcmp(argv[1], "daemon"))
		return daemon_mode(argc, argv);
	return usage();
}
