/* The svcctl <-> socketd control protocol over an AF_UNIX stream socket
 * (RUN_DIR/socketd.ctl). The request is one line, "VERB [ARG...]\n", at most
 * CTL_REQUEST_MAX bytes. The reply is lines "1 text" (for stdout) and "2 text" (for
 * stderr), then "X code" with the exit status; the server then closes. Who asks is known
 * from SO_PEERCRED, never from the request. */
#ifndef GATEBOX_CTL_H
#define GATEBOX_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CTL_REQUEST_MAX 4096
#define CTL_SOCKET_NAME "socketd.ctl"

/* Client: send the request, copy the reply's lines to out/err, return the exit code; -1
 * with errno when socketd cannot be reached or the reply is broken. */
int ctl_call(const char *path, const char *request, int out_fd, int err_fd);

/* The supplementary groups of a peer (uid, gid from SO_PEERCRED): SO_PEERGROUPS (Linux
 * 4.13), else the user's groups in the group database (older kernels, qemu-user; never
 * /proc/PID, whose pid may be another process's by now); count stored, or -1. */
int ctl_peer_groups(int fd, uid_t uid, gid_t gid, gid_t *groups, int max);

/* Server side: a request split into its verb, options and operands (in place). */
struct ctl_request {
	char *argv[64]; /* the operands (unit names), at most 64 */
	int argc;
	const char *verb, *type, *state, *prop, *whom;
	bool all, value, no_block, quiet;
	unsigned lines; /* status -n, 10 by default */
	int sig; /* kill -s, SIGTERM by default */
};
/* 0, or -1 with *err ("Too few arguments.", "Bad option") and the offending word in bad */
int ctl_request_parse(char *line, struct ctl_request *q, const char **err, char *bad, size_t size);

/* Server side: a reply being built. */
struct ctl_reply {
	char *buf;
	size_t len, cap;
	int code;
};
void ctl_reply_printf(struct ctl_reply *r, int stream, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Terminate with "X code"; returns 0 or -1 (ENOMEM). */
int ctl_reply_finish(struct ctl_reply *r);
void ctl_reply_free(struct ctl_reply *r);

#endif
