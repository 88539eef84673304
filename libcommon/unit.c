/* The unit-file reader (see unit.h): systemd.syntax(7), as systemd 252 reads it. */
#include "common.h"
#include "unit.h"

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <pwd.h>
#include <limits.h>
#include <unistd.h>

struct raw_entry {
	size_t section, key, value; /* offsets into the text buffer */
	int line;
};

struct builder {
	char *text;
	size_t len, cap;
	struct raw_entry *e;
	size_t n, ecap;
};

static int put(struct builder *b, const char *s, size_t len, size_t *off)
{
	if (b->len + len + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 1024;
		char *t;

		while (ncap < b->len + len + 1)
			ncap *= 2;
		if (!(t = realloc(b->text, ncap)))
			return -1;
		b->text = t;
		b->cap = ncap;
	}
	memcpy(b->text + b->len, s, len);
	b->text[b->len + len] = '\0';
	*off = b->len;
	b->len += len + 1;
	return 0;
}

static void diagf(unit_diag_fn *diag, void *ctx, const char *file, int line, bool error,
		  const char *fmt, const char *arg)
{
	char msg[512];

	if (!diag)
		return;
	snprintf(msg, sizeof(msg), fmt, arg);
	diag(ctx, file, line, error, msg);
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int unit_load(struct unit_file *u, const char *path, const char *name, unit_diag_fn *diag,
	      void *ctx)
{
	struct builder b = {0};
	/* on the heap: a daemon's stack keeps its high-water mark resident for good */
	char *phys = malloc(UNIT_LINE_MAX), *logical = malloc(UNIT_LINE_MAX);
	size_t section = 0, have = 0;
	bool in_section = false, cont = false;
	int lineno = 0, start_line = 0;
	FILE *fp;

	memset(u, 0, sizeof(*u));
	str_copy(u->path, sizeof(u->path), path);
	str_copy(u->name, sizeof(u->name), name ? name : str_basename(path));
	if (!phys || !logical) {
		free(phys);
		free(logical);
		errno = ENOMEM;
		return -1;
	}
	/* a regular file only: a FIFO would block socketd, and a device is not even opened
	 * (opening some has effects: /dev/watchdog). Checked again on the open file, which
	 * O_NONBLOCK keeps from waiting should it have changed in between */
	{
		struct stat sb;
		int fd = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)
			? (errno = EINVAL, -1)
			: open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		int e = 0;

		if (fd >= 0 && fstat(fd, &sb) < 0)
			e = errno;
		else if (fd >= 0 && !S_ISREG(sb.st_mode))
			e = EINVAL;
		else if (fd >= 0 && sb.st_size > UNIT_FILE_MAX)
			e = EFBIG;
		if (e) {
			close(fd);
			fd = -1;
			errno = e;
		}
		if (fd < 0 || !(fp = fdopen(fd, "r"))) {
			e = errno;
			if (fd >= 0)
				close(fd);
			free(phys);
			free(logical);
			errno = e;
			return -1;
		}
	}
	if (put(&b, "", 0, &section) < 0)
		goto nomem;
	for (;;) {
		bool eof = !fgets(phys, UNIT_LINE_MAX, fp);
		char *line, *eq;
		size_t len;

		if (eof && !cont)
			break;
		if (!eof) {
			lineno++;
			len = strlen(phys);
			if (len && phys[len - 1] != '\n' && !feof(fp)) {
				diagf(diag, ctx, path, lineno, true, "%s", "Line too long");
				u->errors++;
				/* skip to the end of the overlong line (a chunk may start with NUL) */
				while (fgets(phys, UNIT_LINE_MAX, fp)) {
					size_t n = strlen(phys);

					if (n && phys[n - 1] == '\n')
						break;
				}
				cont = false;
				have = 0;
				continue;
			}
			line = trim(phys);
			if (cont && (line[0] == '#' || line[0] == ';'))
				continue; /* comments inside a continued line are dropped */
			if (!cont)
				start_line = lineno;
			len = strlen(line);
			if (have + len + 2 > UNIT_LINE_MAX) {
				diagf(diag, ctx, path, lineno, true, "%s", "Line too long");
				u->errors++;
				cont = false;
				have = 0;
				continue;
			}
			memcpy(logical + have, line, len);
			have += len;
			logical[have] = '\0';
			if (have && logical[have - 1] == '\\') {
				logical[have - 1] = ' '; /* the backslash becomes a blank */
				cont = true;
				continue;
			}
		}
		cont = false;
		line = trim(logical);
		have = 0;
		if (!*line || line[0] == '#' || line[0] == ';') {
			if (eof)
				break;
			continue;
		}
		if (line[0] == '[') {
			len = strlen(line);
			if (len < 3 || line[len - 1] != ']') {
				diagf(diag, ctx, path, start_line, true,
				      "Invalid section header '%s'", line);
				u->errors++;
				in_section = false;
			} else {
				line[len - 1] = '\0';
				if (put(&b, line + 1, len - 2, &section) < 0)
					goto nomem;
				in_section = true;
			}
		} else if (!in_section) {
			diagf(diag, ctx, path, start_line, false, "%s",
			      "Assignment outside of section. Ignoring.");
		} else if (!(eq = strchr(line, '='))) {
			diagf(diag, ctx, path, start_line, false, "Missing '=', ignoring line: %s",
			      line);
		} else {
			struct raw_entry *e;
			char *key, *value;

			*eq = '\0';
			key = trim(line);
			value = trim(eq + 1);
			if (!*key) {
				diagf(diag, ctx, path, start_line, false, "%s",
				      "Missing key name, ignoring.");
				continue;
			}
			if (b.n == b.ecap) {
				size_t ncap = b.ecap ? b.ecap * 2 : 32;
				struct raw_entry *ne = realloc(b.e, ncap * sizeof(*ne));

				if (!ne)
					goto nomem;
				b.e = ne;
				b.ecap = ncap;
			}
			e = &b.e[b.n++];
			e->section = section;
			e->line = start_line;
			if (put(&b, key, strlen(key), &e->key) < 0 ||
			    put(&b, value, strlen(value), &e->value) < 0)
				goto nomem;
		}
		if (eof)
			break;
	}
	fclose(fp);
	free(phys);
	free(logical);
	u->text = b.text;
	u->n = b.n;
	if (b.n && !(u->entries = calloc(b.n, sizeof(*u->entries)))) {
		free(b.text);
		free(b.e);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < b.n; i++) {
		u->entries[i].section = b.text + b.e[i].section;
		u->entries[i].key = b.text + b.e[i].key;
		u->entries[i].value = b.text + b.e[i].value;
		u->entries[i].line = b.e[i].line;
	}
	free(b.e);
	return 0;
nomem:
	fclose(fp);
	free(phys);
	free(logical);
	free(b.text);
	free(b.e);
	errno = ENOMEM;
	return -1;
}

