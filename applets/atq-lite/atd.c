/* atd: runs due jobs as their users. It sleeps until the next due job on an absolute
 * CLOCK_REALTIME timerfd (TFD_TIMER_CANCEL_ON_SET: a clock step wakes it and the due times
 * are evaluated again), so an idle atd has no wakeups at all; a new job (through its socket,
 * or root's at) or SIGHUP makes it scan the spool again. */
#include "atq-lite.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_START 64 /* jobs started per scan; more come at the next, at once */
#define LATE_SECS 60

static struct {
	int dirfd, lockfd, sigfd, timerfd;
	struct atd_ctl *ctl;
	double load;
	long interval;
	long long last_batch, offset;
	bool debug, rescan;
} g;

#define dbg(...)                                         \
	do {                                             \
		if (g.debug)                             \
			log_msg(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* Wall-clock now as atd sees it. Test builds add the offset (seconds) kept in the file
 * GATEBOX_ATD_CLOCK_OFFSET_FILE, re-read at each scan, so a test can step atd's clock
 * forward and back without touching the machine's (docs/at.md). */
static long long wall_now(void)
{
	if (ENABLE_TESTING) {
		const char *f = getenv("GATEBOX_ATD_CLOCK_OFFSET_FILE");
		FILE *fp = f && *f ? fopen(f, "re") : NULL;
		long long v = 0;

		if (fp) {
			if (fscanf(fp, "%lld", &v) == 1)
				g.offset = v;
			fclose(fp);
		}
	}
	return (long long)time(NULL) + g.offset;
}

static void quarantine(const char *name, int line, const char *err)
{
	char to[SPOOL_NAME_MAX + 300];

	str_printf(to, sizeof(to), "x.%s", name);
	if (spool_rename(g.dirfd, name, to) < 0)
		log_errno(LOG_ERR, "%s/%s: cannot quarantine", paths_get(PATHS_SPOOL_DIR), name);
	else if (line)
		log_msg(LOG_ERR, "%s/%s: line %d: %s: quarantined as %s",
			paths_get(PATHS_SPOOL_DIR), name, line, err, to);
	else
		log_msg(LOG_ERR, "%s/%s: %s: quarantined as %s", paths_get(PATHS_SPOOL_DIR), name,
			err, to);
}

/* Read and check a job file; quarantine it when it does not parse. */
static int load_job(const char *name, const struct spool_name *n, struct spool_job *j, char **text,
		    size_t *len)
{
	const char *err;
	int line;

	if (spool_read(g.dirfd, name, text, len, 64u << 20) < 0) {
		/* too big or not a file is damage; out of memory or fds is now, not the file:
		 * the next scan tries again */
		if (errno == EFBIG || errno == EINVAL)
			quarantine(name, 0, strerror(errno));
		else if (errno != ENOENT)
			log_errno(LOG_ERR, "%s", name);
		return -1;
	}
	if (spool_parse_job(*text, *len, j, &err, &line) < 0 ||
	    (line = 2, err = "header disagrees with the file name",
	     j->id != n->id || j->queue != n->queue || j->due != n->due || j->uid != n->uid)) {
		quarantine(name, line, err);
		free(*text);
		return -1;
	}
	return 0;
}

static void rename_state(const struct spool_name *n, char state, char *to, size_t size)
{
	struct spool_name m = *n;

	m.state = state;
	spool_format_name(to, size, &m);
}

static void start_job(const char *name, const struct spool_name *n, long long now)
{
	char rname[SPOOL_NAME_MAX], *text;
	struct spool_job j;
	size_t len;
	pid_t pid;
	int fd = openat(g.dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return; /* removed meanwhile */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || load_job(name, n, &j, &text, &len) < 0) {
		close(fd);
		return;
	}
	if (now - n->due >= LATE_SECS)
		log_msg(LOG_NOTICE,
			"job %lu is late by %llds (atd was not running, or the clock moved)", n->id,
			now - n->due);
	/* "started" is on disk before anything runs: a crash from here on is seen */
	rename_state(n, SPOOL_RUNNING, rname, sizeof(rname));
	if (spool_rename(g.dirfd, name, rname) < 0) {
		log_errno(LOG_ERR, "job %lu: cannot mark it started", n->id);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		log_errno(LOG_ERR, "job %lu: fork", n->id);
		spool_rename(g.dirfd, rname, name);
		goto out;
	}
	if (pid == 0) {
		/* the runner outlives atd if atd dies: it keeps nothing of atd but the spool */
		close(g.lockfd);
		close(g.sigfd);
		close(g.timerfd);
		atd_ctl_close_fds(g.ctl);
		setsid();
		atd_runner(g.dirfd, fd, rname, &j);
	}
	dbg("job %lu started (pid %ld)", n->id, (long)pid);
out:
	free(text);
	close(fd);
}

struct scan {
	long long now, next;
	bool have_next, more;
	struct spool_name start[MAX_START], batch;
	char start_name[MAX_START][SPOOL_NAME_MAX], batch_name[SPOOL_NAME_MAX];
	int nstart;
	bool have_batch;
	unsigned long ndone, oldest_done;
	char oldest_name[SPOOL_NAME_MAX];
};

static bool batch_before(const struct spool_name *a, const struct spool_name *b)
{
	return a->queue != b->queue ? a->queue < b->queue : a->id < b->id;
}

static int scan_one(void *ctx, const char *fname, const struct spool_name *n)
{
	struct scan *s = ctx;

	if (!n) {
		if (strncmp(fname, "x.", 2) != 0)
			quarantine(fname, 0, "not a job file name");
		return 0;
	}
	if (n->state == SPOOL_DONE) {
		if (!s->ndone++ || n->id < s->oldest_done) {
			s->oldest_done = n->id;
			str_copy(s->oldest_name, sizeof(s->oldest_name), fname);
		}
		return 0;
	}
	if (n->state != SPOOL_WAITING)
		return 0;
	if (n->due > s->now) {
		if (!s->have_next || n->due < s->next)
			s->next = n->due;
		s->have_next = true;
	} else if (spool_queue_batch(n->queue)) {
		if (!s->have_batch || batch_before(n, &s->batch)) {
			s->batch = *n;
			str_copy(s->batch_name, sizeof(s->batch_name), fname);
		}
		s->have_batch = true;
	} else if (s->nstart < MAX_START) {
		s->start[s->nstart] = *n;
		str_copy(s->start_name[s->nstart++], SPOOL_NAME_MAX, fname);
	} else {
		s->more = true;
	}
	return 0;
}

static double loadavg(void)
{
	struct sysinfo si;

	return sysinfo(&si) == 0 ? (double)si.loads[0] / (1 << SI_LOAD_SHIFT) : 0.0;
}

static void arm(long long at, bool on)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (on) {
		its.it_value.tv_sec = (time_t)(at - g.offset);
		if (its.it_value.tv_sec <= 0)
			its.it_value.tv_sec = 1; /* 0 would disarm */
	}
	if (timerfd_settime(g.timerfd, on ? TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET : 0, &its,
			    NULL) < 0)
		log_errno(LOG_ERR, "timerfd_settime");
}

static void scan(void)
{
	struct scan *s = xcalloc(1, sizeof(*s));

	g.rescan = false;
	s->now = wall_now();
	if (spool_scan(g.dirfd, scan_one, s) < 0)
		log_errno(LOG_ERR, "%s", paths_get(PATHS_SPOOL_DIR));
	for (int i = 0; i < s->nstart; i++)
		start_job(s->start_name[i], &s->start[i], s->now);
	if (s->have_batch) {
		double l = loadavg();

		if (s->now - g.last_batch < g.interval) {
			dbg("batch job %lu waits for the batch interval", s->batch.id);
		} else if (l >= g.load) {
			dbg("batch job %lu waits: load %.2f >= %.2f", s->batch.id, l, g.load);
			g.last_batch = s->now; /* look again one interval later */
		} else {
			start_job(s->batch_name, &s->batch, s->now);
			g.last_batch = s->now;
		}
		if (!s->have_next || g.last_batch + g.interval < s->next)
			s->next = g.last_batch + g.interval;
		s->have_next = true;
	}
	if (s->ndone > (unsigned long)CONFIG_AT_KEEP_RESULTS) /* one a scan: each finish scans */
		unlinkat(g.dirfd, s->oldest_name, 0);
	if (s->more) {
		g.rescan = true;
	} else if (s->have_next) {
		char when[64];

		at_iso8601(when, sizeof(when), (time_t)s->next);
		dbg("sleeping until %s (%lld)", when, s->next);
	} else {
		dbg("idle: no job waiting");
	}
	arm(s->next, s->have_next);
	free(s);
}

/* At start-up: a running file nobody holds is a job a crash interrupted. */
static int recover_one(void *ctx, const char *fname, const struct spool_name *n)
{
	char to[SPOOL_NAME_MAX], *text;
	struct spool_name d;
	struct spool_job j;
	struct stat st;
	size_t len;
	int fd;

	(void)ctx;
	if (!n || n->state != SPOOL_RUNNING)
		return 0;
	if ((fd = openat(g.dirfd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_msg(LOG_INFO, "job %lu is still running (started by an earlier atd)", n->id);
		close(fd);
		return 0;
	}
	d = *n;
	d.state = SPOOL_DONE;
	spool_format_name(to, sizeof(to), &d);
	if (fstatat(g.dirfd, to, &st, 0) == 0) { /* finished: the crash hit the clean-up */
		unlinkat(g.dirfd, fname, 0);
		fsync(g.dirfd);
	} else if (load_job(fname, n, &j, &text, &len) == 0) {
		rename_state(n, j.rerun ? SPOOL_WAITING : SPOOL_INTERRUPTED, to, sizeof(to));
		if (spool_rename(g.dirfd, fname, to) < 0)
			log_errno(LOG_ERR, "job %lu", n->id);
		else if (j.rerun)
			log_msg(LOG_WARNING,
				"job %lu was interrupted (atd or the system stopped while "
				"it ran): running it again, as it asked (at -R)",
				n->id);
		else
			log_msg(LOG_WARNING,
				"job %lu was interrupted (atd or the system stopped while "
				"it ran): not run again, atq lists it in queue '!'",
				n->id);
		free(text);
	}
	close(fd);
	return 0;
}

/* a temp file this old has no writer left: a write takes milliseconds */
#define TEMP_ABANDONED_S 60

/* Leftovers of writes a crash cut short: never renamed, so never a job. Only old ones: a
 * runner that outlived the previous atd may be writing its result right now, and root's at
 * writes without atd (a young leftover is harmless: the next write of that name replaces
 * it, the next start-up removes it). */
static void remove_temps(void)
{
	int fd = openat(g.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if ((strncmp(de->d_name, ".tmp.", 5) == 0 || strcmp(de->d_name, ".seq.new") == 0) &&
		    fstatat(g.dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime >= TEMP_ABANDONED_S)
			unlinkat(g.dirfd, de->d_name, 0);
	}
	closedir(d);
}

/* atd -n: every file parsed, problems printed as FILE:LINE: text */
static int check_one(void *ctx, const char *fname, const struct spool_name *n)
{
	int *bad = ctx, line = 0;
	const char *err = NULL;
	char *text;
	size_t len;

	if (!n && strncmp(fname, "x.", 2) == 0)
		return 0;
	if (!n) {
		err = "not a job file name";
	} else if (spool_read(g.dirfd, fname, &text, &len, 64u << 20) < 0) {
		if (errno == ENOENT)
			return 0; /* moved on to its next state meanwhile */
		err = strerror(errno);
	} else {
		struct spool_job j;
		struct spool_result r;

		if (n->state == SPOOL_DONE)
			spool_parse_result(text, len, &r, &err, &line) == 0 ? (void)(err = NULL)
									    : (void)0;
		else if (spool_parse_job(text, len, &j, &err, &line) == 0)
			err = j.id != n->id || j.due != n->due || j.uid != n->uid
				? "header disagrees with the file name"
				: NULL;
		free(text);
	}
	if (err) {
		if (line)
			printf("%s/%s:%d: %s\n", paths_get(PATHS_SPOOL_DIR), fname, line, err);
		else
			printf("%s/%s: %s\n", paths_get(PATHS_SPOOL_DIR), fname, err);
		(*bad)++;
	}
	return 0;
}

static void handle_signals(bool *stop)
{
	struct signalfd_siginfo si;

	while (read(g.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			*stop = true;
		if (si.ssi_signo == SIGHUP)
			g.rescan = true;
		if (si.ssi_signo == SIGCHLD) {
			int status;
			pid_t pid;

			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				dbg("runner %ld ended", (long)pid);
			g.rescan = true; /* a result arrived: keep the count of results */
		}
	}
}

int atd_main(int argc, char **argv)
{
	bool foreground = false, check = false, stop = false;
	unsigned long ul;
	sigset_t set;
	char path[128];
	int c;

	g.load = 1.5; /* Debian's build (spec/at.md 9) */
	g.interval = 60;
	opt_reset();
	while ((c = opt_getopt(argc, argv, "fdnl:b:")) != -1) {
		switch (c) {
		case 'f':
			foreground = true;
			break;
		case 'd':
			g.debug = foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'l':
			g.load = opt_atof(opt_arg);
			if (g.load <= 0)
				g.load = 1.5;
			break;
		case 'b':
			if (opt_ulong(opt_arg, 10, 0, 86400, &ul) < 0)
				die(EXIT_USAGE, "-b: not a number of seconds: %s", opt_arg);
			g.interval = (long)ul;
			break;
		default:
			applet_usage_exit(EXIT_USAGE);
		}
	}
	if (opt_ind < argc)
		applet_usage_exit(EXIT_USAGE);
	g.dirfd = spool_open(paths_get(PATHS_SPOOL_DIR), !check);
	if (g.dirfd < 0)
		die_errno(1, "%s", paths_get(PATHS_SPOOL_DIR));
	if (check) {
		int bad = 0;

		if (spool_scan(g.dirfd, check_one, &bad) < 0)
			die_errno(1, "%s", paths_get(PATHS_SPOOL_DIR));
		return bad ? 1 : 0;
	}
	if (geteuid() != 0)
		die(1, "must run as root (it runs each job as its user)");
	g.lockfd = openat(g.dirfd, ".atd.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (g.lockfd < 0 || flock(g.lockfd, LOCK_EX | LOCK_NB) < 0)
		die(1, "%s: another atd runs on this spool", paths_get(PATHS_SPOOL_DIR));
	if (!foreground) {
		pid_t pid = fork();

		if (pid < 0)
			die_errno(1, "fork");
		if (pid > 0)
			_exit(0);
		setsid();
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			if (nul > 2)
				close(nul);
		}
	}
	if (!g.debug)
		log_open("atd", true, LOG_DAEMON);
	umask(022);
	if (chdir("/") < 0)
		log_errno(LOG_WARNING, "chdir /");
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	g.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	g.timerfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (g.sigfd < 0 || g.timerfd < 0)
		die_errno(1, "signalfd/timerfd");
	remove_temps();
	spool_scan(g.dirfd, recover_one, NULL);
	at_socket_path(path, sizeof(path));
	g.ctl = atd_ctl_open(path);
	log_msg(LOG_INFO, "started (spool %s, socket %s)", paths_get(PATHS_SPOOL_DIR), path);
	g.last_batch = -(1LL << 40);
	g.rescan = true;
	while (!stop) {
		struct pollfd p[16];
		int n;

		if (g.rescan)
			scan();
		p[0] = (struct pollfd){.fd = g.sigfd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = g.timerfd, .events = POLLIN};
		n = 2 + atd_ctl_pollfds(g.ctl, p + 2, 14);
		if (g.rescan)
			continue;
		if (poll(p, (nfds_t)n, atd_ctl_timeout(g.ctl)) < 0 && errno != EINTR)
			die_errno(1, "poll");
		if (p[0].revents)
			handle_signals(&stop);
		if (p[1].revents) {
			uint64_t ticks;

			if (read(g.timerfd, &ticks, sizeof(ticks)) < 0 && errno == ECANCELED)
				log_msg(LOG_NOTICE, "the clock was set: due times evaluated again");
			g.rescan = true;
		}
		atd_ctl_handle(g.ctl, g.dirfd, &g.rescan);
	}
	unlink(path);
	log_msg(LOG_INFO, "stopped");
	return 0;
}
