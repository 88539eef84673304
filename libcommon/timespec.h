/* at(1) time specifications: Debian at 3.2.5's grammar (../shared/spec/at.md), computed with
 * the zone rules of TZ (POSIX TZ strings and zoneinfo files, as musl reads them) rather than
 * libc's mktime, so that DST gaps and repeated hours follow gatebox's documented rule on every
 * libc: relative times are exact seconds from now; a wall-clock time in a gap moves forward
 * by the gap; in a repeated hour it takes the first occurrence. */
#ifndef GATEBOX_TIMESPEC_H
#define GATEBOX_TIMESPEC_H

#include <time.h>

/* The one message Debian's at prints with its program prefix ("at: refusing ..."); *err points
 * at this literal, so a front end may compare pointers or strings. Every other message is
 * printed as it is: it may be two lines ("syntax error. Last token seen: s\nGarbled time"). */
#define TIMESPEC_ERR_PAST "refusing to create job destined in the past"

/* Parse the words of a timespec (argv style, as at(1) joins them). On success return 0 and
 * store the due time in *when. On error return -1 and point *err at Debian's message, without
 * a program prefix (e.g. "Garbled time", "refusing to create job destined in the past"). */
int timespec_parse(int argc, char *const argv[], time_t now, time_t *when, const char **err);

/* at -t [[CC]YY]MMDDhhmm[.SS] (touch(1) format), same contract. */
int timespec_parse_touch(const char *arg, time_t now, time_t *when, const char **err);

#endif
