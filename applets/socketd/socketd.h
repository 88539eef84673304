/* socketd internals: socket units, their services, the daemon's state. */
#ifndef GATEBOX_SOCKETD_H
#define GATEBOX_SOCKETD_H

#include "common.h"
#include "ctl.h"
#include "net.h"
#include "rules_cache.h"
#include "sup.h"
#include "unit.h"

#include <poll.h>
#include <sys/types.h>

#define SD_MAX_LISTEN 16
#define SD_MAX_ENV 128
#define SD_MAX_GROUPS 32

enum sd_io { SD_IO_DEFAULT, SD_IO_NULL, SD_IO_SOCKET, SD_IO_INHERIT, SD_IO_JOURNAL };

enum sd_type { SD_SIMPLE, SD_EXEC, SD_FORKING, SD_ONESHOT, SD_NOTIFY };
enum sd_kill_mode { SD_KILL_CGROUP, SD_KILL_MIXED, SD_KILL_PROCESS, SD_KILL_NONE };
enum sd_notify_access { SD_NOTIFY_NONE, SD_NOTIFY_MAIN, SD_NOTIFY_EXEC, SD_NOTIFY_ALL };
/* the Exec*= lists, in the order a run goes through them */
enum sd_phase {
	SD_PH_START_PRE,
	SD_PH_START,
	SD_PH_START_POST,
	SD_PH_RELOAD,
	SD_PH_STOP,
	SD_PH_STOP_POST,
	SD_PH_COUNT
};

struct sd_cmd {
	char *line; /* without its prefixes, specifiers unexpanded */
	bool ignore; /* the '-' prefix: a failure does not count */
	bool argv0; /* the '@' prefix: the second word is argv[0] */
	enum sd_phase phase;
};

/* the dependency lists of [Unit], by kind */
enum sd_dep {
	SD_DEP_REQUIRES,
	SD_DEP_WANTS,
	SD_DEP_AFTER,
	SD_DEP_BEFORE,
	SD_DEP_CONFLICTS,
	SD_DEP_COUNT
};

struct sd_service {
	char name[UNIT_NAME_MAX]; /* "echo@.service" */
	char *path;
	char *exec; /* ExecStart= without its prefixes, specifiers unexpanded */
	bool ignore_failure; /* the '-' prefix */
	bool exec_argv0; /* the '@' prefix */
	char description[128];
	char *runtime_dir; /* RuntimeDirectory=: /run/NAME, made at start, removed when dead */
	int runtime_mode;
	char **conditions; /* ConditionPathExists= ("!" negates) */
	size_t nconditions;
	char **argv_cached; /* ExecStart= split once, when nothing in it varies (one block) */
	int argc_cached;
	/* the lifecycle of a long-running (or oneshot) service */
	struct sd_cmd *cmds;
	size_t ncmds;
	enum sd_type type;
	bool remain_after_exit, send_sigkill;
	char *pidfile;
	long long timeout_start_us, timeout_stop_us, restart_us, watchdog_us;
	long long start_limit_interval_us;
	unsigned start_limit_burst;
	int kill_signal;
	enum sd_kill_mode kill_mode;
	enum sup_restart restart;
	struct sup_success success;
	enum sd_notify_access notify_access;
	int notify_fd; /* NotifyFd=N (s6 readiness), -1 */
	char **deps[SD_DEP_COUNT];
	size_t ndeps[SD_DEP_COUNT];
	char **env; /* nenv of them, at most SD_MAX_ENV */
	size_t nenv;
	long long uid, gid; /* User=, Group=: -1 for none (any uid_t fits) */
	gid_t groups[SD_MAX_GROUPS];
	int ngroups;
	char *cwd;
	int umask, nice;
	long nofile;
	enum sd_io in, out, err;
};

struct sd_listener {
	int fd;
	struct net_addr addr;
	struct net_listen_opts opts;
	char text[160]; /* as written in the unit */
	const char *kind; /* "Stream", "Datagram", "SequentialPacket" */
	const char *fdname; /* the unit's FileDescriptorName= (owned by the socket unit) */
};

/* journal.c: a unit's last log lines (see there) */
#define SD_LOG_RING 4096 /* grows to this from a small start */
struct sd_ring {
	char *buf;
	size_t len, cap;
};
#define SD_RING_ONLY (-1) /* sd_socket_log's prio: the unit's ring, not socketd's log */

