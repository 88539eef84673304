/* Whole writes on file descriptors that may be pipes or sockets (short writes, EINTR), whole
 * records read from pipes, and descriptors passed with one message over a local socket
 * (SCM_RIGHTS). */
#ifndef GATEBOX_FDIO_H
#define GATEBOX_FDIO_H

#include <stddef.h>

#define FD_PASS_MAX 4 /* descriptors one message carries */

/* Write all n bytes: 0, or -1 with errno. */
int fd_write_all(int fd, const void *p, size_t n);
/* One record of exactly len bytes from a non-blocking pipe whose writer sends it in one
 * write of at most PIPE_BUF (so it comes whole or not at all): 1 read, 0 not yet (EAGAIN),
 * -1 none will come (end of file, a short record, an error). */
int fd_read_record(int fd, void *p, size_t len);
/* One message of len bytes with the n fds attached, on a SOCK_SEQPACKET or datagram socket
 * (whole messages: a short send is an error), without waiting or SIGPIPE: 0, or -1. */
int fd_send_fds(int sock, const void *p, size_t len, const int *fds, size_t n);
/* One message of exactly len bytes with exactly n fds (close-on-exec), waiting for it: 0, or
 * -1 (errno; EBADMSG for another length or count, whose fds are closed; 0 at end of file). */
int fd_recv_fds(int sock, void *p, size_t len, int *fds, size_t n);

#endif