void unit_free(struct unit_file *u)
{
	free(u->entries);
	free(u->text);
	u->entries = NULL;
	u->text = NULL;
	u->n = 0;
}

const struct unit_entry *unit_get(const struct unit_file *u, const char *section, const char *key)
{
	for (size_t i = u->n; i-- > 0;)
		if (strcmp(u->entries[i].key, key) == 0 &&
		    strcmp(u->entries[i].section, section) == 0)
			return &u->entries[i];
	return NULL;
}

size_t unit_get_all(const struct unit_file *u, const char *section, const char *key,
		    const struct unit_entry **out, size_t max)
{
	size_t count = 0;

	for (size_t i = 0; i < u->n; i++) {
		const struct unit_entry *e = &u->entries[i];

		if (strcmp(e->key, key) != 0 || strcmp(e->section, section) != 0)
			continue;
		if (!*e->value) {
			count = 0; /* an empty assignment resets the list */
			continue;
		}
		if (count < max)
			out[count] = e;
		count++;
	}
	return count;
}

bool unit_name_valid(const char *name)
{
	const char *dot = strrchr(name, '.'), *at = NULL;
	size_t len = strlen(name);

	if (len == 0 || len >= UNIT_NAME_MAX || !dot || dot == name || !dot[1] || name[0] == '.' ||
	    name[0] == '@')
		return false;
	/* the first '@' ends the prefix; the instance may hold more (systemd: foo@bar@baz.service
	 * is foo@.service's instance "bar@baz") */
	for (const char *p = name; p < dot; p++) {
		if (*p == '@') {
			if (!at)
				at = p;
		} else if (!isalnum((unsigned char)*p) && !strchr(":-_.\\", *p)) {
			return false;
		}
	}
	for (const char *p = dot + 1; *p; p++)
		if (!islower((unsigned char)*p))
			return false;
	return true;
}

