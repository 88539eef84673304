/* Spawning service processes (see sup.h). The child runs on the parent's memory until it
 * execs (vfork), so between vfork and execve it makes only system calls, writes nothing but
 * the two reporting fields and the LISTEN_PID digits, and leaves by execve or _exit. */
#include "common.h"
#include "sup.h"
#include "rawsys.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
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

/* the spawner's umask, read at its first spawn (the daemons set theirs once, at start-up):
 * a child whose UMask= is the same makes no call for it */
static int own_umask = -1;

/* What the child reads: the request, and where it reports a failure before exec. With
 * vfork both are the caller's (it is suspended until the exec); a detached child gets a
 * copy of its own (see spawn_detached). */
struct child_ctx {
	struct sup_spawn *s;
	int report_fd; /* the check_exec pipe's write end, or -1 */
	bool shared; /* vfork: s is the caller's, and failed_step reaches it */
};

/* The child's system calls. With RAW_SYSCALLS they never touch errno (a detached child
 * shares the caller's memory, TLS included, while the caller runs on); each returns the
 * kernel's result or -errno. */
#if RAW_SYSCALLS
#define K0(nr) raw_sys0(nr)
#define K1(nr, a) raw_sys1(nr, a)
#define K2(nr, a, b) raw_sys2(nr, a, b)
#define K3(nr, a, b, c) raw_sys3(nr, a, b, c)
#define K4(nr, a, b, c, d) raw_sys4(nr, a, b, c, d)
#else
static long k_ret(long r)
{
	return r < 0 ? -(long)errno : r;
}
/* every argument a long, as the raw forms take them: syscall() is variadic, and a wider
 * value (uid and gid are long long) would land in the wrong registers on 32-bit ABIs */
#define K0(nr) k_ret(syscall(nr))
#define K1(nr, a) k_ret(syscall(nr, (long)(a)))
#define K2(nr, a, b) k_ret(syscall(nr, (long)(a), (long)(b)))
#define K3(nr, a, b, c) k_ret(syscall(nr, (long)(a), (long)(b), (long)(c)))
#define K4(nr, a, b, c, d) k_ret(syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d)))
#endif
#define KFAILED(r) ((r) < 0 && (r) > -4096)

static _Noreturn void child_fail(const struct child_ctx *c, int step, long kret)
{
	int what[2] = {step, (int)-kret};

	if (c->shared) {
		c->s->failed_errno = what[1];
		c->s->failed_step = step;
	}
	if (c->report_fd >= 0)
		(void)K3(SYS_write, c->report_fd, what, sizeof(what));
	for (;;)
		(void)K1(SYS_exit_group, step);
}

