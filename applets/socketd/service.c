/* The lifecycle of the service units socketd supervises, as systemd.service(5) describes it:
 * ExecStartPre= .. ExecStart= .. ExecStartPost= (activating), running or exited (active),
 * ExecReload= (reloading), ExecStop= .. signals .. ExecStopPost= (deactivating), then dead or
 * failed, and Restart= back to activating (auto-restart) within the start limit. Readiness
 * by Type=, sd_notify (a datagram socket per service) or NotifyFd= (s6). Process groups
 * stand in for cgroups: every process is spawned in a session of its own, and KillMode=
 * signals the main process, or the groups of the main and control processes. Everything is
 * driven by events of socketd's loop (child exits, notify datagrams, timers): no call here
 * waits. */
#include "socketd.h"
#include "notify.h"
#include "scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long realtime_now_us(void);

static const char *const active_names[] = {"inactive",	"activating",	"active",
					   "reloading", "deactivating", "failed"};
static const char *const sub_names[] = {
	"dead",		 "start-pre",	  "start",	  "start-post",
	"running",	 "exited",	  "reload",	  "stop",
	"stop-watchdog", "stop-sigterm",  "stop-sigkill", "stop-post",
	"final-sigterm", "final-sigkill", "failed",	  "auto-restart"};

const char *sd_active_name(enum sd_active a)
{
	return active_names[a];
}

const char *sd_sub_name(enum sd_sub s)
{
	return sub_names[s];
}

/* --- finding and loading ----------------------------------------------------------------- */

struct sd_unit *sd_unit_find(struct sd_state *st, const char *name)
{
	for (size_t i = 0; i < st->nunits; i++)
		if (strcmp(st->units[i]->svc.name, name) == 0)
			return st->units[i];
	return NULL;
}

static void load_config(struct sd_state *st, struct sd_unit *u)
{
	int errors = 0;
	char name[UNIT_NAME_MAX];

	str_copy(name, sizeof(name), u->svc.name);
	sd_free_service(&u->svc);
	sd_load_service(st->unit_dir, name, &u->svc, &errors);
	str_copy(u->svc.name, sizeof(u->svc.name), name);
	u->loaded = errors == 0;
}

struct sd_unit *sd_unit_get(struct sd_state *st, const char *name)
{
	struct sd_unit *u = sd_unit_find(st, name);
	char path[4096];
	struct stat sb;
	size_t n = strlen(name);

	if (u)
		return u;
	if (n <= 8 || strcmp(name + n - 8, ".service") != 0 || name[n - 9] == '@' ||
	    !unit_name_valid(name)) /* never a path: "../x.service" */
		return NULL;
	str_printf(path, sizeof(path), "%s/%s", st->unit_dir, name);
	if (stat(path, &sb) < 0)
		return NULL;
	u = xcalloc(1, sizeof(*u));
	str_copy(u->svc.name, sizeof(u->svc.name), name);
	u->notify_sock = u->ready_pipe = u->out_pipe = u->out_w = -1;
	load_config(st, u);
	st->units = xrealloc(st->units, (st->nunits + 1) * sizeof(*st->units));
	st->units[st->nunits++] = u;
	return u;
}

bool sd_socket_service_running(struct sd_state *st, const struct sd_socket *s)
{
	const struct sd_unit *u = s->accept ? NULL : sd_unit_find(st, s->svc.name);

	return u && u->active != SD_INACTIVE && u->active != SD_FAILED;
}

/* --- states ------------------------------------------------------------------------------ */

static void set_state(struct sd_unit *u, enum sd_active a, enum sd_sub sub)
{
	if (u->active != a) {
		u->since_us = realtime_now_us();
		if (a == SD_ACTIVE && u->active != SD_RELOADING)
			u->active_enter_us = u->since_us;
	}
	u->active = a;
	u->sub = sub;
}

static bool group_alive(pid_t pgid)
{
	return pgid > 0 && kill(-pgid, 0) == 0;
}

