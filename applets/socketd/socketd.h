/* socketd internals: socket units, their services, the daemon's state. */
#ifndef GATEBOX_SOCKETD_H
#define GATEBOX_SOCKETD_H

#include "common.h"
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

struct sd_service {
	char name[UNIT_NAME_MAX]; /* "echo@.service" */
	char *path;
	char *exec; /* ExecStart= without its prefixes, specifiers unexpanded */
	bool ignore_failure; /* the '-' prefix */
	char *env[SD_MAX_ENV];
	size_t nenv;
	int uid, gid;
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
	unsigned max_conn, max_per_source;
	long long trigger_interval_us;
	unsigned trigger_burst;
	/* runtime */
	unsigned long accepted, refused, instances;
	unsigned active; /* live Accept=yes instances */
	pid_t main_pid; /* the running Accept=no service */
	long long window_start_us, paused_until_us;
	unsigned window_count;
	bool manual; /* started by svcctl start, not by enablement */
	long long active_since; /* CLOCK_REALTIME, µs */
};

struct sd_child {
	pid_t pid;
	struct sd_socket *sock;
	struct sockaddr_storage peer;
	socklen_t peer_len;
};

struct sd_client {
	int fd;
	uid_t uid;
	char in[4096];
	size_t inlen;
	char *out;
	size_t outlen, outpos;
	long long deadline_us;
};

#define SD_MAX_CLIENTS 16

struct sd_state {
	const char *unit_dir;
	bool foreground, check_only, verbose;
	struct sd_socket **socks;
	size_t nsocks;
	struct sd_child *children;
	size_t nchildren, children_cap;
	struct rules_cache rules;
	bool rules_loaded;
	int reserve_fd; /* closed to accept-and-drop when out of fds */
	int log_fd; /* where StandardError=journal goes */
	int ctl_fd; /* the control socket, -1 when it could not be made */
	char ctl_path[108];
	struct sd_client clients[SD_MAX_CLIENTS];
	/* the last start failure of a unit that is not loaded, for status */
	char failed_name[UNIT_NAME_MAX];
	char failed_result[32];
	long long failed_since;
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

/* conn.c: handle readiness of listener i of s. */
void sd_activate(struct sd_state *st, struct sd_socket *s, size_t i);
long long sd_now_us(void);

#endif
