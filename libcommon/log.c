/* Messages to stderr or syslog. One write() per message so that lines from several
 * processes sharing a stderr (socketd and its children) never interleave mid-line. */
#include "common.h"

#include <unistd.h>

static const char *ident = "gatebox";
static bool use_syslog;

void log_open(const char *name, bool syslog_wanted, int facility)
{
	ident = name;
	use_syslog = syslog_wanted;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

const char *log_ident(void)
{
	return ident;
}

bool log_to_syslog(void)
{
	return use_syslog;
}

void log_vmsg(int prio, int err, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t len = 0;
	int n;

	if (!use_syslog) {
		n = snprintf(buf, sizeof(buf), "%s: ", ident);
		len = n > 0 ? (size_t)n : 0;
	}
	n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n;
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2; /* truncated: keep room for the newline */
	if (err) {
		n = snprintf(buf + len, sizeof(buf) - len, ": %s", strerror(err));
		if (n > 0)
			len += (size_t)n;
		if (len > sizeof(buf) - 2)
			len = sizeof(buf) - 2;
	}
	if (use_syslog) {
		buf[len] = '\0';
		syslog(prio, "%s", buf);
		return;
	}
	buf[len++] = '\n';
	/* stderr may be a pipe or a socket: a short or failed write has nowhere to be reported */
	while (len > 0) {
		ssize_t w = write(STDERR_FILENO, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		memmove(buf, buf + w, len - (size_t)w);
		len -= (size_t)w;
	}
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(prio, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_errno(int prio, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(prio, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}