static void write_pid(char *slot, long pid)
{
	char digits[24];
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

/* src becomes fd dst, open across exec (dup3: arm64 has no dup2; onto itself, a dup would
 * keep close-on-exec, so the flag is cleared instead) */
static void place(const struct child_ctx *c, int src, int dst)
{
	long r = src == dst ? K3(SYS_fcntl, dst, F_SETFD, 0) : K3(SYS_dup3, src, dst, 0);

	if (KFAILED(r))
		child_fail(c, SUP_EXIT_FDS, r);
}

static void child(const struct child_ctx *c)
{
	const struct sup_spawn *s = c->s;
	int nt = 3 + s->nfds, nsrc = nt + (s->extra_fd >= 0), top = nt + 3, nul = -1;
	int moved[SUP_MAX_FDS + 4];
	/* the kernel's sigaction: all zero is SIG_DFL (handler, flags, restorer, mask on
	 * x86_64, arm and arm64); and an empty 64-bit signal mask */
	static const struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned mask[2];
	} dfl;
	static const unsigned none[2];
	long r;

	/* signals: the defaults (also the real-time ones libc keeps for itself, which glibc's
	 * make leaves ignored), nothing blocked (socketd blocks what its signalfd reads) */
	for (int sig = 1; sig < 64 && sig < _NSIG; sig++)
		if (((s->reset_signals >> sig) & 1) && sig != SIGKILL && sig != SIGSTOP)
			(void)K4(SYS_rt_sigaction, sig, &dfl, 0, sizeof(dfl.mask));
	(void)K4(SYS_rt_sigprocmask, SIG_SETMASK, none, 0, sizeof(none));
	if (s->setsid || s->setpgid) {
		r = s->setsid ? K0(SYS_setsid) : K2(SYS_setpgid, 0, 0);
		if (KFAILED(r))
			child_fail(c, SUP_EXIT_SETSID, r);
	}
	if (s->listen_pid)
		write_pid(s->listen_pid + 11, K0(SYS_getpid));
	if (s->watchdog_pid)
		write_pid(s->watchdog_pid + 13, K0(SYS_getpid));
	for (int i = 0; i < 3; i++) {
		moved[i] = s->stdio[i];
		if (moved[i] < 0) {
			if (nul < 0) {
				r = K4(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC, 0);
				if (KFAILED(r))
					child_fail(c, SUP_EXIT_STDIN, r);
				nul = (int)r;
			}
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
		for (int i = 0; i < nsrc; i++) {
			r = K3(SYS_fcntl, moved[i], F_DUPFD_CLOEXEC, top);
			if (KFAILED(r))
				child_fail(c, SUP_EXIT_FDS, r);
			moved[i] = (int)r;
		}
	for (int i = 0; i < nt; i++) {
		place(c, moved[i], i);
		if (i >= 3) {
			long fl = K2(SYS_fcntl, i, F_GETFL);

			if (!KFAILED(fl) && (fl & O_NONBLOCK))
				(void)K3(SYS_fcntl, i, F_SETFL, fl & ~O_NONBLOCK);
		}
	}
	/* after the others: its target may be the number of a moved source */
	if (s->extra_fd >= 0)
		place(c, moved[nt], s->extra_target);
	if (s->ngroups >= 0 && KFAILED(r = K2(RAW_SYS_setgroups, s->ngroups, s->groups)))
		child_fail(c, SUP_EXIT_GROUP, r);
	if (s->gid >= 0 && KFAILED(r = K1(RAW_SYS_setgid, s->gid)))
		child_fail(c, SUP_EXIT_GROUP, r);
	if (s->uid >= 0 && KFAILED(r = K1(RAW_SYS_setuid, s->uid)))
		child_fail(c, SUP_EXIT_USER, r);
	if (s->umask >= 0 && s->umask != own_umask)
		(void)K1(SYS_umask, s->umask);
	if (s->nice != SUP_NICE_KEEP && KFAILED(r = K3(SYS_setpriority, PRIO_PROCESS, 0, s->nice)))
		child_fail(c, SUP_EXIT_NICE, r);
	if (s->nofile >= 0) {
		unsigned long long rl[2] = {(unsigned long long)s->nofile,
					    (unsigned long long)s->nofile};

		if (KFAILED(r = K4(SYS_prlimit64, 0, RLIMIT_NOFILE, rl, 0)))
			child_fail(c, SUP_EXIT_LIMITS, r);
	}
	if (s->cwd && KFAILED(r = K1(SYS_chdir, s->cwd)))
		child_fail(c, SUP_EXIT_CHDIR, r);
	r = K3(SYS_execve, s->path, s->argv, s->envp);
	child_fail(c, SUP_EXIT_EXEC, r);
}

/* --- detached: a child that shares the caller's memory (no page tables copied, as vfork)
 * but does not hold the caller until it execs (as fork). Under load the difference is the
 * caller's whole exec wait per connection. The child works on a block of its own: a copy
 * of the request, its strings and arrays, and its stack; the kernel clears block->tid when
 * the child execs or exits (CLONE_CHILD_CLEARTID), and the block is freed after that. Not
 * under the sanitizers (the child would run instrumented code on a foreign stack), and not
 * where clone refuses CLONE_VM without a thread (qemu-user): vfork then. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(__SANITIZE_HWADDRESS__)
#define SANITIZED 1 /* gcc's names */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#define SANITIZED 1 /* clang's */
#endif
#endif
#if RAW_SYSCALLS && !defined(SANITIZED) && !defined(GATEBOX_NO_DETACH)
#define CAN_DETACH 1
#define CHILD_STACK 16384

struct spawn_block {
	struct spawn_block *next;
	size_t cap; /* its size: a spare block serves any request that fits */
	pid_t pid;
	volatile pid_t tid;
	struct sup_spawn s;
	struct child_ctx ctx;
	_Alignas(16) char data[]; /* strings and arrays, then the stack */
};

static struct spawn_block *in_flight, *spare;
static unsigned nspare;
static int detach_refused; /* clone's errno when it refused: vfork from then on */

/* the child is gone from the block once the kernel cleared tid (at its exec or exit);
 * acquire: what it wrote in the block before (failed_step) is seen too */
static bool block_done(struct spawn_block *b)
{
	return __atomic_load_n(&b->tid, __ATOMIC_ACQUIRE) == 0;
}

/* blocks are reused (a busy socket would otherwise map, fault in and unmap one per
 * connection): up to SPARES wait for the next spawns, until sup_spawn_release() */
#define SPARES 4
#define BLOCK_MIN 24576

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* the size of a NULL-terminated vector's copy: pointers, then its strings (a slot the
 * child writes its pid into keeps room for the digits) */
static size_t vector_size(char *const *v, const struct sup_spawn *s)
{
	size_t n = sizeof(char *);

	for (size_t i = 0; v && v[i]; i++)
		n += sizeof(char *) + strlen(v[i]) + 1 +
			(v[i] == s->listen_pid || v[i] == s->watchdog_pid ? 24 : 0);
	return round16(n);
}

static char *const *copy_vector(char *const *v, char **at, struct sup_spawn *copy,
				const struct sup_spawn *s)
{
	size_t count = 0;
	char **out = (char **)(void *)*at, *p;

	while (v && v[count])
		count++;
	p = (char *)(out + count + 1);
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(v[i]) + 1;

		out[i] = memcpy(p, v[i], len);
		if (v[i] == s->listen_pid)
			copy->listen_pid = out[i];
		if (v[i] == s->watchdog_pid)
			copy->watchdog_pid = out[i];
		p += len + (v[i] == s->listen_pid || v[i] == s->watchdog_pid ? 24 : 0);
	}
	out[count] = NULL;
	*at = (char *)(void *)out + vector_size(v, s);
	return out;
}

