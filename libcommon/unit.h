/* systemd-style unit files (systemd.syntax(7), systemd.unit(5)): [Section] headers,
 * Key=value assignments (blanks around '=' trimmed, repeated keys kept in order, an empty
 * value resets a list), '#' and ';' comment lines, backslash continuation, and the
 * specifiers %n %N %p %i %I %j %h %u %% (expanded on request). Syntax problems are reported
 * with file:line through a callback; the meaning of keys is the caller's business. */
#ifndef GATEBOX_UNIT_H
#define GATEBOX_UNIT_H

#include <stdbool.h>
#include <stddef.h>

#define UNIT_NAME_MAX 256
#define UNIT_FILE_MAX (1024 * 1024) /* a larger unit file is refused (EFBIG) */
#define UNIT_LINE_MAX 4096 /* a logical line, after continuations */

struct unit_entry {
	const char *section, *key, *value;
	int line;
};

struct unit_file {
	char path[4096];
	char name[UNIT_NAME_MAX]; /* "sshd@.service", or the instance name given to unit_load */
	struct unit_entry *entries;
	size_t n;
	char *text; /* storage the entries point into */
	int errors; /* syntax errors seen (each was reported) */
};

/* A problem at file:line (line 0: the file as a whole); error false means a warning. */
typedef void unit_diag_fn(void *ctx, const char *file, int line, bool error, const char *msg);

/* Read path. name: the unit's name (NULL: the file's base name; "x@1.service" to load an
 * instance from its template file). 0, or -1 with errno when the file cannot be read. */
int unit_load(struct unit_file *u, const char *path, const char *name, unit_diag_fn *diag,
	      void *ctx);
void unit_free(struct unit_file *u);

/* The last value of section.key, or NULL (an empty assignment counts as a value ""). */
const struct unit_entry *unit_get(const struct unit_file *u, const char *section, const char *key);
/* The values of a list key after its last empty assignment, in order: count (fills at most
 * max entries). */
size_t unit_get_all(const struct unit_file *u, const char *section, const char *key,
		    const struct unit_entry **out, size_t max);

/* Specifiers of name in in (%n %N %p %i %I %j %h %u %%): 0, or -1 (unknown specifier or no
 * room; errno EINVAL or ENOBUFS). */
int unit_expand(const char *name, const char *in, char *out, size_t size);
/* Words of a command line, systemd style: blanks separate, "..." and '...' quote, backslash
 * escapes (\n \t \\ \" \' \x..). Words are stored in buf; 0, or -1 (EINVAL: unbalanced
 * quote, trailing backslash; E2BIG: more than max words or no room). */
int unit_split_words(const char *in, char **argv, size_t max, size_t *argc, char *buf, size_t size);
/* systemd's boolean words: 1/yes/y/true/t/on, 0/no/n/false/f/off: 1, 0, or -1. */
int unit_bool(const char *value);
/* Parse a time span ("5", "5s", "1min 30s", "100ms", "infinity"): microseconds, or -1. */
long long unit_timespan_us(const char *value);

/* A unit name as systemd allows them ("foo.service", "foo@bar.socket", "foo@.service"):
 * letters, digits and ":-_.\\", one '@' before the suffix, a lower-case suffix, no '/', not
 * starting with '.', shorter than UNIT_NAME_MAX. What a client names is checked with it
 * before it becomes a path. */
bool unit_name_valid(const char *name);
/* Names: "foo@bar.service" -> prefix "foo", instance "bar", suffix "service". */
bool unit_name_parse(const char *name, char *prefix, size_t psize, char *instance, size_t isize,
		     const char **suffix);

#endif
