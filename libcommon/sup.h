/* The supervisor core: start a service process the way systemd's exec does (fd layout,
 * environment, identity, limits) without copying socketd's address space (vfork), and the
 * exit-status vocabulary the rest of the supervisor reports. */
#ifndef GATEBOX_SUP_H
#define GATEBOX_SUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SUP_MAX_FDS 64

/* systemd's exit codes for failures before the program runs (systemd.exec(5)) */
enum {
	SUP_EXIT_CHDIR = 200,
	SUP_EXIT_NICE = 201,
	SUP_EXIT_FDS = 202,
	SUP_EXIT_EXEC = 203,
	SUP_EXIT_LIMITS = 205,
	SUP_EXIT_STDIN = 208,
	SUP_EXIT_GROUP = 216,
	SUP_EXIT_USER = 217,
	SUP_EXIT_SETSID = 220
};

struct sup_spawn {
	const char *path; /* the program (absolute) */
	char *const *argv; /* argv[0] included */
	char *const *envp;
	int fds[SUP_MAX_FDS]; /* moved to 3, 4, ... with close-on-exec and O_NONBLOCK cleared */
	int nfds;
	int stdio[3]; /* fds for 0, 1, 2; -1 means /dev/null */
	long long uid, gid; /* -1: keep (wide: a uid_t above INT_MAX is an id too) */
	const gid_t *groups;
	int ngroups; /* -1: keep the supplementary groups */
	const char *cwd;
	int umask; /* -1: keep */
	int nice; /* NICE_KEEP: keep */
	long nofile; /* RLIMIT_NOFILE, -1: keep */
	bool setsid; /* its own session and process group (KillMode= stands on it) */
	bool setpgid; /* without setsid: its own process group in the spawner's session */
	/* signals whose disposition the child resets to the default (bit n: signal n); all by
	 * default, a caller that knows which ones it changed names only those (fewer syscalls
	 * while the parent waits) */
	uint64_t reset_signals;
	/* when set, a "LISTEN_PID=" string in envp with room for the digits: the child writes
	 * its own pid there, as sd_listen_fds() checks it */
	char *listen_pid;
	/* the same for "WATCHDOG_PID=" (sd_watchdog_enabled() checks it) */
	char *watchdog_pid;
	/* one more fd at a chosen number (NotifyFd=N, s6 readiness); -1: none */
	int extra_fd, extra_target;
	/* learn a failure before exec through a close-on-exec pipe rather than the memory vfork
	 * shares (costs a pipe; needed where vfork is a fork, as under qemu-user) */
	bool check_exec;
	/* don't hold the caller until the child execs (per-connection instances): the child
	 * shares memory as with vfork but works on a copy of this request, and its failures
	 * before exec are seen only in its exit status. Falls back to vfork where that is
	 * not possible (sanitizer builds, qemu-user, Thumb). */
	bool detached;
	pid_t pid; /* the child's, also when it failed before exec (it has exited then) */
	/* set by the child when it fails before exec (vfork shares this memory) */
	volatile int failed_step, failed_errno;
};

#define SUP_NICE_KEEP (-1000)
#define SUP_LISTEN_PID_SIZE 24 /* "LISTEN_PID=" + digits */

/* Initialise with nothing to change. */
void sup_spawn_init(struct sup_spawn *s);
/* Start it: the child's pid, or -1 with errno (vfork failed, or the child failed before exec:
 * then failed_step holds the SUP_EXIT_ code and failed_errno its errno, and the child has
 * exited with that code). */
pid_t sup_spawn(struct sup_spawn *s);
/* Free what detached children no longer need (those that have exec'd or exited): called
 * by the spawner after reaping; sup_spawn does it too. */
void sup_spawn_sweep(void);
/* A detached child reaped with pid (before sup_spawn_sweep): true when it failed before
 * its exec, with the SUP_EXIT_ step, the errno and the program it was to run. */
bool sup_spawn_failed(pid_t pid, int *step, int *err, const char **path);
/* clone's errno when it refused a detached spawn (qemu-user, musl 1.2.5's clone): every
 * spawn is then a vfork. 0: detaching works, or was never tried */
int sup_spawn_detach_refused(void);
/* And give back the blocks kept for reuse (before a long sleep). */
void sup_spawn_release(void);
/* "exit-code", "signal", "core-dump" and the status number or signal, from a wait status. */
const char *sup_status_kind(int status);
int sup_status_value(int status);

/* --- the lifecycle policy the supervisor applies (systemd.service(5) words) --------- */

enum sup_restart {
	SUP_RESTART_NO,
	SUP_RESTART_ON_SUCCESS,
	SUP_RESTART_ON_FAILURE,
	SUP_RESTART_ON_ABNORMAL,
	SUP_RESTART_ON_WATCHDOG,
	SUP_RESTART_ON_ABORT,
	SUP_RESTART_ALWAYS
};

/* What ended a run, as systemd's Result= names it. */
enum sup_result {
	SUP_SUCCESS,
	SUP_RESOURCES,
	SUP_PROTOCOL,
	SUP_TIMEOUT,
	SUP_EXIT_CODE,
	SUP_SIGNAL,
	SUP_CORE_DUMP,
	SUP_WATCHDOG,
	SUP_START_LIMIT_HIT,
	SUP_DEPENDENCY
};

/* SuccessExitStatus=: exit codes and signals counted as a clean exit, besides 0 and the
 * signals systemd always counts (SIGHUP, SIGINT, SIGTERM, SIGPIPE). */
struct sup_success {
	unsigned char codes[32]; /* bit n: exit code n */
	unsigned long signals; /* bit n: signal n */
};

/* "no", "on-failure", ... and back; -1 for an unknown word. */
int sup_restart_parse(const char *word);
const char *sup_result_name(enum sup_result r);
/* The result a wait status gives a main process (SUP_SUCCESS for a clean exit). */
enum sup_result sup_result_of(int status, const struct sup_success *ok);
/* Does policy restart a service whose run ended with r? (never after a requested stop) */
bool sup_restart_wanted(enum sup_restart policy, enum sup_result r);
/* "SIGTERM", "TERM" or a number; -1 if not a signal. */
int sup_signal_parse(const char *word);
const char *sup_signal_name(int sig);

#endif