static int detached_main(void *arg)
{
	child(&((struct spawn_block *)arg)->ctx);
	return 127;
}

void sup_spawn_sweep(void)
{
	for (struct spawn_block **b = &in_flight; *b;) {
		/* a child that failed before exec keeps its block until sup_spawn_failed */
		if (block_done(*b) && !(*b)->s.failed_step) {
			struct spawn_block *done = *b;

			*b = done->next;
			if (nspare < SPARES) {
				done->next = spare;
				spare = done;
				nspare++;
			} else {
				free(done);
			}
		} else {
			b = &(*b)->next;
		}
	}
}

void sup_spawn_release(void)
{
	sup_spawn_sweep();
	while (spare) {
		struct spawn_block *b = spare;

		spare = b->next;
		free(b);
	}
	nspare = 0;
}

static struct spawn_block *block_get(size_t size)
{
	struct spawn_block **p = &spare, *b;

	for (; *p; p = &(*p)->next)
		if ((*p)->cap >= size) {
			b = *p;
			*p = b->next;
			nspare--;
			return b;
		}
	size = size < BLOCK_MIN ? BLOCK_MIN : size;
	if ((b = malloc(size)) != NULL)
		b->cap = size;
	return b;
}

/* the child's pid, 0 when clone refused (the caller then vforks), or -1 */
static pid_t spawn_detached(struct sup_spawn *s)
{
	size_t path = strlen(s->path) + 1, cwd = s->cwd ? strlen(s->cwd) + 1 : 0;
	size_t groups = s->ngroups > 0 ? (size_t)s->ngroups * sizeof(gid_t) : 0;
	size_t size = sizeof(struct spawn_block) + vector_size(s->argv, s) +
		vector_size(s->envp, s) + round16(groups) + round16(path + cwd) + CHILD_STACK;
	struct spawn_block *b;
	char *at;
	pid_t pid;

	sup_spawn_sweep();
	if ((b = block_get(size)) == NULL)
		return -1;
	size = b->cap;
	b->s = *s;
	b->ctx.s = &b->s;
	b->ctx.report_fd = -1;
	b->ctx.shared = true; /* a failure before exec is noted in the block's copy */
	at = b->data;
	b->s.argv = copy_vector(s->argv, &at, &b->s, s);
	b->s.envp = copy_vector(s->envp, &at, &b->s, s);
	if (groups)
		b->s.groups = memcpy(at, s->groups, groups);
	at += round16(groups);
	b->s.path = memcpy(at, s->path, path);
	b->s.cwd = s->cwd ? memcpy(at + path, s->cwd, cwd) : NULL;
	b->tid = -1;
	/* the stack is the block's end, 16-byte aligned as every ABI here wants */
	pid = clone(detached_main, (char *)b + (size & ~(size_t)15),
		    CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, b, NULL, NULL, &b->tid);
	if (pid < 0) {
		int e = errno;

		free(b);
		if (e == EINVAL || e == ENOSYS) {
			/* qemu-user (CLONE_VM without a thread), or a libc whose clone()
			 * refuses CLONE_CHILD_CLEARTID (musl 1.2.5) */
			detach_refused = e;
			return 0;
		}
		errno = e;
		return -1;
	}
	b->pid = pid;
	b->next = in_flight;
	in_flight = b;
	return pid;
}