bool unit_name_parse(const char *name, char *prefix, size_t psize, char *instance, size_t isize,
		     const char **suffix)
{
	const char *dot = strrchr(name, '.'), *at = strchr(name, '@');
	size_t plen;

	if (!dot || dot == name)
		return false;
	*suffix = dot + 1;
	if (at && at < dot) {
		plen = (size_t)(at - name);
		if (isize) {
			size_t ilen = (size_t)(dot - at - 1);

			if (ilen >= isize)
				return false;
			memcpy(instance, at + 1, ilen);
			instance[ilen] = '\0';
		}
	} else {
		plen = (size_t)(dot - name);
		if (isize)
			instance[0] = '\0';
	}
	if (plen >= psize)
		return false;
	memcpy(prefix, name, plen);
	prefix[plen] = '\0';
	return true;
}

static int unescape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in; in++) {
		char c = *in;

		if (c == '-')
			c = '/';
		else if (c == '\\' && in[1] == 'x' && isxdigit((unsigned char)in[2]) &&
			 isxdigit((unsigned char)in[3])) {
			char hex[3] = {in[2], in[3], 0};

			c = (char)strtol(hex, NULL, 16);
			in += 3;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

int unit_expand(const char *name, const char *in, char *out, size_t size)
{
	char prefix[UNIT_NAME_MAX], instance[UNIT_NAME_MAX], tmp[UNIT_NAME_MAX];
	const char *suffix = "";
	size_t n = 0;

	if (!unit_name_parse(name, prefix, sizeof(prefix), instance, sizeof(instance), &suffix)) {
		str_copy(prefix, sizeof(prefix), name);
		instance[0] = '\0';
	}
	for (; *in; in++) {
		const char *piece = tmp;
		size_t len;

		if (*in != '%') {
			tmp[0] = *in;
			tmp[1] = '\0';
		} else {
			switch (*++in) {
			case 'n':
				piece = name;
				break;
			case 'N':
				str_copy(tmp, sizeof(tmp), name);
				if (strrchr(tmp, '.'))
					*strrchr(tmp, '.') = '\0';
				break;
			case 'p':
				piece = prefix;
				break;
			case 'i':
				piece = instance;
				break;
			case 'I':
				if (unescape(instance, tmp, sizeof(tmp)) < 0)
					goto nobufs;
				break;
			case 'j':
				piece = strrchr(prefix, '-') ? strrchr(prefix, '-') + 1 : prefix;
				break;
			case 'h': {
				struct passwd *pw = getpwuid(getuid());

				piece = getenv("HOME") ? getenv("HOME") : pw ? pw->pw_dir : "/";
				break;
			}
			case 'u': {
				struct passwd *pw = getpwuid(getuid());

				if (!pw) {
					errno = EINVAL;
					return -1;
				}
				str_copy(tmp, sizeof(tmp), pw->pw_name);
				break;
			}
			case '%':
				piece = "%";
				break;
			default:
				errno = EINVAL;
				return -1;
			}
		}
		len = strlen(piece);
		if (n + len + 1 > size)
			goto nobufs;
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
nobufs:
	errno = ENOBUFS;
	return -1;
}

int unit_split_words(const char *in, char **argv, size_t max, size_t *argc, char *buf, size_t size)
{
	size_t n = 0, used = 0;

	*argc = 0;
	for (;;) {
		char quote = 0;
		bool any = false;

		while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
			in++;
		if (!*in)
			break;
		if (n == max)
			goto big;
		argv[n] = buf + used;
		for (; *in; in++) {
			char c = *in;

			if (!quote && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
				break;
			if (!quote && (c == '"' || c == '\'')) {
				quote = c;
				any = true;
				continue;
			}
			if (quote && c == quote) {
				quote = 0;
				continue;
			}
			if (c == '\\') {
				c = *++in;
				switch (c) {
				case '\0':
					errno = EINVAL;
					return -1;
				case 'n':
					c = '\n';
					break;
				case 't':
					c = '\t';
					break;
				case 'r':
					c = '\r';
					break;
				case 'x':
					if (isxdigit((unsigned char)in[1]) &&
					    isxdigit((unsigned char)in[2])) {
						char hex[3] = {in[1], in[2], 0};

						c = (char)strtol(hex, NULL, 16);
						in += 2;
					}
					break;
				default:
					break;
				}
			}
			if (used + 2 > size)
				goto big;
			buf[used++] = c;
			any = true;
		}
		if (quote) {
			errno = EINVAL;
			return -1;
		}
		(void)any;
		buf[used++] = '\0';
		n++;
	}
	*argc = n;
	if (n < max)
		argv[n] = NULL;
	return 0;
big:
	errno = E2BIG;
	return -1;
}

int unit_bool(const char *v)
{
	static const char *const yes[] = {"1", "yes", "y", "true", "t", "on", NULL};
	static const char *const no[] = {"0", "no", "n", "false", "f", "off", NULL};

	for (int i = 0; yes[i]; i++)
		if (str_ieq(v, yes[i]))
			return 1;
	for (int i = 0; no[i]; i++)
		if (str_ieq(v, no[i]))
			return 0;
	return -1;
}

long long unit_timespan_us(const char *v)
{
	static const struct {
		const char *suffix;
		long long us;
	} units[] = {{"usec", 1},
		     {"us", 1},
		     {"µs", 1},
		     {"msec", 1000},
		     {"ms", 1000},
		     {"seconds", 1000000},
		     {"second", 1000000},
		     {"sec", 1000000},
		     {"s", 1000000},
		     {"minutes", 60000000LL},
		     {"minute", 60000000LL},
		     {"min", 60000000LL},
		     {"m", 60000000LL},
		     {"hours", 3600000000LL},
		     {"hour", 3600000000LL},
		     {"hr", 3600000000LL},
		     {"h", 3600000000LL},
		     {"days", 86400000000LL},
		     {"day", 86400000000LL},
		     {"d", 86400000000LL},
		     {"weeks", 604800000000LL},
		     {"week", 604800000000LL},
		     {"w", 604800000000LL},
		     {"months", 2629800000000LL},
		     {"month", 2629800000000LL},
		     {"M", 2629800000000LL},
		     {"years", 31557600000000LL},
		     {"year", 31557600000000LL},
		     {"y", 31557600000000LL},
		     {NULL, 0}};
	long long total = 0;
	bool any = false;

	while (*v == ' ')
		v++;
	if (str_ieq(v, "infinity"))
		return LLONG_MAX;
	while (*v) {
		/* digits[.digits] in integers (systemd's parser has no exponent either), so the
		 * float scanner stays out of the binary */
		unsigned long long ip = 0, frac = 0, scale = 1, unit_us, x;
		bool digits = false;
		size_t i;

		for (; isdigit((unsigned char)*v); v++, digits = true)
			if (__builtin_mul_overflow(ip, 10, &ip) ||
			    __builtin_add_overflow(ip, (unsigned)(*v - '0'), &ip))
				return -1;
		if (*v == '.')
			for (v++; isdigit((unsigned char)*v); v++, digits = true)
				if (scale < 1000000000ULL) {
					frac = frac * 10 + (unsigned)(*v - '0');
					scale *= 10;
				}
		if (!digits)
			return -1;
		while (*v == ' ')
			v++;
		for (i = 0; units[i].suffix; i++) {
			size_t l = strlen(units[i].suffix);

			if (strncmp(v, units[i].suffix, l) == 0 && !isalpha((unsigned char)v[l]))
				break;
		}
		if (units[i].suffix) {
			unit_us = (unsigned long long)units[i].us;
			v += strlen(units[i].suffix);
		} else if (*v == '\0' || isdigit((unsigned char)*v)) {
			unit_us = 1000000; /* a bare number is seconds */
		} else {
			return -1;
		}
		/* out of range is an error, not a wrapped-around value */
		if (__builtin_mul_overflow(ip, unit_us, &x) ||
		    __builtin_add_overflow(
			    x, frac * (unit_us / scale) + frac * (unit_us % scale) / scale, &x) ||
		    x > (unsigned long long)LLONG_MAX - (unsigned long long)total)
			return -1;
		total += (long long)x;
		any = true;
		while (*v == ' ')
			v++;
	}
	return any ? total : -1;
}
