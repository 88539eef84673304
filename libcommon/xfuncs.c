/* Dying wrappers for applets (see xfuncs.h). */
#include "common.h"

#include <stdarg.h>

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(code);
}

void die_errno(int code, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, err, fmt, ap);
	va_end(ap);
	exit(code);
}

static void *checked(void *p)
{
	if (!p)
		die(EXIT_SYSCALL, "out of memory");
	return p;
}

void *xmalloc(size_t size)
{
	return checked(malloc(size ? size : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return checked(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t size)
{
	return checked(realloc(p, size ? size : 1));
}

char *xstrdup(const char *s)
{
	return checked(strdup(s));
}