/* anything of this run left to wait for? */
static bool alive(const struct sd_unit *u)
{
	/* KillMode=mixed signals the group only in its SIGKILL round: until then the main and
	 * control processes are what a stop waits for */
	bool groups = u->svc.kill_mode == SD_KILL_CGROUP ||
		(u->svc.kill_mode == SD_KILL_MIXED && u->sub == SD_SUB_FINAL_SIGKILL);

	return u->main_pid || u->control_pid ||
		(groups && (group_alive(u->main_pgid) || group_alive(u->control_pgid)));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_channels(struct sd_unit *u)
{
	close_fd(&u->notify_sock);
	if (u->notify_path[0])
		unlink(u->notify_path);
	u->notify_path[0] = '\0';
	close_fd(&u->ready_pipe);
}

/* the service may have made the shared listeners blocking: socketd needs them non-blocking */
static void listeners_nonblocking(struct sd_state *st, const struct sd_unit *u)
{
	for (size_t k = 0; k < st->nsocks; k++) {
		struct sd_socket *s = st->socks[k];

		if (s->accept || strcmp(s->svc.name, u->svc.name) != 0)
			continue;
		for (size_t j = 0; j < s->nl; j++)
			if (s->l[j].fd >= 0)
				fcntl(s->l[j].fd, F_SETFL, fcntl(s->l[j].fd, F_GETFL) | O_NONBLOCK);
	}
}

static void enter_phase(struct sd_state *st, struct sd_unit *u, enum sd_phase ph);
static void final_kill(struct sd_state *st, struct sd_unit *u);
static void enter_signal(struct sd_state *st, struct sd_unit *u, enum sd_sub sub,
			 enum sup_result r);

static void fail_with(struct sd_unit *u, enum sup_result r)
{
	if (u->result == SUP_SUCCESS)
		u->result = r;
}

/* rm -r without following links: the files of a runtime directory, then it */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		char sub[600];
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		str_printf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_tree(sub);
		else
			unlink(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void enter_dead(struct sd_state *st, struct sd_unit *u)
{
	close_channels(u);
	if (u->svc.runtime_dir) {
		/* RuntimeDirectory= goes with the run (what a daemon left in it too) */
		char path[300];

		str_printf(path, sizeof(path), "/run/%s", u->svc.runtime_dir);
		remove_tree(path);
	}
	u->deadline_us = u->watchdog_us = 0;
	u->main_pgid = u->control_pgid = 0;
	listeners_nonblocking(st, u);
	if (!u->stop_requested && sup_restart_wanted(u->svc.restart, u->result)) {
		set_state(u, SD_ACTIVATING, SD_SUB_AUTO_RESTART);
		u->deadline_us = sd_now_us() + u->svc.restart_us;
		if (u->result != SUP_SUCCESS)
			sd_unit_log(u, 0, "Failed with result '%s'.", sup_result_name(u->result));
		sd_unit_log(u, 0, "Scheduled restart job, restart counter is at %u.",
			    u->restarts + 1);
		return;
	}
	if (u->result == SUP_SUCCESS) {
		set_state(u, SD_INACTIVE, SD_SUB_DEAD);
		sd_unit_log(u, 0, "Deactivated successfully.");
	} else {
		set_state(u, SD_FAILED, SD_SUB_FAILED);
		sd_unit_log(u, 0, "Failed with result '%s'.", sup_result_name(u->result));
	}
	if (u->pending_start) {
		u->pending_start = false;
		sd_unit_start(st, u);
	}
}

/* --- spawning ------------------------------------------------------------------------------ */

static bool open_notify(struct sd_state *st, struct sd_unit *u)
{
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	char dir[108];
	int one = 1;

	if (u->notify_sock >= 0)
		return true;
	if (str_printf(dir, sizeof(dir), "%s/notify", paths_get(PATHS_RUN_DIR)) < 0 ||
	    str_printf(u->notify_path, sizeof(u->notify_path), "%s/%s", dir, u->svc.name) < 0) {
		u->notify_path[0] = '\0';
		sd_unit_log(u, 0, "NOTIFY_SOCKET path too long");
		return false;
	}
	(void)st;
	mkdir(paths_get(PATHS_RUN_DIR), 0755);
	mkdir(dir, 0755);
	memcpy(su.sun_path, u->notify_path, strlen(u->notify_path) + 1);
	unlink(u->notify_path);
	u->notify_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (u->notify_sock < 0 || bind(u->notify_sock, (struct sockaddr *)&su, sizeof(su)) < 0 ||
	    setsockopt(u->notify_sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    chmod(u->notify_path, 0666) < 0) {
		/* the service may run as another user; who speaks is checked by credentials */
		log_errno(LOG_ERR, "%s: NOTIFY_SOCKET %s", u->svc.name, u->notify_path);
		close_channels(u);
		return false;
	}
	return true;
}

static void read_output(struct sd_state *st, struct sd_unit *u, bool final);

/* a control process that ended, kept for status (the last few of this run) */
static void record_control(struct sd_unit *u, pid_t pid, int status)
{
	unsigned n = sizeof(u->done) / sizeof(u->done[0]);

	if (u->ndone == n) {
		memmove(u->done, u->done + 1, sizeof(u->done[0]) * (n - 1));
		u->ndone--;
	}
	u->done[u->ndone].pid = pid;
	u->done[u->ndone].status = status;
	u->done[u->ndone].cmd = (short)u->cmd;
	u->ndone++;
}

/* one process of the unit: the main process for ExecStart=, a control process otherwise */
static pid_t spawn_cmd(struct sd_state *st, struct sd_unit *u, const struct sd_cmd *c)
{
	char notify_env[160], mainpid[32], wd_usec[48], wd_pid[SUP_LISTEN_PID_SIZE + 2];
	char result_env[48], exit_code[32], exit_status[32], *extra[10];
	pid_t failed_pid = 0;
	int failed_step = 0;
	size_t ne = 0;
	int ready[2] = {-1, -1}, out[2];
	bool main = c->phase == SD_PH_START;
	struct sd_spawn_req rq = {.svc = &u->svc,
				  .line = c->line,
				  .argv0 = c->argv0,
				  .unit_name = u->svc.name,
				  .conn = -1,
				  .pass_listeners = main,
				  .extra_env = extra,
				  .out_fd = -1,
				  .notify_fd = -1,
				  .failed_pid = &failed_pid,
				  .failed_step = &failed_step};
	pid_t pid;

	if (u->svc.notify_access != SD_NOTIFY_NONE && open_notify(st, u)) {
		snprintf(notify_env, sizeof(notify_env), "NOTIFY_SOCKET=%s", u->notify_path);
		extra[ne++] = notify_env;
	}
	if (!main && u->main_pid) {
		snprintf(mainpid, sizeof(mainpid), "MAINPID=%ld", (long)u->main_pid);
		extra[ne++] = mainpid;
	}
	if (main && u->svc.watchdog_us > 0 && u->svc.watchdog_us != LLONG_MAX) {
		snprintf(wd_usec, sizeof(wd_usec), "WATCHDOG_USEC=%lld", u->svc.watchdog_us);
		strcpy(wd_pid, "WATCHDOG_PID=");
		extra[ne++] = wd_usec;
		extra[ne++] = wd_pid;
		rq.watchdog_pid = wd_pid;
	}
	if (c->phase == SD_PH_STOP_POST) {
		snprintf(result_env, sizeof(result_env), "SERVICE_RESULT=%s",
			 sup_result_name(u->result));
		extra[ne++] = result_env;
		if (u->main_exited) {
			/* as systemd: EXIT_CODE=exited|killed|dumped, EXIT_STATUS=code or signal */
			int st_ = u->main_status;

			snprintf(exit_code, sizeof(exit_code), "EXIT_CODE=%s",
				 sup_status_kind(st_));
			if (WIFSIGNALED(st_))
				snprintf(exit_status, sizeof(exit_status), "EXIT_STATUS=%s",
					 sup_signal_name(WTERMSIG(st_)) + 3);
			else
				snprintf(exit_status, sizeof(exit_status), "EXIT_STATUS=%d",
					 WEXITSTATUS(st_));
			extra[ne++] = exit_code;
			extra[ne++] = exit_status;
		}
	}
	extra[ne] = NULL;
	if (main && u->svc.notify_fd >= 3 && u->ready_pipe < 0 &&
	    pipe2(ready, O_CLOEXEC | O_NONBLOCK) == 0) {
		u->ready_pipe = ready[0];
		rq.notify_fd = ready[1];
	}
	if (u->out_pipe < 0 && pipe2(out, O_CLOEXEC) == 0) {
		/* kept for the unit's life: leftover processes may still write to it */
		fcntl(out[0], F_SETFL, O_NONBLOCK);
		u->out_pipe = out[0];
		u->out_w = out[1];
	}
	rq.out_fd = u->out_w;
	pid = sd_spawn(st, &rq);
	close_fd(&ready[1]);
	if (pid < 0 && failed_pid > 0) {
		/* it ran and failed before exec: that is its exit status (203/EXEC, ...) */
		if (main) {
			u->last_main = failed_pid;
			u->main_status = failed_step << 8;
			u->main_exited = true;
		} else {
			record_control(u, failed_pid, failed_step << 8);
		}
	}
	if (pid < 0)
		return -1;
	if (main) {
		u->main_pid = u->last_main = pid;
		u->main_pgid = pid; /* sd_spawn gives it a session of its own */
		u->main_exited = false;
	} else {
		u->control_pid = pid;
		u->control_pgid = pid;
	}
	return pid;
}

/* the next command of phase ph from index from: its index, or -1 */
static long next_cmd(const struct sd_unit *u, enum sd_phase ph, size_t from)
{
	for (size_t i = from; i < u->svc.ncmds; i++)
		if (u->svc.cmds[i].phase == ph)
			return (long)i;
	return -1;
}

static const enum sd_sub phase_sub[SD_PH_COUNT] = {SD_SUB_START_PRE,  SD_SUB_START,
						   SD_SUB_START_POST, SD_SUB_RELOAD,
						   SD_SUB_STOP,	      SD_SUB_STOP_POST};

static void enter_running(struct sd_state *st, struct sd_unit *u)
{
	u->deadline_us = 0;
	if (u->main_pid) {
		set_state(u, SD_ACTIVE, SD_SUB_RUNNING);
		if (u->svc.watchdog_us > 0 && u->svc.watchdog_us != LLONG_MAX)
			u->watchdog_us = sd_now_us() + u->svc.watchdog_us;
		sd_unit_log(u, 0, "Started %s.",
			    u->svc.description[0] ? u->svc.description : u->svc.name);
	} else if (u->svc.remain_after_exit) {
		set_state(u, SD_ACTIVE, SD_SUB_EXITED);
		sd_unit_log(u, 0, "Finished %s.",
			    u->svc.description[0] ? u->svc.description : u->svc.name);
	} else {
		/* nothing left running (a oneshot): stop, as systemd does */
		sd_unit_log(u, 0, "Finished %s.",
			    u->svc.description[0] ? u->svc.description : u->svc.name);
		enter_phase(st, u, SD_PH_STOP);
	}
}

static long long timeout_for(const struct sd_unit *u, enum sd_phase ph)
{
	long long t = ph <= SD_PH_START_POST || ph == SD_PH_RELOAD ? u->svc.timeout_start_us
								   : u->svc.timeout_stop_us;

	return t > 0 && t != LLONG_MAX ? sd_now_us() + t : 0;
}

/* Run the commands of phase ph from the first; when there are none, go on at once. */
static void run_phase_from(struct sd_state *st, struct sd_unit *u, enum sd_phase ph, size_t from)
{
	long i = next_cmd(u, ph, from);

	u->phase = ph;
	if (i < 0) {
		switch (ph) {
		case SD_PH_START_PRE:
			enter_phase(st, u, SD_PH_START);
			return;
		case SD_PH_START:
			/* a oneshot whose ExecStart= lines have all run */
			enter_phase(st, u, SD_PH_START_POST);
			return;
		case SD_PH_START_POST:
			enter_running(st, u);
			return;
		case SD_PH_RELOAD:
			set_state(u, SD_ACTIVE, u->main_pid ? SD_SUB_RUNNING : SD_SUB_EXITED);
			u->deadline_us = 0;
			return;
		case SD_PH_STOP:
			enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_SUCCESS);
			return;
		default:
			final_kill(st, u);
			return;
		}
	}
	u->cmd = (size_t)i;
	if (spawn_cmd(st, u, &u->svc.cmds[i]) < 0) {
		/* it never ran: as systemd, the result is resources (exec problems come back
		 * as the child's exit status 203 and the like) */
		if (u->svc.cmds[i].ignore) {
			run_phase_from(st, u, ph, (size_t)i + 1);
			return;
		}
		fail_with(u, SUP_EXIT_CODE);
		if (ph == SD_PH_STOP_POST)
			enter_dead(st, u);
		else if (ph == SD_PH_STOP)
			enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_EXIT_CODE);
		else if (ph == SD_PH_RELOAD) {
			u->reload_failed = true;
			run_phase_from(st, u, SD_PH_RELOAD, u->svc.ncmds);
		} else
			enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_EXIT_CODE);
		return;
	}
	u->deadline_us = timeout_for(u, ph);
	if (ph == SD_PH_START && (u->svc.type == SD_SIMPLE || u->svc.type == SD_EXEC) &&
	    u->svc.notify_fd < 0)
		enter_phase(st, u, SD_PH_START_POST); /* started: vfork returned after exec */
}

