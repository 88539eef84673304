/* A tiny unit-test harness: each CHECK prints one "PASS: unit/MODULE: what" or "FAIL: ..."
 * line (tests/run counts them); unit_done() returns the exit status. */
#ifndef GATEBOX_TEST_HARNESS_H
#define GATEBOX_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int unit_failed;
static const char *unit_module = "?";

#define UNIT_MODULE(name) (unit_module = (name))

#define CHECK(what, cond)                                                                      \
	do {                                                                                   \
		if (cond) {                                                                    \
			printf("PASS: unit/%s: %s\n", unit_module, what);                      \
		} else {                                                                       \
			printf("FAIL: unit/%s: %s (%s:%d: %s)\n", unit_module, what, __FILE__, \
			       __LINE__, #cond);                                               \
			unit_failed++;                                                         \
		}                                                                              \
	} while (0)

#define CHECK_STR(what, got, want)                                                             \
	do {                                                                                   \
		const char *g_ = (got), *w_ = (want);                                          \
		if (g_ && strcmp(g_, w_) == 0) {                                               \
			printf("PASS: unit/%s: %s\n", unit_module, what);                      \
		} else {                                                                       \
			printf("FAIL: unit/%s: %s (%s:%d: got \"%s\", want \"%s\")\n",         \
			       unit_module, what, __FILE__, __LINE__, g_ ? g_ : "(null)", w_); \
			unit_failed++;                                                         \
		}                                                                              \
	} while (0)

static inline int unit_done(void)
{
	fflush(stdout);
	return unit_failed ? 1 : 0;
}

#endif