struct sd_socket {
	char name[UNIT_NAME_MAX];
	char description[128];
	char *path;
	char *fdname;
	struct sd_listener *l; /* nl of them (at most SD_MAX_LISTEN) */
	size_t nl;
	bool accept;
	bool remove_on_stop;
	struct sd_service svc;
	bool tcpwrap;
	char wrap_name[128];
	struct sd_tls *tls; /* the TLS*= keys and loaded credentials (tls.c), NULL: plain */
	unsigned max_conn, max_per_source;
	long long trigger_interval_us;
	unsigned trigger_burst;
	/* runtime */
	unsigned long accepted, refused, instances;
	unsigned active; /* live Accept=yes instances */
	long long window_start_us, paused_until_us;
	unsigned window_count;
	bool manual; /* started by svcctl start, not by enablement */
	long long active_since; /* CLOCK_REALTIME, µs */
	struct sd_ring log;
};

enum sd_active { SD_INACTIVE, SD_ACTIVATING, SD_ACTIVE, SD_RELOADING, SD_DEACTIVATING, SD_FAILED };
enum sd_sub {
	SD_SUB_DEAD,
	SD_SUB_START_PRE,
	SD_SUB_START,
	SD_SUB_START_POST,
	SD_SUB_RUNNING,
	SD_SUB_EXITED,
	SD_SUB_RELOAD,
	SD_SUB_STOP,
	SD_SUB_STOP_WATCHDOG,
	SD_SUB_STOP_SIGTERM,
	SD_SUB_STOP_SIGKILL,
	SD_SUB_STOP_POST,
	SD_SUB_FINAL_SIGTERM,
	SD_SUB_FINAL_SIGKILL,
	SD_SUB_FAILED,
	SD_SUB_AUTO_RESTART
};
enum sd_job { SD_JOB_NONE, SD_JOB_START, SD_JOB_STOP, SD_JOB_RESTART, SD_JOB_RELOAD };

/* A service unit socketd supervises: its configuration and the state of its current run. */
struct sd_unit {
	struct sd_service svc;
	bool loaded; /* false: the unit file is missing or bad (kept for its state) */
	bool manual; /* started by svcctl, not by enablement */
	enum sd_active active;
	enum sd_sub sub;
	enum sup_result result;
	enum sd_job job; /* what a waiting svcctl asked for, reported when it ends */
	bool job_waits; /* the job waits for ordering dependencies */
	bool stop_requested; /* no restart after this run */
	bool ready; /* Type=notify: READY=1 seen */
	bool pending_start; /* start again once the stop in progress ends (restart) */
	bool reload_failed; /* the last ExecReload= failed (the reload job reports it) */
	unsigned runs; /* starts begun (a Requires= unit that ran and ended clean is no failure) */
	pid_t main_pid, control_pid;
	pid_t last_main; /* the main process of the last run, for status after it ended */
	pid_t main_pgid, control_pgid; /* their process groups (KillMode= signals them) */
	int main_status, control_status; /* the last wait statuses, for status */
	/* the control processes of this run that ended, for status's Process: lines */
	struct {
		pid_t pid;
		int status;
		short cmd;
	} done[4];
	unsigned ndone;
	bool main_exited;
	enum sd_phase phase; /* of the control process, or of the ExecStart= in progress */
	size_t cmd; /* index in svc.cmds of the command running now */
	long long deadline_us; /* monotonic: the timeout or the restart of this state, 0: none */
	long long watchdog_us; /* monotonic: the watchdog deadline, 0: none */
	long long since_us, active_enter_us; /* CLOCK_REALTIME of the last state change */
	long long limit_start_us;
	unsigned limit_count, restarts;
	int notify_sock; /* NOTIFY_SOCKET (a datagram socket of its own), -1 */
	long long notify_warned_us; /* monotonic: the last refusal logged (once a second) */
	char notify_path[108];
	int ready_pipe; /* NotifyFd='s read end, -1 */
	int out_pipe, out_w; /* StandardOutput=journal: the pipe's ends, -1 */
	char status_text[128];
	int errno_value;
	struct sd_ring log;
	char partial[256]; /* an unfinished output line */
	size_t partial_len;
};

struct sd_child {
	pid_t pid;
	struct sd_socket *sock;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	/* the connection: a TLS one has two processes (its handshake and relay, then its
	 * service); it is counted in its socket's active while either runs */
	unsigned long conn;
	bool relay; /* the TLS handshake and relay: its exit is not the instance's result */
	struct sd_tls_pending *tls; /* the relay's handshake result still to come, or NULL */
	bool checker; /* a TCP-wrapper decision that needed DNS (wrap.c): nor is its exit */
	struct sd_wrap_check *check; /* its connection, while its verdict is to come */
};

/* an accepted connection's two ends (llen 0: the local one unknown) */
struct sd_conn_addrs {
	struct sockaddr_storage peer, local;
	socklen_t plen, llen;
};

