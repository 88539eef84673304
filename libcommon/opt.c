/* Option-loop helpers (see opt.h). */
#include "common.h"

#include <ctype.h>
#include <unistd.h>

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

void opt_reset(void)
{
	optind = 1;
	opterr = 1;
}

int opt_getopt(int argc, char *const argv[], const char *optstring)
{
	int c;

	opterr = 0;
	c = getopt(argc, argv, optstring);
	if (c == '?') {
		const char *spec = strchr(optstring, optopt);

		if (optopt && spec && spec[1] == ':')
			fprintf(stderr, "%s: option requires an argument -- '%c'\n", argv[0],
				optopt);
		else
			fprintf(stderr, "%s: invalid option -- '%c'\n", argv[0], optopt);
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
