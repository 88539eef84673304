/* For applet code only: helpers that print through log.h and exit on failure. libcommon
 * modules never call these (they return errors). */
#ifndef GATEBOX_XFUNCS_H
#define GATEBOX_XFUNCS_H

#include <stddef.h>

_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* die with ": <strerror(errno)>" appended */
_Noreturn void die_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

#endif