static void enter_phase(struct sd_state *st, struct sd_unit *u, enum sd_phase ph)
{
	enum sd_active a = ph <= SD_PH_START_POST ? SD_ACTIVATING
		: ph == SD_PH_RELOAD		  ? SD_RELOADING
						  : SD_DEACTIVATING;

	set_state(u, a, phase_sub[ph]);
	run_phase_from(st, u, ph, 0);
}

/* one signal to a process and, when asked, to its group: once each (a process in that
 * group gets it from the group signal only) */
static void signal_one(pid_t pid, pid_t pgid, bool group, int sig)
{
	if (group && pgid > 0) {
		kill(-pgid, sig);
		if (pid && getpgid(pid) != pgid)
			kill(pid, sig); /* it left its group */
	} else if (pid) {
		kill(pid, sig);
	}
}

/* KillMode=: who gets sig. final: the SIGKILL round (mixed then signals the groups too) */
static void signal_unit(struct sd_unit *u, int sig, bool final)
{
	enum sd_kill_mode m = u->svc.kill_mode;
	bool groups = m == SD_KILL_CGROUP || (m == SD_KILL_MIXED && final);

	if (m == SD_KILL_NONE)
		return;
	signal_one(u->main_pid, u->main_pgid, groups, sig);
	signal_one(u->control_pid, u->control_pgid, groups, sig);
	if (sig != SIGKILL && sig != SIGCONT) /* a stopped process would never see it */
		signal_one(u->main_pid, u->main_pgid, groups, SIGCONT);
}

/* after ExecStopPost=: what is left of the groups goes (systemd's final-sigkill; with
 * KillMode=mixed this is where the processes besides the main one are killed) */
static void final_kill(struct sd_state *st, struct sd_unit *u)
{
	bool groups = u->svc.kill_mode == SD_KILL_CGROUP || u->svc.kill_mode == SD_KILL_MIXED;

	if (groups && u->svc.send_sigkill &&
	    (group_alive(u->main_pgid) || group_alive(u->control_pgid))) {
		set_state(u, SD_DEACTIVATING, SD_SUB_FINAL_SIGKILL);
		signal_unit(u, SIGKILL, true);
		u->deadline_us = timeout_for(u, SD_PH_STOP);
		if (alive(u))
			return;
	}
	enter_dead(st, u);
}

