/* Whole writes on file descriptors that may be pipes or sockets (short writes, EINTR). */
#ifndef GATEBOX_FDIO_H
#define GATEBOX_FDIO_H

#include <stddef.h>

/* Write all n bytes: 0, or -1 with errno. */
int fd_write_all(int fd, const void *p, size_t n);

#endif
