/* What the parts of atq-lite share: the front ends (atq-lite.c), the requests they make
 * (serve.c: run in-process for root, in atd for everyone else), the socket between them
 * (ctl.c), atd (atd.c) and the job runner (runner.c). */
#ifndef GATEBOX_ATQ_LITE_H
#define GATEBOX_ATQ_LITE_H

#include "common.h"
#include "applet.h"
#include "spool.h"

#include <poll.h>
#include <sys/types.h>
#include <time.h>

#define AT_SOCKET_NAME "atd.ctl"
#define AT_REQUEST_MAX 512 /* the request line; a job's text follows it */

void at_iso8601(char *out, size_t size, time_t t);
_Noreturn void at_time_error(const char *err);
/* The due time of the operands or of -t (touch), or exit 1 with Debian's message. */
time_t at_parse_time(int argc, char **argv, const char *touch, time_t now);
/* RUN_DIR/atd.ctl */
void at_socket_path(char *out, size_t size);

/* Where a request's answer goes: lines for stdout (1) or stderr (2), file contents (blob),
 * then an exit code. The front end prints them; atd sends them over the socket. */
struct at_sink {
	void (*line)(struct at_sink *s, int stream, const char *text);
	void (*blob)(struct at_sink *s, const char *data, size_t len);
	void *ctx;
};
void at_say(struct at_sink *s, int stream, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Who asks: from SO_PEERCRED/SO_PEERGROUPS in atd, from the process for root. */
struct at_cred {
	uid_t uid;
	gid_t gid;
	gid_t groups[SPOOL_MAX_GROUPS];
	int ngroups;
};

/* One request (verbs: list, rm ID..., cat ID..., result [ID...], submit Q DUE MAIL RERUN
 * USER with the job text as payload). Returns the exit code. */
int at_serve(int dirfd, const struct at_cred *who, const char *req, const char *payload,
	     size_t plen, struct at_sink *out);
/* at.allow / at.deny (spec/at.md 8): root always. */
bool at_permitted(uid_t uid);

/* Client: send the request and payload to atd, feed the answer to out. The exit code, or
 * -1 with errno when atd cannot be reached. */
int at_call(const char *path, const char *req, const char *payload, size_t plen,
	    struct at_sink *out);

int atd_main(int argc, char **argv);

/* atd's control socket: non-blocking clients, bounded requests, a deadline each. */
struct atd_ctl;
struct atd_ctl *atd_ctl_open(const char *path);
/* pollfds for the listener and each client; returns how many were filled */
int atd_ctl_pollfds(struct atd_ctl *c, struct pollfd *p, int max);
/* after poll: accept, read, answer. wake is set when a request asks atd to rescan. */
void atd_ctl_handle(struct atd_ctl *c, int dirfd, bool *wake);
/* for a runner (a child that does not exec): close the listener and the clients */
void atd_ctl_close_fds(struct atd_ctl *c);
/* ms until the earliest client deadline, -1 for none */
int atd_ctl_timeout(const struct atd_ctl *c);

/* Run one job to its end (a child of atd, in its own session): fd is the running file,
 * open and locked; name its file name. Exits. */
_Noreturn void atd_runner(int dirfd, int fd, const char *name, const struct spool_job *j);

#endif