/* a signal round waits for its processes: when the last is gone, the next step */
static void signals_done(struct sd_state *st, struct sd_unit *u)
{
	if ((u->sub == SD_SUB_STOP_SIGTERM || u->sub == SD_SUB_STOP_SIGKILL) && !alive(u))
		enter_phase(st, u, SD_PH_STOP_POST);
	else if (u->sub == SD_SUB_FINAL_SIGKILL && !alive(u))
		enter_dead(st, u);
}

#define GROUP_RECHECK_US 100000 /* group members that are not our children: looked at so often */

static void enter_signal(struct sd_state *st, struct sd_unit *u, enum sd_sub sub, enum sup_result r)
{
	fail_with(u, r);
	u->watchdog_us = 0;
	if (sub == SD_SUB_STOP_SIGTERM)
		signal_unit(u, u->svc.kill_signal, false);
	else
		signal_unit(u, SIGKILL, true);
	if (!alive(u) || u->svc.kill_mode == SD_KILL_NONE ||
	    (u->svc.kill_mode == SD_KILL_PROCESS && !u->main_pid && !u->control_pid)) {
		enter_phase(st, u, SD_PH_STOP_POST);
		return;
	}
	set_state(u, SD_DEACTIVATING, sub);
	u->deadline_us = timeout_for(u, SD_PH_STOP);
}

/* --- the verbs ------------------------------------------------------------------------------ */

static bool is_service(const char *name)
{
	size_t n = strlen(name);

	return n > 8 && strcmp(name + n - 8, ".service") == 0;
}

/* does a depend on b with ordering (a After= b, or b Before= a)? */
static bool ordered_after(struct sd_state *st, const struct sd_unit *a, const struct sd_unit *b)
{
	for (size_t i = 0; i < a->svc.ndeps[SD_DEP_AFTER]; i++)
		if (strcmp(a->svc.deps[SD_DEP_AFTER][i], b->svc.name) == 0)
			return true;
	for (size_t i = 0; i < b->svc.ndeps[SD_DEP_BEFORE]; i++)
		if (strcmp(b->svc.deps[SD_DEP_BEFORE][i], a->svc.name) == 0)
			return true;
	(void)st;
	return false;
}

static bool starting(const struct sd_unit *u)
{
	return u->job_waits || (u->active == SD_ACTIVATING && u->sub != SD_SUB_AUTO_RESTART);
}

static void dispatch_waiting(struct sd_state *st, struct sd_unit *u);

static void begin_start(struct sd_state *st, struct sd_unit *u)
{
	long long now = sd_now_us();

	u->job_waits = false;
	u->stop_requested = false;
	u->runs++;
	if (u->sub != SD_SUB_AUTO_RESTART)
		u->restarts = 0;
	else
		u->restarts++;
	if (u->svc.start_limit_burst && u->svc.start_limit_interval_us > 0) {
		if (!u->limit_start_us ||
		    now - u->limit_start_us >= u->svc.start_limit_interval_us) {
			u->limit_start_us = now;
			u->limit_count = 0;
		}
		if (++u->limit_count > u->svc.start_limit_burst) {
			u->result = SUP_START_LIMIT_HIT;
			sd_unit_log(u, 0, "Start request repeated too quickly.");
			u->stop_requested = true; /* no restart out of this */
			enter_dead(st, u);
			return;
		}
	}
	for (size_t i = 0; i < u->svc.nconditions; i++) {
		const char *c = u->svc.conditions[i];
		bool neg = c[0] == '!', exists = access(c + neg, F_OK) == 0;

		if (exists == neg) {
			/* as systemd: skipped, not failed; the start job succeeds */
			sd_unit_log(u, 0,
				    "%s was skipped because of an unmet condition check "
				    "(ConditionPathExists=%s).",
				    u->svc.description[0] ? u->svc.description : u->svc.name, c);
			u->result = SUP_SUCCESS;
			set_state(u, SD_INACTIVE, SD_SUB_DEAD);
			return;
		}
	}
	if (sd_runtime_dir(&u->svc, false) < 0) {
		u->result = SUP_RESOURCES;
		u->stop_requested = true;
		enter_dead(st, u);
		return;
	}
	u->result = SUP_SUCCESS;
	u->ready = false;
	u->reload_failed = false;
	u->status_text[0] = '\0';
	u->errno_value = -1;
	u->main_status = u->control_status = 0;
	u->ndone = 0;
	sd_unit_log(u, 0, "Starting %s...",
		    u->svc.description[0] ? u->svc.description : u->svc.name);
	enter_phase(st, u, SD_PH_START_PRE);
}

/* Requires=/Wants= pulled in, Conflicts= stopped; then the start, or a wait for the units
 * it is ordered after. */
void sd_unit_start(struct sd_state *st, struct sd_unit *u)
{
	if (!u->loaded)
		return;
	if (u->active == SD_DEACTIVATING) {
		u->pending_start = true;
		return;
	}
	if (u->active == SD_ACTIVE || u->active == SD_RELOADING || starting(u))
		return;
	u->job_waits = true; /* also guards against dependency loops */
	for (size_t i = 0; i < u->svc.ndeps[SD_DEP_CONFLICTS]; i++) {
		struct sd_unit *c = sd_unit_find(st, u->svc.deps[SD_DEP_CONFLICTS][i]);

		if (c && c != u)
			sd_unit_stop(st, c);
	}
	for (size_t i = 0; i < st->nunits; i++)
		for (size_t j = 0; j < st->units[i]->svc.ndeps[SD_DEP_CONFLICTS]; j++)
			if (st->units[i] != u &&
			    strcmp(st->units[i]->svc.deps[SD_DEP_CONFLICTS][j], u->svc.name) == 0)
				sd_unit_stop(st, st->units[i]);
	for (int d = SD_DEP_REQUIRES; d <= SD_DEP_WANTS; d++)
		for (size_t i = 0; i < u->svc.ndeps[d]; i++) {
			const char *name = u->svc.deps[d][i];
			struct sd_unit *dep;

			if (!is_service(name)) {
				char why[128];

				if (strstr(name, ".socket"))
					sd_socket_start(st, name, why, sizeof(why));
				continue; /* targets: nothing to start on socketd */
			}
			dep = sd_unit_get(st, name);
			if (dep && dep != u)
				sd_unit_start(st, dep);
			else if (!dep && d == SD_DEP_REQUIRES)
				sd_unit_log(u, 0, "Dependency %s not found.", name);
		}
	dispatch_waiting(st, u); /* starts it now unless it must wait */
}

