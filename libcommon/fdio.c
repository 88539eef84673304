/* Whole writes, whole records, passed descriptors (see fdio.h). */
#include "common.h"
#include "fdio.h"

#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

int fd_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int fd_read_record(int fd, void *p, size_t len)
{
	ssize_t got;

	while ((got = read(fd, p, len)) < 0 && errno == EINTR) {
	}
	if (got < 0 && errno == EAGAIN)
		return 0;
	return got >= 0 && (size_t)got == len ? 1 : -1;
}

union fd_control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(FD_PASS_MAX * sizeof(int))];
};

int fd_send_fds(int sock, const void *p, size_t len, const int *fds, size_t n)
{
	union fd_control cm;
	struct iovec iov = {(void *)(uintptr_t)p, len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cm.buf,
			     .msg_controllen = CMSG_SPACE(n * sizeof(int))};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	ssize_t sent;

	if (n == 0 || n > FD_PASS_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(cm.buf, 0, sizeof(cm.buf));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	while ((sent = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 && errno == EINTR) {
	}
	if (sent >= 0 && (size_t)sent != len)
		errno = EMSGSIZE;
	return sent >= 0 && (size_t)sent == len ? 0 : -1;
}

int fd_recv_fds(int sock, void *p, size_t len, int *fds, size_t n)
{
	union fd_control cm;
	struct iovec iov = {p, len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf)};
	struct cmsghdr *cmsg;
	size_t got_fds = 0;
	ssize_t got;

	while ((got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
	}
	if (got < 0)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
		got_fds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if ((size_t)got == len && got_fds == n && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (n)
			memcpy(fds, CMSG_DATA(cmsg), n * sizeof(int));
		return 0;
	}
	for (size_t i = 0; i < got_fds; i++) { /* not what was asked: nothing kept */
		int fd;

		memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
		close(fd);
	}
	errno = got == 0 ? 0 : EBADMSG;
	return -1;
}
