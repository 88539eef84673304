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

/* getopt(3) as musl's, under every libc, with glibc's diagnostics (the wording of the tools
 * gatebox replaces): "PROG: invalid option -- 'x'", "... requires an argument -- 'x'".
 * No reordering: parsing stops at the first operand, or (an optstring starting with '-')
 * returns each operand as option 1. opt_arg and opt_ind stand for optarg and optind: the
 * libc's getopt (1.5 kB of musl with its multibyte decoder) is not linked. */
extern char *opt_arg;
extern int opt_ind;
int opt_getopt(int argc, char *const argv[], const char *optstring);

/* Start the parse afresh, so an applet called in-process (socketd running tcpd_main) can. */
void opt_reset(void);

#endif