/* a waiting start: go when no unit it is ordered after is still starting; fail when a
 * Requires= unit ordered before it did not come up */
static void dispatch_waiting(struct sd_state *st, struct sd_unit *u)
{
	for (size_t i = 0; i < u->svc.ndeps[SD_DEP_REQUIRES] + u->svc.ndeps[SD_DEP_WANTS]; i++) {
		bool req = i < u->svc.ndeps[SD_DEP_REQUIRES];
		const char *name = req
			? u->svc.deps[SD_DEP_REQUIRES][i]
			: u->svc.deps[SD_DEP_WANTS][i - u->svc.ndeps[SD_DEP_REQUIRES]];
		struct sd_unit *d = sd_unit_find(st, name);

		if (!d || d == u || !ordered_after(st, u, d))
			continue;
		if (starting(d))
			return;
		if (req && d->active != SD_ACTIVE && d->active != SD_RELOADING &&
		    !(d->active == SD_INACTIVE && d->result == SUP_SUCCESS && d->runs)) {
			u->job_waits = false;
			u->result = SUP_DEPENDENCY;
			sd_unit_log(u, 0, "Dependency failed for %s.",
				    u->svc.description[0] ? u->svc.description : u->svc.name);
			return;
		}
	}
	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *d = st->units[i];

		if (d != u && starting(d) && d->job_waits == false && ordered_after(st, u, d))
			return;
	}
	begin_start(st, u);
}

void sd_unit_stop(struct sd_state *st, struct sd_unit *u)
{
	u->pending_start = false;
	u->stop_requested = true;
	if (u->job_waits) {
		u->job_waits = false;
		return;
	}
	/* units that require this one go too (systemd propagates an explicit stop) */
	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *d = st->units[i];

		if (d == u || d->active == SD_INACTIVE || d->active == SD_FAILED ||
		    d->stop_requested)
			continue;
		for (size_t j = 0; j < d->svc.ndeps[SD_DEP_REQUIRES]; j++)
			if (strcmp(d->svc.deps[SD_DEP_REQUIRES][j], u->svc.name) == 0) {
				sd_unit_stop(st, d);
				break;
			}
	}
	switch (u->sub) {
	case SD_SUB_AUTO_RESTART:
		/* as systemd: a stop in auto-restart leaves it dead, whatever the last result */
		u->deadline_us = 0;
		set_state(u, SD_INACTIVE, SD_SUB_DEAD);
		return;
	case SD_SUB_START_PRE:
	case SD_SUB_START:
	case SD_SUB_START_POST:
		/* not up yet: no ExecStop=, straight to the signals */
		enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_SUCCESS);
		return;
	case SD_SUB_RUNNING:
	case SD_SUB_EXITED:
	case SD_SUB_RELOAD:
		sd_unit_log(u, 0, "Stopping %s...",
			    u->svc.description[0] ? u->svc.description : u->svc.name);
		if (u->control_pid) /* a reload in progress */
			kill(u->control_pid, SIGKILL);
		enter_phase(st, u, SD_PH_STOP);
		return;
	default:
		return; /* dead, failed, or already stopping */
	}
}

int sd_unit_reload(struct sd_state *st, struct sd_unit *u)
{
	if (u->active != SD_ACTIVE)
		return 3;
	if (next_cmd(u, SD_PH_RELOAD, 0) < 0)
		return 3;
	u->reload_failed = false;
	sd_unit_log(u, 0, "Reloading %s...",
		    u->svc.description[0] ? u->svc.description : u->svc.name);
	enter_phase(st, u, SD_PH_RELOAD);
	return 0;
}

void sd_unit_kill(struct sd_state *st, struct sd_unit *u, int sig, bool main_only)
{
	(void)st;
	if (main_only) {
		if (u->main_pid)
			kill(u->main_pid, sig);
		return;
	}
	if (u->main_pid)
		kill(u->main_pid, sig);
	if (u->control_pid)
		kill(u->control_pid, sig);
	if (group_alive(u->main_pgid))
		kill(-u->main_pgid, sig);
	if (group_alive(u->control_pgid))
		kill(-u->control_pgid, sig);
}

/* --- events ------------------------------------------------------------------------------ */

/* the process group of a main process that stops and kills may signal: never init's
 * (kill(-1) reaches every process) nor socketd's own; 0: the process alone */
static pid_t signalable_group(pid_t pid)
{
	pid_t g = getpgid(pid);

	return g > 1 && g != getpgrp() ? g : 0;
}

/* may pid become the unit's main process (MAINPID=, a PID file)? On the word of who (the
 * sender's uid, the PID file's owner): root's, or about a process of the unit's own groups
 * (they stand in for its cgroup, as systemd asks), or about a process who owns (a daemon
 * that left the group with setsid, as User=nobody: who could signal it anyway). Never
 * init nor socketd. Else a service could make root's socketd stop or kill any process */
static bool main_pid_acceptable(const struct sd_unit *u, pid_t pid, uid_t who)
{
	char proc[32];
	struct stat sb;
	pid_t g;

	if (pid <= 1 || pid == getpid() || kill(pid, 0) < 0)
		return false;
	if (who == 0)
		return true;
	g = getpgid(pid);
	if ((u->main_pgid > 0 && g == u->main_pgid) ||
	    (u->control_pgid > 0 && g == u->control_pgid))
		return true;
	snprintf(proc, sizeof(proc), "/proc/%ld", (long)pid);
	return stat(proc, &sb) == 0 && sb.st_uid == who;
}

/* Type=forking: the daemon is the PIDFile='s pid, or the one process the parent left behind
 * (socketd is a subreaper: the daemon is now its child) */
