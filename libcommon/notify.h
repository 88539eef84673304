/* The sd_notify(3) datagram a service sends its manager: newline-separated KEY=VALUE lines
 * (READY=1, STATUS=..., MAINPID=..., WATCHDOG=1, ...). Parsing only; the manager decides
 * who may speak (NotifyAccess=) from the datagram's SCM_CREDENTIALS. */
#ifndef GATEBOX_NOTIFY_H
#define GATEBOX_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NOTIFY_MAX 4096 /* systemd rejects datagrams of PIPE_BUF bytes or more */

struct notify_msg {
	bool ready, reloading, stopping, watchdog, watchdog_trigger;
	const char *status; /* STATUS=: points into the datagram, status_len bytes */
	size_t status_len;
	int errno_value; /* ERRNO=, -1 when absent */
	pid_t mainpid; /* MAINPID=, 0 when absent */
	long long watchdog_usec; /* WATCHDOG_USEC=, -1 when absent */
};

/* Parse buf (len bytes, one trailing NUL tolerated): 0, or -1 when the datagram is malformed
 * as systemd defines it (embedded NUL, too long). Unknown keys are ignored; a bad value of a
 * known key ignores that line only. */
int notify_parse(const char *buf, size_t len, struct notify_msg *m);

#endif
