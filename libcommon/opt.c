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