static pid_t guess_main(struct sd_state *st, struct sd_unit *u)
{
	pid_t found = 0;
	DIR *d;
	struct dirent *de;

	if (u->svc.pidfile) {
		FILE *fp = fopen(u->svc.pidfile, "re");
		long pid = 0;
		struct stat sb;
		uid_t owner = (uid_t)-1;

		if (fp) {
			char line[32];
			struct scan sc;

			if (fstat(fileno(fp), &sb) == 0)
				owner = sb.st_uid;
			scan_init(&sc, fgets(line, sizeof(line), fp));
			pid = (long)scan_num(&sc, 10);
			if (!sc.ok)
				pid = 0;
			fclose(fp);
		}
		if (pid > 0 && pid <= INT_MAX && kill((pid_t)pid, 0) == 0) {
			if (main_pid_acceptable(u, (pid_t)pid, owner))
				return (pid_t)pid;
			sd_unit_log(
				u, 0,
				"New main PID %ld does not belong to service, and PID file is not owned by root. Refusing.",
				pid);
			return 0;
		}
		sd_unit_log(u, 0, "Can't open PID file %s (yet?) after start: %s", u->svc.pidfile,
			    strerror(errno ? errno : ENOENT));
		return 0;
	}
	if (!(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[64], buf[512], *p;
		long ppid, pgrp, pid = strtol(de->d_name, &p, 10);
		FILE *fp;

		if (*p || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		if (!(fp = fopen(path, "re")))
			continue;
		p = fgets(buf, sizeof(buf), fp) ? strrchr(buf, ')') : NULL;
		fclose(fp);
		{
			/* after "(comm)": " S ppid pgrp ..." */
			struct scan sc;
			char state[2];

			scan_init(&sc, p ? p + 1 : NULL);
			scan_word(&sc, state, sizeof(state));
			ppid = (long)scan_num(&sc, 10);
			pgrp = (long)scan_num(&sc, 10);
			if (!sc.ok || ppid != getpid())
				continue;
		}
		/* ours, and none of the known processes */
		{
			bool known = false;

			for (size_t i = 0; i < st->nchildren; i++)
				known |= st->children[i].pid == (pid_t)pid;
			for (size_t i = 0; i < st->nunits; i++)
				known |= st->units[i]->main_pid == (pid_t)pid ||
					st->units[i]->control_pid == (pid_t)pid;
			if (known)
				continue;
			if (found) {
				found = 0; /* more than one candidate: don't guess */
				break;
			}
			found = (pid_t)pid;
			(void)pgrp;
		}
	}
	closedir(d);
	return found;
}

static void main_exited(struct sd_state *st, struct sd_unit *u, int status)
{
	enum sup_result r = sup_result_of(status, &u->svc.success);
	const struct sd_cmd *c = u->phase == SD_PH_START ? &u->svc.cmds[u->cmd] : NULL;

	u->main_pid = 0;
	u->main_status = status;
	u->main_exited = true;
	u->watchdog_us = 0;
	if (r != SUP_SUCCESS && ((c && c->ignore) || u->svc.ignore_failure))
		r = SUP_SUCCESS;
	if (r != SUP_SUCCESS)
		sd_unit_log(u, 0, "Main process exited, code=%s, status=%d%s%s",
			    sup_status_kind(status), sup_status_value(status),
			    WIFSIGNALED(status) ? "/" : "",
			    WIFSIGNALED(status) ? sup_signal_name(WTERMSIG(status)) : "");
	switch (u->sub) {
	case SD_SUB_START:
		if (r != SUP_SUCCESS) {
			enter_signal(st, u, SD_SUB_STOP_SIGTERM, r);
		} else if (u->svc.type == SD_FORKING) {
			pid_t pid = guess_main(st, u);

			if (!pid && u->svc.pidfile) {
				enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_PROTOCOL);
				return;
			}
			u->main_pid = pid;
			if (pid)
				u->last_main = pid;
			if (pid)
				u->main_pgid = signalable_group(pid);
			u->main_exited = false;
			enter_phase(st, u, SD_PH_START_POST);
		} else if (u->svc.type == SD_ONESHOT) {
			run_phase_from(st, u, SD_PH_START, u->cmd + 1);
		} else {
			/* gone before READY=1 (or NotifyFd='s newline) */
			enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_PROTOCOL);
		}
		return;
	case SD_SUB_START_POST:
	case SD_SUB_RUNNING:
	case SD_SUB_RELOAD:
		if (u->control_pid)
			kill(u->control_pid, SIGKILL);
		fail_with(u, r);
		enter_phase(st, u, SD_PH_STOP);
		return;
	case SD_SUB_STOP:
		return; /* ExecStop= did its job; the signals phase comes after it */
	default:
		signals_done(st, u);
		return;
	}
}

static void control_exited(struct sd_state *st, struct sd_unit *u, int status)
{
	const struct sd_cmd *c = &u->svc.cmds[u->cmd];
	bool ok = sup_result_of(status, NULL) == SUP_SUCCESS || c->ignore;

	record_control(u, u->control_pid, status);
	u->control_pid = 0;
	u->control_status = status;
	if (!ok)
		sd_unit_log(u, 0, "Control process exited, code=%s, status=%d",
			    sup_status_kind(status), sup_status_value(status));
	switch (u->sub) {
	case SD_SUB_START_PRE:
	case SD_SUB_START_POST:
		if (ok)
			run_phase_from(st, u, u->phase, u->cmd + 1);
		else if (u->sub == SD_SUB_START_PRE)
			enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_EXIT_CODE);
		else {
			fail_with(u, SUP_EXIT_CODE);
			enter_phase(st, u, SD_PH_STOP);
		}
		return;
	case SD_SUB_RELOAD:
		if (!ok)
			u->reload_failed = true;
		run_phase_from(st, u, SD_PH_RELOAD, ok ? u->cmd + 1 : u->svc.ncmds);
		return;
	case SD_SUB_STOP:
		run_phase_from(st, u, SD_PH_STOP, u->cmd + 1);
		return;
	case SD_SUB_STOP_POST:
		run_phase_from(st, u, SD_PH_STOP_POST, u->cmd + 1);
		return;
	default:
		signals_done(st, u);
		return;
	}
}

bool sd_unit_reaped(struct sd_state *st, pid_t pid, int status)
{
	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *u = st->units[i];

		if (u->main_pid == pid) {
			read_output(st, u, false);
			main_exited(st, u, status);
			return true;
		}
		if (u->control_pid == pid) {
			read_output(st, u, false);
			control_exited(st, u, status);
			return true;
		}
	}
	/* a group member (reparented to socketd) may have been the last one a stop waits for */
	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *u = st->units[i];

		signals_done(st, u);
	}
	return false;
}

/* --- notify, readiness, output ------------------------------------------------------------ */

static bool may_notify(const struct sd_unit *u, pid_t pid)
{
	switch (u->svc.notify_access) {
	case SD_NOTIFY_MAIN:
		return pid == u->main_pid;
	case SD_NOTIFY_EXEC:
		return pid == u->main_pid || pid == u->control_pid;
	case SD_NOTIFY_ALL:
		return pid == u->main_pid || pid == u->control_pid ||
			(u->main_pgid > 0 && getpgid(pid) == u->main_pgid) ||
			(u->control_pgid > 0 && getpgid(pid) == u->control_pgid);
	default:
		return false;
	}
}

