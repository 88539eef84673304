/* Messages, the one place that prints for applets: "ident: text" on stderr as one write(),
 * or syslog(3) for a daemon that asked for it. Priorities are syslog's LOG_*. */
#ifndef GATEBOX_LOG_H
#define GATEBOX_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* ident is kept by pointer (use a string that lives as long as the process). facility is
 * used only with use_syslog. */
void log_open(const char *ident, bool use_syslog, int facility);
const char *log_ident(void);
bool log_to_syslog(void);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As log_msg, with ": <strerror(errno)>" appended; errno is preserved. */
void log_errno(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err: an errno value to append, or 0 for none. */
void log_vmsg(int prio, int err, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif
