/* Reading fixed-format text (a /proc file, an ident reply, socketd's reexec records) with
 * scanf's rules but without scanf: vfscanf drags in the float scanner, some 11 KB of a
 * static binary on routers. A scan goes left to right; the first mismatch makes it fail
 * and every later step a no-op, so the caller checks ok once at the end. */
#ifndef GATEBOX_SCAN_H
#define GATEBOX_SCAN_H

#include <stdbool.h>
#include <stddef.h>

struct scan {
	const char *p;
	bool ok;
};

void scan_init(struct scan *s, const char *text);
/* a literal: a blank in lit matches any run of blanks (also none), as in a scanf format */
void scan_lit(struct scan *s, const char *lit);
/* blanks, an optional sign, digits in base (16: an optional 0x): the value */
long long scan_num(struct scan *s, int base);
/* blanks, then at most size-1 non-blank bytes (at least one), as %Ns */
void scan_word(struct scan *s, char *buf, size_t size);
/* at least one byte other than stop, skipped (%*[^stop]) */
void scan_skip_until(struct scan *s, char stop);
/* blanks, then the rest of the text into buf (cut at size-1) */
void scan_rest(struct scan *s, char *buf, size_t size);

#endif
