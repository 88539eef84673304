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
	s->reset_signals = ~0UL & ~(1UL << SIGKILL) & ~(1UL << SIGSTOP) & ~1UL;
}

static _Noreturn void child_fail(struct sup_spawn *s, int step)
{
	s->failed_errno = errno;
	s->failed_step = step;
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

static void child(struct sup_spawn *s)
{
	int top = 3 + s->nfds + 3, nul = -1, moved[SUP_MAX_FDS + 3];
	sigset_t none;

	/* signals: the defaults, nothing blocked (socketd blocks what its signalfd reads) */
	for (int sig = 1; sig < 32; sig++)
		if ((s->reset_signals >> sig) & 1 && sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (s->setsid && setsid() < 0)
		child_fail(s, SUP_EXIT_SETSID);
	if (s->listen_pid)
		write_pid(s->listen_pid + 11, getpid());
	/* every source fd first goes above the targets, so no dup2 overwrites a source */
	for (int i = 0; i < 3; i++) {
		int src = s->stdio[i];

		if (src < 0) {
			if (nul < 0 && (nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
				child_fail(s, SUP_EXIT_STDIN);
			src = nul;
		}
		if ((moved[i] = fcntl(src, F_DUPFD_CLOEXEC, top)) < 0)
			child_fail(s, SUP_EXIT_FDS);
	}
	for (int i = 0; i < s->nfds; i++)
		if ((moved[3 + i] = fcntl(s->fds[i], F_DUPFD_CLOEXEC, top)) < 0)
			child_fail(s, SUP_EXIT_FDS);
	for (int i = 0; i < 3 + s->nfds; i++) {
		if (dup2(moved[i], i) < 0)
			child_fail(s, SUP_EXIT_FDS);
		if (i >= 3) {
			int fl = fcntl(i, F_GETFL);

			if (fl >= 0 && (fl & O_NONBLOCK))
				fcntl(i, F_SETFL, fl & ~O_NONBLOCK);
		}
	}
	if (s->ngroups >= 0 && setgroups((size_t)s->ngroups, s->groups) < 0)
		child_fail(s, SUP_EXIT_GROUP);
	if (s->gid >= 0 && setgid((gid_t)s->gid) < 0)
		child_fail(s, SUP_EXIT_GROUP);
	if (s->uid >= 0 && setuid((uid_t)s->uid) < 0)
		child_fail(s, SUP_EXIT_USER);
	if (s->umask >= 0)
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

	s->failed_step = 0;
	s->failed_errno = 0;
	pid = vfork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child(s);
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
