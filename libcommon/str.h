/* Bounded strings: every function that writes takes the buffer size and reports truncation
 * (-1 with errno ENOBUFS; the buffer still holds a terminated prefix). */
#ifndef GATEBOX_STR_H
#define GATEBOX_STR_H

#include <stdarg.h>
#include <stddef.h>

int str_copy(char *dst, size_t size, const char *src);
int str_append(char *dst, size_t size, const char *src);
int str_printf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* vsnprintf that returns the length kept (cut at size-1), or -1 on an encoding error */
int str_vformat(char *dst, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Building a string piece by piece without printf (per-connection paths): each appends at
 * p, stops at end - 1 and keeps the string terminated (p < end required); returns where
 * the string now ends. */
char *str_put(char *p, char *end, const char *src);
char *str_put_uint(char *p, char *end, unsigned long v);

/* Strip leading and trailing blanks (space, tab, CR, LF) in place; returns the new start. */
char *str_trim(char *s);
/* Next token of *cursor, split at runs of any byte in seps (leading runs skipped); NUL-
 * terminates it in place and advances *cursor. NULL when no token is left. */
char *str_token(char **cursor, const char *seps);
/* The part after the last '/', or the whole string. */
const char *str_basename(const char *path);
/* ASCII case-insensitive equality (the C locale's strcasecmp, without its per-byte calls):
 * nonzero when equal; str_nieq compares at most n bytes. */
int str_ieq(const char *a, const char *b);
int str_nieq(const char *a, const char *b, size_t n);
/* Nonzero when s starts with prefix. */
int str_starts(const char *s, const char *prefix);

#endif
