/* Spawning service processes (see sup.h). The child runs on the parent's memory until it
 * execs (vfork), so between vfork and execve it makes only system calls, writes nothing but
 * the two reporting fields and the LISTEN_PID digits, and leaves by execve or _exit. */
#include "common.h"
#include "sup.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void sup_spawn_init(struct sup_spawn *s)
{
	memset(s, 0, sizeof(*s));
	s->stdio[0] = s->stdio[1] = s->stdio[2] = -1;
	s->uid = s->gid = -1;
	s->ngroups = -1;
	s->umask = -1;
	s->nice = SUP_NICE_KEEP;
	s->nofile = -1;
	s->extra_fd = s->extra_target = -1;
	s->reset_signals = ~(uint64_t)0 & ~((uint64_t)1 << SIGKILL) & ~((uint64_t)1 << SIGSTOP) &
		~(uint64_t)1;
}

static int report_fd = -1; /* the child's end of the check_exec pipe */
/* the spawner's umask, read at its first spawn (the daemons set theirs once, at start-up):
 * a child whose UMask= is the same makes no call for it */
static int own_umask = -1;

static _Noreturn void child_fail(struct sup_spawn *s, int step)
{
	int what[2] = {step, errno};

	s->failed_errno = errno;
	s->failed_step = step;
	if (report_fd >= 0 && write(report_fd, what, sizeof(what)) < 0) {
	}
	_exit(step);
}

static void write_pid(char *slot, pid_t pid)
{
	char digits[16];
	int n = 0;

	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0);
	while (n)
		*slot++ = digits[--n];
	*slot = '\0';
}

/* true when a source fd is the number of a target other than its own (a dup2 could
 * overwrite it before it is used): n sources, source i going to fd i below ntargets, and a
 * last one going to extra_target when n is one more */
static bool sources_collide(const int *src, int n, int ntargets, int extra_target)
{
	for (int i = 0; i < n; i++) {
		int own = i < ntargets ? i : extra_target;

		if (src[i] != own &&
		    (src[i] < ntargets || (n > ntargets && src[i] == extra_target)))
			return true;
	}
	return false;
}

/* F_DUPFD_CLOEXEC by the kernel call: libc's wrapper adds an F_SETFD for kernels older than
 * 2.6.24 (a system call per fd, per connection) */
static int dup_above(int fd, int min)
{
	return (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min);
}

/* src becomes fd dst, open across exec */
static void place(struct sup_spawn *s, int src, int dst)
{
	/* dup2 onto itself would keep close-on-exec */
	if (src == dst ? fcntl(dst, F_SETFD, 0) < 0 : dup2(src, dst) < 0)
		child_fail(s, SUP_EXIT_FDS);
}