bool sup_spawn_failed(pid_t pid, int *step, int *err, const char **path)
{
	for (struct spawn_block *b = in_flight; b; b = b->next)
		if (b->pid == pid && block_done(b) && b->s.failed_step) {
			*step = b->s.failed_step;
			*err = b->s.failed_errno;
			*path = b->s.path; /* valid until the next sweep, which takes the block */
			b->s.failed_step = 0;
			return true;
		}
	return false;
}

int sup_spawn_detach_refused(void)
{
	return detach_refused;
}
#else
void sup_spawn_sweep(void)
{
}

void sup_spawn_release(void)
{
}

bool sup_spawn_failed(pid_t pid, int *step, int *err, const char **path)
{
	(void)pid, (void)step, (void)err, (void)path;
	return false;
}

int sup_spawn_detach_refused(void)
{
	return 0;
}
#endif

pid_t sup_spawn(struct sup_spawn *s)
{
	struct child_ctx c = {s, -1, true};
	int report[2] = {-1, -1};
	pid_t pid;

	s->failed_step = 0;
	s->failed_errno = 0;
	if (own_umask < 0) {
		mode_t m = umask(022);

		umask(m);
		own_umask = (int)m;
	}
#ifdef CAN_DETACH
	if (s->detached && !s->check_exec && !detach_refused) {
		s->pid = pid = spawn_detached(s);
		if (pid != 0)
			return pid;
	}
#endif
	if (s->check_exec && pipe2(report, O_CLOEXEC) < 0)
		return -1;
	c.report_fd = report[1];
	s->pid = pid = vfork();
	if (pid < 0) {
		int e = errno;

		if (report[0] >= 0) {
			close(report[0]);
			close(report[1]);
		}
		errno = e;
		return -1;
	}
	if (pid == 0)
		child(&c);
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
