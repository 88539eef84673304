/* Bounded string helpers (see str.h). */
#include "common.h"

#include <stdarg.h>

static int truncated(void)
{
	errno = ENOBUFS;
	return -1;
}

int str_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (size == 0)
		return truncated();
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return truncated();
	}
	memcpy(dst, src, len + 1);
	return 0;
}

char *str_put(char *p, char *end, const char *src)
{
	while (*src && p < end - 1)
		*p++ = *src++;
	*p = '\0';
	return p;
}

char *str_put_uint(char *p, char *end, unsigned long v)
{
	char digits[24];
	int n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n && p < end - 1)
		*p++ = digits[--n];
	*p = '\0';
	return p;
}

int str_append(char *dst, size_t size, const char *src)
{
	size_t have = strnlen(dst, size);

	if (have == size)
		return truncated();
	return str_copy(dst + have, size - have, src);
}

int str_printf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= size)
		return truncated();
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *str_trim(char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		s[--len] = '\0';
	return s;
}

char *str_token(char **cursor, const char *seps)
{
	char *start = *cursor;
	char *end;

	if (!start)
		return NULL;
	start += strspn(start, seps);
	if (*start == '\0') {
		*cursor = start;
		return NULL;
	}
	end = start + strcspn(start, seps);
	if (*end != '\0')
		*end++ = '\0';
	*cursor = end;
	return start;
}

const char *str_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int str_ieq(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && fold(*x) == fold(*y))
		x++, y++;
	return *x == *y || (*x && fold(*x) == fold(*y));
}

int str_nieq(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (fold(*x) != fold(*y))
			return 0;
		if (!*x)
			return 1;
	}
	return 1;
}

int str_vformat(char *dst, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(dst, size, fmt, ap);

	if (n < 0)
		return -1;
	return (size_t)n >= size ? (int)size - 1 : n;
}