#define SD_MAX_WAIT 8

struct sd_client {
	int fd;
	uid_t uid;
	bool privileged; /* uid 0, or a member of the control group (-g, CONFIG_CTL_GROUP) */
	/* start/stop/... jobs the reply waits for (the reply so far is in pending) */
	struct sd_unit *wait[SD_MAX_WAIT];
	size_t nwait;
	char wait_verb[24];
	struct ctl_reply pending;
	char *in; /* CTL_REQUEST_MAX bytes while the request is read (idle socketd holds none) */
	size_t inlen;
	char *out;
	size_t outlen, outpos;
	long long deadline_us;
};

#define SD_MAX_CLIENTS 16
#define SD_CLIENTS_KEPT 4 /* of them, only for root and the control group */
#define SD_CLIENTS_PER_USER 4 /* an unprivileged user's at most */

struct sd_state {
	const char *unit_dir;
	long long ctl_gid; /* members may change state (-g GROUP), -1: root only */
	bool foreground, check_only, verbose;
	char *exe; /* this binary, by path: daemon-reexec runs what is there now */
	char **argv; /* socketd's arguments, as it was started */
	bool restored; /* started by daemon-reexec: state taken over, nothing new started */
	bool reexec; /* daemon-reexec: exec the new binary once the reply is out */
	bool stopping; /* SIGTERM: the services are being stopped, then socketd exits */
	struct sd_socket **socks;
	size_t nsocks;
	struct sd_unit **units; /* service units (loaded when enabled, started or triggered) */
	size_t nunits;
	struct sd_child *children;
	size_t nchildren, children_cap;
	unsigned long conn_seq; /* the last connection's number (sd_child.conn) */
	struct rules_cache rules;
	bool rules_loaded;
	uint64_t reset_signals; /* what a child resets: SIGPIPE and what socketd inherited
				      * ignored */
	int reserve_fd; /* closed to accept-and-drop when out of fds */
	int log_fd; /* where StandardError=journal goes */
	int ctl_fd; /* the control socket, -1 when it could not be made */
	char ctl_path[108];
	struct sd_client clients[SD_MAX_CLIENTS];
	/* the last start failure of a unit that is not loaded, for status */
	char failed_name[UNIT_NAME_MAX];
	char failed_result[32];
	long long failed_since;
	struct sd_ring failed_log; /* its lines, as its unit had them */
	bool told_vfork; /* the log said once that instances are spawned by vfork */
};

/* socketd.c: bind a unit's listeners (taking fds of an identical old set); errors count. */
int sd_bind_all(struct sd_socket **socks, size_t n, struct sd_socket **old, size_t nold);
void sd_close_socket(struct sd_socket *s);
void sd_reload(struct sd_state *st);

/* ctl.c: the control socket */
int sd_ctl_open(struct sd_state *st);
/* add the control fds to pfd (returns the count added), and handle their events */
size_t sd_ctl_poll_fds(struct sd_state *st, struct pollfd *pfd, size_t max);
void sd_ctl_handle(struct sd_state *st, const struct pollfd *pfd, size_t n);
long long sd_ctl_next_deadline(const struct sd_state *st);

/* units.c: load the enabled (or, for -n, all) socket units of dir. Diagnostics are logged
 * with file:line; a unit with an invalid value is not returned. Returns the count of errors. */
int sd_load_units(const char *dir, bool all, struct sd_socket ***out, size_t *n);
void sd_free_socket(struct sd_socket *s);
/* One socket unit by name (enabled or not), for svcctl start; NULL (logged) on errors. */
struct sd_socket *sd_load_one(const char *dir, const char *name, int *errors);
/* Is name enabled (a DIR/<target>.wants/<name> entry exists)? */
bool sd_unit_enabled(const char *dir, const char *name);
void sd_print_socket(const struct sd_socket *s);

/* ctl.c: start a socket unit (svcctl start, or a dependency): 0, or an exit code with
 * the reason in why */
int sd_socket_start(struct sd_state *st, const char *name, char *why, size_t size);

/* service.c: the lifecycle of service units */
struct sd_unit *sd_unit_find(struct sd_state *st, const char *name);
/* find it, or load it from the unit dir (NULL: no such file; a bad file gives an unloaded
 * unit that reports its error) */
struct sd_unit *sd_unit_get(struct sd_state *st, const char *name);
void sd_unit_start(struct sd_state *st, struct sd_unit *u);
void sd_unit_stop(struct sd_state *st, struct sd_unit *u);
/* 0 started, or an exit code for svcctl (3: no ExecReload=) */
int sd_unit_reload(struct sd_state *st, struct sd_unit *u);
void sd_unit_kill(struct sd_state *st, struct sd_unit *u, int sig, bool main_only);
/* a child exited: true if it was one of a unit's processes */
bool sd_unit_reaped(struct sd_state *st, pid_t pid, int status);
/* the poll fds of every unit (notify sockets, readiness and output pipes), their events,
 * and the next timer */
