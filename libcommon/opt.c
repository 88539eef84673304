/* Option-loop helpers (see opt.h). */
#include "common.h"

#include <ctype.h>

int opt_ulong(const char *s, int base, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul accepts leading blanks and a minus sign; an option value must not */
	if (!s || !isdigit((unsigned char)s[0])) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoul(s, &end, base);
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

char *opt_arg;
int opt_ind = 1;
static int opt_pos; /* within argv[opt_ind], in a group of options ("-fd"); 0 at its start */

void opt_reset(void)
{
	opt_ind = 1;
	opt_pos = 0;
}

/* musl's getopt(3), step for step (so every libc parses as the target does), on bytes where
 * musl reads multibyte characters: option letters are ASCII. */
int opt_getopt(int argc, char *const argv[], const char *optstring)
{
	const char *arg, *spec;
	int c;

	if (opt_ind >= argc || !(arg = argv[opt_ind]))
		return -1;
	if (arg[0] != '-') {
		if (optstring[0] != '-')
			return -1;
		opt_arg = argv[opt_ind++]; /* "-..." optstring: an operand comes as option 1 */
		return 1;
	}
	if (!arg[1])
		return -1;
	if (arg[1] == '-' && !arg[2]) {
		opt_ind++;
		return -1;
	}
	if (!opt_pos)
		opt_pos = 1;
	c = (unsigned char)arg[opt_pos++];
	if (!arg[opt_pos]) {
		opt_ind++;
		opt_pos = 0;
	}
	optstring += optstring[0] == '-' || optstring[0] == '+';
	spec = c == ':' ? NULL : strchr(optstring, c);
	if (!spec) {
		fprintf(stderr, "%s: invalid option -- '%c'\n", argv[0], c);
		return '?';
	}
	if (spec[1] == ':') {
		if (opt_ind >= argc) {
			fprintf(stderr, "%s: option requires an argument -- '%c'\n", argv[0], c);
			return '?';
		}
		opt_arg = argv[opt_ind++] + opt_pos;
		opt_pos = 0;
	}
	return c;
}

/* The digits as a whole number, then one division by the power of ten of the point and the
 * exponent: exact for up to 15 digits (the whole number and 10^k are), so "1.5" is 1.5. */
double opt_atof(const char *s)
{
	double v = 0, p = 1;
	int neg, e = 0, x = 0, xneg;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	neg = *s == '-';
	s += *s == '-' || *s == '+';
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, e--)
			v = v * 10 + (*s - '0');
	if (*s == 'e' || *s == 'E') {
		xneg = s[1] == '-';
		for (s += 1 + (s[1] == '-' || s[1] == '+'); *s >= '0' && *s <= '9' && x < 400; s++)
			x = x * 10 + (*s - '0');
		e += xneg ? -x : x;
	}
	for (; e > 0; e--)
		v *= 10;
	for (; e < 0; e++)
		p *= 10;
	return (neg ? -v : v) / p;
}
