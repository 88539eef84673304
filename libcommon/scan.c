/* see scan.h */
#include "common.h"
#include "scan.h"

#include <ctype.h>

void scan_init(struct scan *s, const char *text)
{
	s->p = text;
	s->ok = text != NULL;
}

static void blanks(struct scan *s)
{
	while (isspace((unsigned char)*s->p))
		s->p++;
}

void scan_lit(struct scan *s, const char *lit)
{
	for (; s->ok && *lit; lit++) {
		if (isspace((unsigned char)*lit))
			blanks(s);
		else if (*s->p == *lit)
			s->p++;
		else
			s->ok = false;
	}
}

long long scan_num(struct scan *s, int base)
{
	unsigned long long v = 0;
	bool neg = false, any = false;

	if (!s->ok)
		return 0;
	blanks(s);
	if (*s->p == '+' || *s->p == '-')
		neg = *s->p++ == '-';
	if (base == 16 && s->p[0] == '0' && (s->p[1] == 'x' || s->p[1] == 'X'))
		s->p += 2;
	for (;; s->p++) {
		int c = (unsigned char)*s->p,
		    d = isdigit(c)    ? c - '0'
			: isxdigit(c) ? (tolower(c) - 'a' + 10)
				      : 99;

		if (d >= base)
			break;
		v = v * (unsigned)base + (unsigned)d;
		any = true;
	}
	if (!any)
		s->ok = false;
	return neg ? -(long long)v : (long long)v;
}

void scan_word(struct scan *s, char *buf, size_t size)
{
	size_t n = 0;

	if (!s->ok)
		return;
	blanks(s);
	while (*s->p && !isspace((unsigned char)*s->p) && n + 1 < size)
		buf[n++] = *s->p++;
	buf[n] = '\0';
	if (n == 0)
		s->ok = false;
}

void scan_skip_until(struct scan *s, char stop)
{
	const char *start = s->p;

	if (!s->ok)
		return;
	while (*s->p && *s->p != stop)
		s->p++;
	if (s->p == start)
		s->ok = false;
}

void scan_rest(struct scan *s, char *buf, size_t size)
{
	if (!s->ok)
		return;
	blanks(s);
	str_copy(buf, size, s->p);
}