size_t sd_units_poll_fds(struct sd_state *st, struct pollfd *pfd, size_t max);
void sd_units_handle(struct sd_state *st, const struct pollfd *pfd, size_t n);
long long sd_units_next_deadline(const struct sd_state *st);
void sd_units_timers(struct sd_state *st);
/* start the enabled service units (at start-up) */
void sd_units_start_enabled(struct sd_state *st);
/* daemon-reload: new configuration for loaded units, runs keep going */
void sd_units_reload_config(struct sd_state *st);
void sd_units_free(struct sd_state *st);

/* journal.c: "UNIT: text" to socketd's log and a journal line to the unit's ring */
void sd_unit_log(struct sd_unit *u, pid_t pid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sd_socket_log(struct sd_socket *s, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sd_socket_listening(struct sd_socket *s, int prio); /* "Listening on DESC." */
void sd_ring_line(struct sd_ring *r, const char *ident, pid_t pid, const char *text, size_t len);
void sd_ring_show(const struct sd_ring *r, struct ctl_reply *out, size_t lines);
void sd_ring_free(struct sd_ring *r);
const char *sd_active_name(enum sd_active a);
const char *sd_sub_name(enum sd_sub s);
/* is the Accept=no service of socket s running (its listeners are then not polled)? */
bool sd_socket_service_running(struct sd_state *st, const struct sd_socket *s);

/* units.c: the [Service] settings of file dir/name into svc (errors counted in *errors) */
void sd_load_service(const char *dir, const char *name, struct sd_service *svc, int *errors);
void sd_free_service(struct sd_service *svc);

/* spawn.c: start one process of a service */
struct sd_spawn_req {
	struct sd_service *svc; /* not const: it keeps a split ExecStart= */
	const char *line; /* the command (ExecStart= or another Exec*=) */
	bool argv0; /* the '@' prefix: the second word is argv[0] */
	const char *unit_name;
	int conn; /* Accept=yes: the connection, else -1 */
	const struct sockaddr_storage *peer, *local;
	socklen_t plen, llen;
	const char *peer_host, *local_host; /* their addresses as text, when known, or NULL */
	bool pass_listeners; /* the listeners of the sockets that trigger it (LISTEN_FDS) */
	char *const *extra_env; /* NULL-terminated, or NULL */
	int out_fd; /* where StandardOutput/Error=journal go, -1: socketd's log */
	int notify_fd; /* NotifyFd='s write end, -1 */
	char *watchdog_pid; /* a "WATCHDOG_PID=" slot in extra_env, or NULL */
	pid_t *failed_pid; /* when set: the pid of a child that failed before exec */
	int *failed_step; /* and its SUP_EXIT_ step */
};
pid_t sd_spawn(struct sd_state *st, const struct sd_spawn_req *rq);
/* "UNIT: Failed at step EXEC spawning PATH: No such file or directory" */
void sd_spawn_failure_log(const char *unit, int step, const char *path, int err);
void sd_instance_exit_log(const struct sd_socket *s, pid_t pid, int status);
/* RuntimeDirectory=: /run/NAME made (mode, owner): 0, or -1 (logged). kept: one that
 * exists is left as it is (Accept=yes instances share it) */
int sd_runtime_dir(const struct sd_service *svc, bool kept);

/* reexec.c: daemon-reexec (returns only when the exec failed), and the new process taking
 * the state over (false: not started by a reexec) */
void sd_reexec(struct sd_state *st);
bool sd_restore(struct sd_state *st);

/* conn.c: remember an Accept=yes instance (peer may be NULL) of connection conn; a process
 * that leaves, or whose socket goes (stopped, reloaded away: sock NULL, a pending TLS
 * handshake dropped); the connections of s from the host of peer */
struct sd_child *sd_add_child(struct sd_state *st, pid_t pid, struct sd_socket *s,
			      const struct sockaddr_storage *peer, socklen_t plen,
			      unsigned long conn);
/* an Accept=yes instance of s on conn->conn (conn holds the connection's parts of the
 * request; the unit's are added here); a failed exec is logged as the instance's exit
 * (203/EXEC) */
pid_t sd_instance_spawn(struct sd_state *st, struct sd_socket *s, const struct sd_spawn_req *conn);
void sd_child_reaped(struct sd_state *st, size_t i, int status, bool spawn_failed, int step,
		     const char *path, int err);
void sd_children_orphan(struct sd_state *st, const struct sd_socket *s);
bool sd_connection_known(const struct sd_state *st, const struct sd_socket *s, unsigned long conn);
unsigned sd_connections_from(const struct sd_state *st, const struct sd_socket *s,
			     const struct sockaddr_storage *peer);
/* tls.c: TLS termination (gatebox's TLS*= keys of [Socket]): load them with the unit
 * (errors logged with file:line and counted), free them, start one connection's TLS
 * process (handshake, then the service on a plaintext socketpair), status and -v lines.
 * With CONFIG_TLS=n a unit with TLS keys fails to load; nothing else is left. */
struct sd_tls;
int sd_tls_load(const struct unit_file *u, struct sd_socket *s);
void sd_tls_free(struct sd_tls *t);
/* a TLS connection's first process, the unprivileged handshake and relay (its pid, -1); its
 * result, to come on *pending's pipe, starts the service: sd_tls_result */
struct sd_tls_pending;
pid_t sd_tls_spawn(struct sd_state *st, struct sd_socket *s, const struct sd_spawn_req *rq,
		   struct sd_tls_pending **pending);
int sd_tls_result_fd(const struct sd_tls_pending *p);
void sd_tls_result(struct sd_state *st, size_t child); /* read it now, if it came */
void sd_tls_pending_free(struct sd_tls_pending *p);
/* daemon-reexec: a relay's pending result as a state record ("tls ..."), and back from
 * its words (c NULL: no such relay here, its fds are closed) */
void sd_tls_pending_save(FILE *fp, const struct sd_child *c);
void sd_tls_pending_load(struct sd_child *c, char **w);
void sd_tls_forget_keys(struct sd_state *st, const struct sd_socket *s);
void sd_tls_status(const struct sd_socket *s, struct ctl_reply *r);
void sd_tls_print(const struct sd_socket *s);

/* reexec.c: an fd a state record names, kept open across the exec (close-on-exec cleared),
 * and taken over by the new process (close-on-exec again; returns it) */
void sd_state_keep_fd(int fd);
int sd_state_take_fd(int fd);
/* reexec.c: a socket address in a state record, as hex (" -" for none), and back */
void sd_state_put_addr(FILE *fp, const struct sockaddr_storage *ss, socklen_t len);
socklen_t sd_state_get_addr(const char *hex, struct sockaddr_storage *ss);

/* connproc.c: a connection's own process, forked from socketd: its set-up (signals, fds
 * but keep, other units' keys), then its identity (the service's or nobody's; what says
 * what runs, for the message when that fails: it exits) */
void sd_connproc_setup(struct sd_state *st, const struct sd_socket *s, const int *keep, size_t n);
void sd_connproc_drop(const struct sd_service *svc, const char *what);

/* wrap.c: TCPWrap='s decision on a new connection: granted, refused (logged), or pending
 * (a rule needs DNS: a process of the connection's own decides, the connection is held
 * until its verdict, which sd_wrap_result reads and acts on) */
enum { SD_WRAP_REFUSED, SD_WRAP_GRANTED, SD_WRAP_PENDING };
struct sd_wrap_check;
int sd_wrap_connection(struct sd_state *st, struct sd_socket *s, int fd,
		       const struct sd_conn_addrs *a);
int sd_wrap_result_fd(const struct sd_wrap_check *c);
/* daemon-reexec: its two fds (false when it holds no connection), and the check again */
bool sd_wrap_check_fds(const struct sd_wrap_check *c, int *result_fd, int *conn_fd);
struct sd_wrap_check *sd_wrap_check_restore(int result_fd, int conn_fd);
void sd_wrap_result(struct sd_state *st, size_t child); /* read it now, if it came */
void sd_wrap_check_free(struct sd_wrap_check *c);

/* conn.c: the pipes on which children's results are to come (a TLS handshake's, a
 * TCP-wrapper checker's), polled; and those that are readable, read and acted on */
size_t sd_results_poll_fds(const struct sd_state *st, struct pollfd *pfd, size_t max);
void sd_results_handle(struct sd_state *st, const struct pollfd *pfd, size_t n);
/* conn.c: handle readiness of listener i of s. */
void sd_activate(struct sd_state *st, struct sd_socket *s, size_t i);
/* start the service of connection fd (closed here); conn: the connection's number if a
 * process of it runs already (its checker), 0 for a new one */
void sd_conn_start(struct sd_state *st, struct sd_socket *s, int fd, const struct sd_conn_addrs *a,
		   unsigned long conn);
long long sd_now_us(void);

#endif
