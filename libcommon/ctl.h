/* The svcctl <-> socketd control protocol over an AF_UNIX stream socket
 * (RUN_DIR/socketd.ctl). The request is one line, "VERB [ARG...]\n", at most
 * CTL_REQUEST_MAX bytes. The reply is lines "1 text" (for stdout) and "2 text" (for
 * stderr), then "X code" with the exit status; the server then closes. Who asks is known
 * from SO_PEERCRED, never from the request. */
#ifndef GATEBOX_CTL_H
#define GATEBOX_CTL_H

#include <stddef.h>
#include <sys/types.h>

#define CTL_REQUEST_MAX 4096
#define CTL_SOCKET_NAME "socketd.ctl"

/* Client: send the request, copy the reply's lines to out/err, return the exit code; -1
 * with errno when socketd cannot be reached or the reply is broken. */
int ctl_call(const char *path, const char *request, int out_fd, int err_fd);

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