static void child(struct sup_spawn *s)
{
	int nt = 3 + s->nfds, nsrc = nt + (s->extra_fd >= 0), top = nt + 3, nul = -1;
	int moved[SUP_MAX_FDS + 4];
	sigset_t none;

	/* signals: the defaults, nothing blocked (socketd blocks what its signalfd reads) */
	for (int sig = 1; sig < 64 && sig < _NSIG; sig++) {
		if (!((s->reset_signals >> sig) & 1) || sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sig < 32) {
			signal(sig, SIG_DFL);
		} else {
			/* the real-time signals libc keeps for itself (glibc's make leaves 32 and
			 * 33 ignored; musl's signal() refuses them): the kernel call, all zero is
			 * SIG_DFL (handler, flags, restorer, mask on x86_64, arm and arm64) */
			static const struct {
				void *handler;
				unsigned long flags;
				void *restorer;
				unsigned mask[2];
			} dfl;

			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
		}
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (s->setsid ? setsid() < 0 : s->setpgid && setpgid(0, 0) < 0)
		child_fail(s, SUP_EXIT_SETSID);
	if (s->listen_pid)
		write_pid(s->listen_pid + 11, getpid());
	if (s->watchdog_pid)
		write_pid(s->watchdog_pid + 13, getpid());
	for (int i = 0; i < 3; i++) {
		moved[i] = s->stdio[i];
		if (moved[i] < 0) {
			if (nul < 0 && (nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
				child_fail(s, SUP_EXIT_STDIN);
			moved[i] = nul;
		}
	}
	for (int i = 0; i < s->nfds; i++)
		moved[3 + i] = s->fds[i];
	if (s->extra_fd >= 0)
		moved[3 + s->nfds] = s->extra_fd;
	/* a source numbered below the targets could be overwritten by a dup2 before it is
	 * used: then every source first goes above the targets. The usual case (a connection
	 * accepted above them, stderr kept as fd 2) needs no move: three system calls per
	 * connection, not nine. */
	if (sources_collide(moved, nsrc, nt, s->extra_target))
		for (int i = 0; i < nsrc; i++)
			if ((moved[i] = dup_above(moved[i], top)) < 0)
				child_fail(s, SUP_EXIT_FDS);
	for (int i = 0; i < nt; i++) {
		place(s, moved[i], i);
		if (i >= 3) {
			int fl = fcntl(i, F_GETFL);

			if (fl >= 0 && (fl & O_NONBLOCK))
				fcntl(i, F_SETFL, fl & ~O_NONBLOCK);
		}
	}
	/* after the others: its target may be the number of a moved source */
	if (s->extra_fd >= 0)
		place(s, moved[nt], s->extra_target);
	if (s->ngroups >= 0 && setgroups((size_t)s->ngroups, s->groups) < 0)
		child_fail(s, SUP_EXIT_GROUP);
	if (s->gid >= 0 && setgid((gid_t)s->gid) < 0)
		child_fail(s, SUP_EXIT_GROUP);
	if (s->uid >= 0 && setuid((uid_t)s->uid) < 0)
		child_fail(s, SUP_EXIT_USER);
	if (s->umask >= 0 && s->umask != own_umask)
		umask((mode_t)s->umask);
	if (s->nice != SUP_NICE_KEEP && setpriority(PRIO_PROCESS, 0, s->nice) < 0)
		child_fail(s, SUP_EXIT_NICE);
	if (s->nofile >= 0) {
		struct rlimit rl = {(rlim_t)s->nofile, (rlim_t)s->nofile};

		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			child_fail(s, SUP_EXIT_LIMITS);
	}
	if (s->cwd && chdir(s->cwd) < 0)
		child_fail(s, SUP_EXIT_CHDIR);
	execve(s->path, s->argv, s->envp);
	child_fail(s, SUP_EXIT_EXEC);
}

pid_t sup_spawn(struct sup_spawn *s)
{
	pid_t pid;

	int report[2] = {-1, -1};

	s->failed_step = 0;
	s->failed_errno = 0;
	if (s->check_exec && pipe2(report, O_CLOEXEC) < 0)
		return -1;
	report_fd = report[1];
	if (own_umask < 0) {
		mode_t m = umask(022);

		umask(m);
		own_umask = (int)m;
	}
	s->pid = pid = vfork();
	if (pid < 0) {
		int e = errno;

		if (report[0] >= 0) {
			close(report[0]);
			close(report[1]);
		}
		report_fd = -1;
		errno = e;
		return -1;
	}
	if (pid == 0)
		child(s);
	report_fd = -1;
	if (report[0] >= 0) {
		int what[2];
		ssize_t n;

		close(report[1]);
		/* EOF: exec closed the child's end; two ints: the step that failed */
		while ((n = read(report[0], what, sizeof(what))) < 0 && errno == EINTR)
			;
		close(report[0]);
		if (n == (ssize_t)sizeof(what)) {
			s->failed_step = what[0];
			s->failed_errno = what[1];
		}
	}
	/* vfork: the child has exec'd or exited by now */
	if (s->failed_step) {
		int status;

		waitpid(pid, &status, 0);
		errno = s->failed_errno;
		return -1;
	}
	return pid;
}

const char *sup_status_kind(int status)
{
	if (WIFEXITED(status))
		return "exited";
	if (WIFSIGNALED(status))
		return WCOREDUMP(status) ? "dumped" : "killed";
	return "unknown";
}

int sup_status_value(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return 0;
}

int sup_restart_parse(const char *word)
{
	static const char *const words[] = {"no",	   "on-success",  "on-failure",
					    "on-abnormal", "on-watchdog", "on-abort",
					    "always"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(word, words[i]) == 0)
			return (int)i;
	return -1;
}

const char *sup_result_name(enum sup_result r)
{
	static const char *const names[] = {"success",	       "resources", "protocol",	 "timeout",
					    "exit-code",       "signal",    "core-dump", "watchdog",
					    "start-limit-hit", "dependency"};

	return names[r];
}

enum sup_result sup_result_of(int status, const struct sup_success *ok)
{
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		if (code == 0 || (ok && (ok->codes[code / 8] >> (code % 8)) & 1))
			return SUP_SUCCESS;
		return SUP_EXIT_CODE;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE ||
		    (ok && sig < 64 && (ok->signals >> sig) & 1))
			return SUP_SUCCESS;
		return WCOREDUMP(status) ? SUP_CORE_DUMP : SUP_SIGNAL;
	}
	return SUP_EXIT_CODE;
}

/* the table of systemd.service(5), "Restart=": which results restart under which policy */
bool sup_restart_wanted(enum sup_restart policy, enum sup_result r)
{
	bool clean = r == SUP_SUCCESS,
	     abnormal = r == SUP_SIGNAL || r == SUP_CORE_DUMP || r == SUP_TIMEOUT ||
		r == SUP_WATCHDOG;

	if (r == SUP_START_LIMIT_HIT || r == SUP_DEPENDENCY)
		return false;
	switch (policy) {
	case SUP_RESTART_ALWAYS:
		return true;
	case SUP_RESTART_ON_SUCCESS:
		return clean;
	case SUP_RESTART_ON_FAILURE:
		return !clean;
	case SUP_RESTART_ON_ABNORMAL:
		return abnormal;
	case SUP_RESTART_ON_WATCHDOG:
		return r == SUP_WATCHDOG;
	case SUP_RESTART_ON_ABORT:
		return r == SUP_SIGNAL || r == SUP_CORE_DUMP;
	default:
		return false;
	}
}

static const char *const signal_names[] = {
	NULL,	"HUP",	"INT",	"QUIT", "ILL",	  "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
	"SEGV", "USR2", "PIPE", "ALRM", "TERM",	  "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
	"TTOU", "URG",	"XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS"};

int sup_signal_parse(const char *word)
{
	char *end;
	long n;

	if (strncmp(word, "SIG", 3) == 0)
		word += 3;
	for (int i = 1; i < (int)(sizeof(signal_names) / sizeof(signal_names[0])); i++)
		if (strcmp(word, signal_names[i]) == 0)
			return i;
	n = strtol(word, &end, 10);
	return *word && !*end && n > 0 && n < 65 ? (int)n : -1;
}

const char *sup_signal_name(int sig)
{
	static char buf[16];

	if (sig > 0 && sig < (int)(sizeof(signal_names) / sizeof(signal_names[0]))) {
		snprintf(buf, sizeof(buf), "SIG%s", signal_names[sig]);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%d", sig);
	return buf;
}
