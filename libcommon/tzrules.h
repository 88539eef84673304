/* Local time from the zone rules themselves, not from libc: musl and glibc resolve DST gaps and
 * repeated hours differently in mktime, and at(1) must give one documented answer on both.
 * Reads what musl reads: TZ as a POSIX string ("CET-1CEST,M3.5.0,M10.5.0/3"), ":Area/City" or
 * "Area/City" (a TZif v1/v2/v3 file under /usr/share/zoneinfo, footer rule included), an
 * absolute path, unset TZ (/etc/localtime); anything unreadable is UTC. Times are int64
 * seconds of the epoch; "wall" seconds are the same count for the local clock (t + offset). */
#ifndef GATEBOX_TZRULES_H
#define GATEBOX_TZRULES_H

#include <stddef.h>
#include <stdint.h>

struct tz_rule {
	char kind; /* 'J' (1-365, no Feb 29), 'D' (0-365), 'M' (month.week.day) */
	unsigned char m, w, d;
	short n;
	int32_t secs; /* local time of day of the change, may be <0 or >24h */
};

struct tz {
	unsigned char *buf; /* the TZif file, owned */
	const unsigned char *trans, *idx, *types;
	uint32_t timecnt, typecnt;
	int tsize; /* 4 (v1) or 8 bytes per transition time */
	int has_rule, has_dst;
	int32_t std_off, dst_off; /* seconds east of UTC */
	struct tz_rule start, end;
};

/* Load the zone TZ names (tzenv NULL: unset). Never fails: falls back to UTC, then returns -1. */
int tz_load(struct tz *z, const char *tzenv);
void tz_free(struct tz *z);
/* Parse a POSIX TZ rule string into z (0, or -1 if it is not one); exposed for the fuzzer. */
int tz_parse_posix(struct tz *z, const char *s);
/* Take a TZif image (copied); 0, or -1 if it is not a sound TZif file. */
int tz_parse_tzif(struct tz *z, const unsigned char *data, size_t len);

/* UTC offset (seconds east) in force at instant t; *isdst if not NULL. */
int32_t tz_offset(const struct tz *z, int64_t t, int *isdst);
/* The instant of local wall time w. In a gap: as if the clock had not changed yet, i.e. the wall
 * time moves forward by the gap. In a repeated hour: the first occurrence, or the second when the
 * first is before not_before and the second is not. */
int64_t tz_to_utc(const struct tz *z, int64_t w, int64_t not_before);

/* Proleptic Gregorian calendar helpers (month 1-12). */
int64_t tz_days_from_civil(int64_t y, int m, int d);
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int tz_month_days(int64_t y, int m);

#endif
