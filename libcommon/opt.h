/* Option-loop helpers for applets built on getopt(3): strict number parsing for option
 * arguments. Exit codes shared by the applets that do not mimic another tool's. */
#ifndef GATEBOX_OPT_H
#define GATEBOX_OPT_H

#define EXIT_USAGE 100 /* bad usage (s6 convention) */
#define EXIT_SYSCALL 111 /* a system call failed */

/* Parse all of s as an unsigned number in base (0: C prefixes) within [min, max].
 * Returns 0, or -1 with errno EINVAL (not a number, trailing junk) or ERANGE. */
int opt_ulong(const char *s, int base, unsigned long min, unsigned long max, unsigned long *out);

/* atof(3) for the decimals an option takes ("2", "1.5", ".8", "15e-1", leading blanks, then
 * anything after the number ignored): hex floats, "inf" and "nan" read as 0. Not bit-exact in
 * the last place; strtod's float scanner is 6 kB of musl (12 kB on aarch64). */
double opt_atof(const char *s);

/* getopt(3) with the same diagnostics under every libc (glibc's wording, which the tools
 * gatebox replaces print): "PROG: invalid option -- 'x'", "... requires an argument -- 'x'". */
int opt_getopt(int argc, char *const argv[], const char *optstring);

/* Reset getopt(3) so an applet called in-process (socketd running tcpd_main) starts afresh. */
void opt_reset(void);

#endif
