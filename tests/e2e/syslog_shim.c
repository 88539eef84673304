/* LD_PRELOAD shim for the reference tcpdmatch/tcpdchk: Debian builds libwrap with
 * _FORTIFY_SOURCE, so its messages go to __syslog_chk and bypass tcpdmatch's own
 * "syslog to stdout" module. This puts them back on stdout, as tcp_wrappers' fakelog does
 * (one line each, %m expanded), so the reference shows its matched:/option: lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void emit(const char *fmt, va_list ap)
{
	char buf[8192], *d = buf;
	int err = errno;

	for (const char *s = fmt; *s && d < buf + sizeof(buf) - 512; s++) {
		if (s[0] == '%' && s[1] == 'm') {
			d += snprintf(d, 512, "%s", strerror(err));
			s++;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	vprintf(buf, ap);
	putchar('\n');
	fflush(stdout);
}

void syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void vsyslog(int prio, const char *fmt, va_list ap)
{
	(void)prio;
	emit(fmt, ap);
}

void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	(void)flag;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)prio;
	(void)flag;
	emit(fmt, ap);
}

void openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
}