static void became_ready(struct sd_state *st, struct sd_unit *u)
{
	u->ready = true;
	if (u->sub == SD_SUB_START && u->svc.type == SD_NOTIFY)
		enter_phase(st, u, SD_PH_START_POST);
	else if (u->active == SD_RELOADING && !u->control_pid)
		set_state(u, SD_ACTIVE, SD_SUB_RUNNING);
}

static void notify_datagram(struct sd_state *st, struct sd_unit *u)
{
	char buf[NOTIFY_MAX + 1];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = &ctl,
			    .msg_controllen = sizeof(ctl)};
	struct ucred *cred = NULL;
	struct notify_msg m;
	ssize_t n;
	/* the socket is anyone's to write to: a few datagrams a wake-up (the loop serves the
	 * rest next time), and a refusal is logged at most once a second */
	long long now = sd_now_us();
	bool may_warn = now - u->notify_warned_us >= 1000000;

	for (int round = 0;
	     round < 16 && (n = recvmsg(u->notify_sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) >= 0;
	     round++) {
		bool refused = false;

		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
				cred = (struct ucred *)(void *)CMSG_DATA(c);
			else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				/* no fd store: fds that ride along are closed */
				int *fds = (int *)(void *)CMSG_DATA(c);
				size_t nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				for (size_t k = 0; k < nf; k++)
					close(fds[k]);
			}
		}
		if (!cred || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		    notify_parse(buf, (size_t)n, &m) < 0) {
			refused = true;
			if (may_warn)
				log_msg(LOG_WARNING, "%s: malformed notification ignored",
					u->svc.name);
		} else if (!may_notify(u, cred->pid)) {
			refused = true;
			if (may_warn)
				log_msg(LOG_WARNING,
					"%s: Got notification message from PID %ld, but reception only permitted for %s",
					u->svc.name, (long)cred->pid,
					u->svc.notify_access == SD_NOTIFY_NONE ? "nobody"
									       : "the main PID");
		} else {
			if (m.status) {
				size_t l = m.status_len < sizeof(u->status_text) - 1
					? m.status_len
					: sizeof(u->status_text) - 1;

				memcpy(u->status_text, m.status, l);
				u->status_text[l] = '\0';
			}
			if (m.errno_value >= 0)
				u->errno_value = m.errno_value;
			if (m.mainpid && main_pid_acceptable(u, m.mainpid, cred->uid)) {
				u->main_pid = u->last_main = m.mainpid;
				u->main_pgid = signalable_group(m.mainpid);
			} else if (m.mainpid) {
				refused = true;
				if (may_warn)
					sd_unit_log(
						u, 0,
						"New main PID %ld does not belong to service, refusing.",
						(long)m.mainpid);
			}
			if (m.watchdog_usec > 0) {
				u->svc.watchdog_us = m.watchdog_usec;
				u->watchdog_us = sd_now_us() + m.watchdog_usec;
			}
			if (m.watchdog && u->watchdog_us)
				u->watchdog_us = sd_now_us() + u->svc.watchdog_us;
			if (m.watchdog_trigger && u->active == SD_ACTIVE)
				u->watchdog_us = 1;
			if (m.reloading && u->active == SD_ACTIVE)
				set_state(u, SD_RELOADING, SD_SUB_RELOAD);
			if (m.stopping && (u->active == SD_ACTIVE || u->active == SD_RELOADING))
				set_state(u, SD_DEACTIVATING, SD_SUB_STOP);
			if (m.ready)
				became_ready(st, u);
		}
		if (refused && may_warn) {
			u->notify_warned_us = now;
			may_warn = false;
		}
		cred = NULL;
		mh.msg_controllen = sizeof(ctl);
		mh.msg_flags = 0;
		if (u->notify_sock < 0)
			break;
	}
}

static void ready_line(struct sd_state *st, struct sd_unit *u)
{
	char buf[64];
	ssize_t n = read(u->ready_pipe, buf, sizeof(buf));

	if (n > 0 && memchr(buf, '\n', (size_t)n)) {
		close_fd(&u->ready_pipe); /* s6: one line, then the fd is done */
		if (!u->ready && u->sub == SD_SUB_START)
			enter_phase(st, u, SD_PH_START_POST);
		u->ready = true;
	} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_fd(&u->ready_pipe);
	}
}

/* StandardOutput=journal: lines go to the unit's ring and socketd's log */
static void read_output(struct sd_state *st, struct sd_unit *u, bool final)
{
	char buf[1024];
	ssize_t n;
	/* named after the program writing: the control command while one runs */
	const char *line = u->control_pid ? u->svc.cmds[u->cmd].line : u->svc.exec;
	pid_t pid = u->control_pid ? u->control_pid : u->main_pid ? u->main_pid : u->last_main;
	char word[64];
	size_t wl = line ? strcspn(line, " \t") : 0;

	(void)st;
	if (u->out_pipe < 0)
		return;
	if (wl >= sizeof(word))
		wl = sizeof(word) - 1;
	memcpy(word, line ? line : "", wl);
	word[wl] = '\0';
	memmove(word, str_basename(word), strlen(str_basename(word)) + 1);
	while ((n = read(u->out_pipe, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && u->partial_len < sizeof(u->partial)) {
				u->partial[u->partial_len++] = buf[i];
				continue;
			}
			log_msg(LOG_INFO, "%s[%ld]: %.*s", word, (long)pid, (int)u->partial_len,
				u->partial);
			sd_ring_line(&u->log, word, pid, u->partial, u->partial_len);
			u->partial_len = 0;
		}
	}
	if (n == 0 || final) {
		if (u->partial_len)
			sd_ring_line(&u->log, word, pid, u->partial, u->partial_len);
		u->partial_len = 0;
		if (n == 0) { /* every writer is gone (socketd's own was closed) */
			close_fd(&u->out_pipe);
			close_fd(&u->out_w);
		}
	}
}

size_t sd_units_poll_fds(struct sd_state *st, struct pollfd *pfd, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *u = st->units[i];
		int fds[3] = {u->notify_sock, u->ready_pipe, u->out_pipe};

		for (int k = 0; k < 3; k++)
			if (fds[k] >= 0 && n < max) {
				pfd[n].fd = fds[k];
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				n++;
			}
	}
	return n;
}

void sd_units_handle(struct sd_state *st, const struct pollfd *pfd, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		for (size_t i = 0; i < st->nunits; i++) {
			struct sd_unit *u = st->units[i];

			if (pfd[k].fd == u->notify_sock)
				notify_datagram(st, u);
			else if (pfd[k].fd == u->ready_pipe)
				ready_line(st, u);
			else if (pfd[k].fd == u->out_pipe)
				read_output(st, u, false);
			else
				continue;
			break;
		}
	}
}

/* --- timers ------------------------------------------------------------------------------ */

long long sd_units_next_deadline(const struct sd_state *st)
{
	long long d = -1;

	for (size_t i = 0; i < st->nunits; i++) {
		const struct sd_unit *u = st->units[i];
		long long t[3] = {u->deadline_us, u->watchdog_us, 0};

		if ((u->sub == SD_SUB_STOP_SIGTERM || u->sub == SD_SUB_STOP_SIGKILL ||
		     u->sub == SD_SUB_FINAL_SIGKILL) &&
		    !u->main_pid && !u->control_pid)
			t[2] = sd_now_us() + GROUP_RECHECK_US;
		for (int k = 0; k < 3; k++)
			if (t[k] > 0 && (d < 0 || t[k] < d))
				d = t[k];
	}
	return d;
}

static void deadline_passed(struct sd_state *st, struct sd_unit *u)
{
	u->deadline_us = 0;
	switch (u->sub) {
	case SD_SUB_AUTO_RESTART:
		begin_start(st, u);
		return;
	case SD_SUB_START_PRE:
	case SD_SUB_START:
	case SD_SUB_START_POST:
		sd_unit_log(u, 0, "%s operation timed out. Terminating.",
			    u->sub == SD_SUB_START_PRE	     ? "start-pre"
				    : u->sub == SD_SUB_START ? "start"
							     : "start-post");
		enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_TIMEOUT);
		return;
	case SD_SUB_RELOAD:
		sd_unit_log(u, 0, "Reload operation timed out. Killing reload process.");
		if (u->control_pid)
			kill(u->control_pid, SIGKILL);
		u->reload_failed = true;
		return;
	case SD_SUB_STOP:
		sd_unit_log(u, 0, "Stopping timed out. Terminating.");
		if (u->control_pid)
			kill(u->control_pid, SIGKILL);
		enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_TIMEOUT);
		return;
	case SD_SUB_STOP_SIGTERM:
		if (u->svc.send_sigkill) {
			sd_unit_log(u, 0, "State 'stop-sigterm' timed out. Killing.");
			enter_signal(st, u, SD_SUB_STOP_SIGKILL, SUP_TIMEOUT);
		} else {
			sd_unit_log(u, 0, "State 'stop-sigterm' timed out. Skipping SIGKILL.");
			enter_phase(st, u, SD_PH_STOP_POST);
		}
		return;
	case SD_SUB_STOP_SIGKILL:
		sd_unit_log(u, 0, "Processes still around after SIGKILL. Ignoring.");
		enter_phase(st, u, SD_PH_STOP_POST);
		return;
	case SD_SUB_STOP_POST:
		if (u->control_pid)
			kill(u->control_pid, SIGKILL);
		u->control_pid = 0;
		fail_with(u, SUP_TIMEOUT);
		final_kill(st, u);
		return;
	case SD_SUB_FINAL_SIGKILL:
		sd_unit_log(u, 0, "Processes still around after final SIGKILL. Ignoring.");
		enter_dead(st, u);
		return;
	default:
		return;
	}
}

void sd_units_timers(struct sd_state *st)
{
	long long now = sd_now_us();

	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *u = st->units[i];

		if (u->job_waits)
			dispatch_waiting(st, u);
		if (u->deadline_us && u->deadline_us <= now)
			deadline_passed(st, u);
		if (u->watchdog_us && u->watchdog_us <= now && u->active == SD_ACTIVE) {
			sd_unit_log(u, 0, "Watchdog timeout (limit %llds)!",
				    u->svc.watchdog_us / 1000000);
			u->watchdog_us = 0;
			if (u->main_pid)
				kill(u->main_pid, SIGABRT); /* systemd's WatchdogSignal= */
			fail_with(u, SUP_WATCHDOG);
			set_state(u, SD_DEACTIVATING, SD_SUB_STOP_WATCHDOG);
			enter_signal(st, u, SD_SUB_STOP_SIGTERM, SUP_WATCHDOG);
		}
		signals_done(st, u);
	}
}

/* --- start-up, reload, shutdown ---------------------------------------------------------- */

void sd_units_start_enabled(struct sd_state *st)
{
	DIR *d = opendir(st->unit_dir), *w;
	struct dirent *de, *we;

	while (d && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char wants[4096];

		if (len <= 6 || strcmp(de->d_name + len - 6, ".wants") != 0)
			continue;
		str_printf(wants, sizeof(wants), "%s/%s", st->unit_dir, de->d_name);
		if (!(w = opendir(wants)))
			continue;
		while ((we = readdir(w)) != NULL) {
			struct sd_unit *u;

			if (!is_service(we->d_name))
				continue;
			u = sd_unit_get(st, we->d_name);
			if (u && u->loaded)
				sd_unit_start(st, u);
			else
				log_msg(LOG_ERR, "%s: enabled, but cannot be loaded", we->d_name);
		}
		closedir(w);
	}
	if (d)
		closedir(d);
}

void sd_units_reload_config(struct sd_state *st)
{
	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *u = st->units[i];
		struct sd_service fresh;
		int errors = 0;

		memset(&fresh, 0, sizeof(fresh));
		sd_load_service(st->unit_dir, u->svc.name, &fresh, &errors);
		if (errors) {
			sd_free_service(&fresh);
			log_msg(LOG_WARNING, "%s: keeps its previous configuration", u->svc.name);
			continue;
		}
		str_copy(fresh.name, sizeof(fresh.name), u->svc.name);
		/* the command in progress keeps its index only if the list is the same length */
		if (fresh.ncmds != u->svc.ncmds && (u->control_pid || u->main_pid))
			u->cmd = 0;
		sd_free_service(&u->svc);
		u->svc = fresh;
		u->loaded = true;
	}
}

void sd_units_free(struct sd_state *st)
{
	for (size_t i = 0; i < st->nunits; i++) {
		struct sd_unit *u = st->units[i];

		close_channels(u);
		close_fd(&u->out_pipe);
		close_fd(&u->out_w);
		sd_free_service(&u->svc);
		sd_ring_free(&u->log);
		free(u);
	}
	free(st->units);
	st->units = NULL;
	st->nunits = 0;
}
