/* libcommon timespec and tzrules: Debian at's grammar and messages (values measured with
 * Debian's at 3.2.5, see ../shared/spec/at.md), and gatebox's DST rule, on POSIX TZ strings so
 * that no zoneinfo file is needed; the zoneinfo checks compare with libc where files exist. */
#include "common.h"
#include "harness.h"
#include "timespec.h"
#include "tzrules.h"

#include <time.h>
#include <unistd.h>

#define BERLIN "CET-1CEST,M3.5.0,M10.5.0/3"
#define NEW_YORK "EST5EDT,M3.2.0,M11.1.0"
#define LORD_HOWE "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"

/* local time of t in zone z as "YYYY-MM-DD HH:MM:SS +HHMM" */
static const char *show(const char *zone, time_t t)
{
	static char out[64];
	struct tz z;
	int64_t w, days, y;
	int32_t off;
	int m, d, s;

	tz_load(&z, zone);
	off = tz_offset(&z, t, NULL);
	tz_free(&z);
	w = (int64_t)t + off;
	days = w / 86400 - (w % 86400 < 0);
	s = (int)(w - days * 86400);
	tz_civil_from_days(days, &y, &m, &d);
	str_printf(out, sizeof(out), "%04lld-%02d-%02d %02d:%02d:%02d %c%02d%02d", (long long)y, m,
		   d, s / 3600, s / 60 % 60, s % 60, off < 0 ? '-' : '+', abs(off) / 3600,
		   abs(off) / 60 % 60);
	return out;
}

/* at SPEC (words split at blanks) in zone at now: the time, or the error text */
static const char *at(const char *zone, time_t now, const char *spec)
{
	static char buf[256];
	char *words[32];
	int n = 0;
	time_t when;
	const char *err;
	char *cur = buf;

	setenv("TZ", zone, 1);
	str_copy(buf, sizeof(buf), spec);
	while (n < 32 && (words[n] = str_token(&cur, " ")) != NULL)
		n++;
	if (timespec_parse(n, words, now, &when, &err) < 0)
		return err;
	return show(zone, when);
}

static const char *touch(const char *zone, time_t now, const char *arg)
{
	time_t when;
	const char *err;

	setenv("TZ", zone, 1);
	if (timespec_parse_touch(arg, now, &when, &err) < 0)
		return err;
	return show(zone, when);
}

struct tcase {
	const char *what, *zone;
	time_t now;
	int touch; /* -t ARG rather than a timespec */
	const char *spec, *want;
};

static void run(const struct tcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_STR(c[i].what, (c[i].touch ? touch : at)(c[i].zone, c[i].now, c[i].spec),
			  c[i].want);
}

static void grammar(void)
{
	const time_t dec4 = 1796390535; /* Fri 2026-12-04 14:22:15 CET */

	const struct tcase cases[] = {
		{"now + 3 minutes", BERLIN, dec4, 0, "now + 3 minutes",
		 "2026-12-04 14:25:00 +0100"},
		{"glued now+3minutes", BERLIN, dec4, 0, "now+3minutes",
		 "2026-12-04 14:25:00 +0100"},
		{"now is the current minute", BERLIN, dec4, 0, "now", "2026-12-04 14:22:00 +0100"},
		{"teatime tomorrow", BERLIN, dec4, 0, "teatime tomorrow",
		 "2026-12-05 16:00:00 +0100"},
		{"case-insensitive", BERLIN, dec4, 0, "Noon TOMORROW", "2026-12-05 12:00:00 +0100"},
		{"0930 is tomorrow", BERLIN, dec4, 0, "0930", "2026-12-05 09:30:00 +0100"},
		{"9h30", BERLIN, dec4, 0, "9h30", "2026-12-05 09:30:00 +0100"},
		{"19.30 today", BERLIN, dec4, 0, "19.30", "2026-12-04 19:30:00 +0100"},
		{"current minute rolls", BERLIN, dec4, 0, "14:22", "2026-12-05 14:22:00 +0100"},
		{"next minute is today", BERLIN, dec4, 0, "14:23", "2026-12-04 14:23:00 +0100"},
		{"24:00", BERLIN, dec4, 0, "24:00", "2026-12-05 00:00:00 +0100"},
		{"23:60", BERLIN, dec4, 0, "23:60", "2026-12-05 00:00:00 +0100"},
		{"12am", BERLIN, dec4, 0, "12am", "2026-12-05 00:00:00 +0100"},
		{"0pm", BERLIN, dec4, 0, "0pm", "2026-12-05 12:00:00 +0100"},
		{"3:00pm", BERLIN, dec4, 0, "3:00pm", "2026-12-04 15:00:00 +0100"},
		{"Feb 30 is lax", BERLIN, dec4, 0, "2/30/2027", "2027-03-02 14:22:00 +0100"},
		{"Dec 3 is next year", BERLIN, dec4, 0, "Dec 3", "2027-12-03 14:22:00 +0100"},
		{"Dec 3 + 1 year", BERLIN, dec4, 0, "Dec 3 + 1 year", "2027-12-03 14:22:00 +0100"},
		{"Dec 25, 26", BERLIN, dec4, 0, "Dec 25, 26", "2026-12-25 14:22:00 +0100"},
		{"25 dec", BERLIN, dec4, 0, "25 dec", "2026-12-25 14:22:00 +0100"},
		{"year 1850 is 3750", BERLIN, dec4, 0, "10:30 Dec 25 1850",
		 "3750-12-25 10:30:00 +0100"},
		{"MDDYYYY", BERLIN, dec4, 0, "1252027", "2027-01-25 14:22:00 +0100"},
		{"dotted", BERLIN, dec4, 0, "12.12.26", "2026-12-12 14:22:00 +0100"},
		{"hyphenated", BERLIN, dec4, 0, "2028-02-29", "2028-02-29 14:22:00 +0100"},
		{"friday on a friday", BERLIN, dec4, 0, "fri", "2026-12-11 14:22:00 +0100"},
		{"next week", BERLIN, dec4, 0, "next week", "2026-12-11 14:22:00 +0100"},
		{"tomorrow - 1 day", BERLIN, dec4, 0, "tomorrow - 1 day",
		 "2026-12-04 14:22:00 +0100"},
		{"noon + 1 hour rolls after", BERLIN, dec4, 0, "noon + 1 hour",
		 "2026-12-05 13:00:00 +0100"},
		{"only mday compared", BERLIN, dec4, 0, "23:00 + 721 hours",
		 "2027-01-05 00:00:00 +0100"},
		{"31 Jan + 13 months", BERLIN, dec4, 0, "Jan 31 2027 + 13 months",
		 "2028-03-03 14:22:00 +0100"},
		{"utc in UTC", "UTC0", dec4, 0, "15:00 utc", "2026-12-04 15:00:00 +0000"},

		{"hour alone", BERLIN, dec4, 0, "17",
		 "syntax error. Last token seen: 17\nGarbled time"},
		{"empty", BERLIN, dec4, 0, "",
		 "syntax error. Last token seen: (empty)\nGarbled time"},
		{"mins", BERLIN, dec4, 0, "now + 1 mins",
		 "syntax error. Last token seen: s\nGarbled time"},
		{"9:5", BERLIN, dec4, 0, "9:5", "syntax error. Last token seen: :\nGarbled time"},
		{"sept", BERLIN, dec4, 0, "sept 5",
		 "syntax error. Last token seen: t\nGarbled time"},
		{"0815am", BERLIN, dec4, 0, "0815am",
		 "syntax error. Last token seen: am\nGarbled time"},
		{"two increments", BERLIN, dec4, 0, "now + 1 day + 1 hour",
		 "syntax error. Last token seen: +\nGarbled time"},
		{"now utc", BERLIN, dec4, 0, "now utc",
		 "syntax error. Last token seen: utc\nGarbled time"},
		{"2561", BERLIN, dec4, 0, "2561",
		 "Problem in minutes specification. Last token seen: 2561\nGarbled time"},
		{"25 pm", BERLIN, dec4, 0, "25 pm",
		 "Problem in hours specification. Last token seen: pm\nGarbled time"},
		{"13pm", BERLIN, dec4, 0, "13pm",
		 "Hour too large for PM. Last token seen: pm\nGarbled time"},
		{"32 x", BERLIN, dec4, 0, "32 x",
		 "Error in day of month. Last token seen: x\nGarbled time"},
		{"13/1", BERLIN, dec4, 0, "13/1/2026",
		 "Error in month number. Last token seen: /\nGarbled time"},
		{"2027-02-29", BERLIN, dec4, 0, "2027-02-29",
		 "Error in day of month. Last token seen: 2027-02-29\nGarbled time"},
		{"noon today is past", BERLIN, dec4, 0, "noon today", TIMESPEC_ERR_PAST},
		{"now - 3 minutes", BERLIN, dec4, 0, "now - 3 minutes", TIMESPEC_ERR_PAST},
		{"beyond 9999", BERLIN, dec4, 0, "now + 99999 years", "Garbled time"},
		{"huge count", BERLIN, dec4, 0, "now + 99999999999999999999 minutes",
		 "Garbled time"},

		{"-t MMDDhhmm", BERLIN, dec4, 1, "12251030", "2026-12-25 10:30:00 +0100"},
		{"-t YY 69 is 1969", BERLIN, dec4, 1, "6912251030", "1969-12-25 10:30:00 +0100"},
		{"-t seconds", BERLIN, dec4, 1, "202612251030.45", "2026-12-25 10:30:45 +0100"},
		{"-t epoch is a time", "UTC0", dec4, 1, "197001010000",
		 "1970-01-01 00:00:00 +0000"},
		{"-t Feb 30", BERLIN, dec4, 1, "202602300000", "invalid date format: 202602300000"},
		{"-t .5", BERLIN, dec4, 1, "202612251030.5", "invalid date format: 202612251030.5"},
		{"-t 9 digits", BERLIN, dec4, 1, "122510301", "invalid date format: 122510301"},
	};

	run(cases, sizeof(cases) / sizeof(cases[0]));
}

/* gatebox's rule (docs/at-timespec.md), where Debian shows glibc's artifacts */
static void dst(void)
{
	const time_t spring = 1774744215; /* 2026-03-29 01:30:15 CET */
	const time_t eve = 1774695600; /* 2026-03-28 12:00:00 CET */
	const time_t fold1 = 1792888215; /* 2026-10-25 02:30:15 CEST, first pass */
	const time_t fold2 = 1792891815; /* 2026-10-25 02:30:15 CET, second pass */
	const time_t ny_fold2 = 1793514640; /* 2026-11-01 01:30:40 EST */
	const time_t lh_spring = 1791040800; /* 2026-10-04 01:50 +1030 */
	const time_t lh_fall = 1775312400; /* 2026-04-05 01:20 +11 */

	const struct tcase cases[] = {
		{"+29 min before the gap", BERLIN, spring, 0, "now + 29 minutes",
		 "2026-03-29 01:59:00 +0100"},
		{"+30 min is exact", BERLIN, spring, 0, "now + 30 minutes",
		 "2026-03-29 03:00:00 +0200"},
		{"+1 hour is exact", BERLIN, spring, 0, "now + 1 hour",
		 "2026-03-29 03:30:00 +0200"},
		{"gap time moves forward", BERLIN, spring, 0, "02:30", "2026-03-29 03:30:00 +0200"},
		{"02:30 tomorrow exists", BERLIN, spring, 0, "02:30 tomorrow",
		 "2026-03-30 02:30:00 +0200"},
		{"+24 hours is 24 hours", BERLIN, eve, 0, "now + 24 hours",
		 "2026-03-29 13:00:00 +0200"},
		{"+1440 minutes too", BERLIN, eve, 0, "now + 1440 minutes",
		 "2026-03-29 13:00:00 +0200"},
		{"+1 day keeps the clock", BERLIN, eve, 0, "now + 1 day",
		 "2026-03-29 12:00:00 +0200"},
		{"gap time tomorrow", BERLIN, eve, 0, "02:30 tomorrow",
		 "2026-03-29 03:30:00 +0200"},
		{"-t in the gap", BERLIN, eve, 1, "202603290230", "2026-03-29 03:30:00 +0200"},

		{"first pass: now", BERLIN, fold1, 0, "now", "2026-10-25 02:30:00 +0200"},
		{"first pass: +1 minute", BERLIN, fold1, 0, "now + 1 minute",
		 "2026-10-25 02:31:00 +0200"},
		{"first pass: +30 minutes", BERLIN, fold1, 0, "now + 30 minutes",
		 "2026-10-25 02:00:00 +0100"},
		{"first pass: 02:45 first", BERLIN, fold1, 0, "02:45", "2026-10-25 02:45:00 +0200"},
		{"second pass: now", BERLIN, fold2, 0, "now", "2026-10-25 02:30:00 +0100"},
		{"second pass: today", BERLIN, fold2, 0, "today", "2026-10-25 02:30:00 +0100"},
		{"second pass: +1 minute", BERLIN, fold2, 0, "now + 1 minute",
		 "2026-10-25 02:31:00 +0100"},
		{"second pass: 02:45 is ahead", BERLIN, fold2, 0, "02:45",
		 "2026-10-25 02:45:00 +0100"},
		{"repeated hour: first", BERLIN, 1792872000, 0, "02:30 Oct 25",
		 "2026-10-25 02:30:00 +0200"},
		{"+5 hours exact", BERLIN, 1792872000, 0, "now + 5 hours",
		 "2026-10-25 02:00:00 +0100"},
		{"tomorrow keeps the clock", BERLIN, 1792872000, 0, "tomorrow",
		 "2026-10-25 22:00:00 +0100"},
		{"-t repeated hour: first", BERLIN, 1792872000, 1, "202610250230",
		 "2026-10-25 02:30:00 +0200"},
		{"NY second pass: now", NEW_YORK, ny_fold2, 0, "now", "2026-11-01 01:30:00 -0500"},
		{"NY second pass: +1 minute", NEW_YORK, ny_fold2, 0, "now + 1 minute",
		 "2026-11-01 01:31:00 -0500"},
		{"NY second pass: 01:45", NEW_YORK, ny_fold2, 0, "01:45",
		 "2026-11-01 01:45:00 -0500"},
		{"Lord Howe half-hour gap", LORD_HOWE, lh_spring, 0, "02:15",
		 "2026-10-04 02:45:00 +1100"},
		{"Lord Howe +20 minutes", LORD_HOWE, lh_spring, 0, "now + 20 minutes",
		 "2026-10-04 02:40:00 +1100"},
		{"Lord Howe repeated half hour", LORD_HOWE, lh_fall, 0, "01:45",
		 "2026-04-05 01:45:00 +1100"},
	};

	run(cases, sizeof(cases) / sizeof(cases[0]));
}

static void zones(void)
{
	static const char *const names[] = {"Europe/Berlin", ":America/New_York",
					    "Australia/Lord_Howe", "Asia/Kolkata"};
	static const char *const posix[] = {BERLIN, NEW_YORK, LORD_HOWE, "IST-5:30"};
	struct tz a, b;
	int same = 1;

	CHECK("POSIX string parses", tz_parse_posix(&a, LORD_HOWE) == 0);
	CHECK("a name without offset is no POSIX string", tz_parse_posix(&a, "Japan") < 0);
	CHECK("a rule must be complete", tz_parse_posix(&a, "CET-1CEST,M3.5.0") < 0);
	CHECK("unreadable TZ falls back to UTC",
	      tz_load(&a, "No/Such_Zone") < 0 && tz_offset(&a, 1796390535, NULL) == 0);
	CHECK("empty TZ is UTC", tz_load(&a, "") == 0 && tz_offset(&a, 0, NULL) == 0);
	CHECK("not a TZif image", tz_parse_tzif(&a, (const unsigned char *)"TZif2", 5) < 0);
	CHECK_STR("no rule: US default",
		  (setenv("TZ", "EST5EDT", 1), at("EST5EDT", 1783223970, "now")),
		  "2026-07-04 23:59:00 -0400");
	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0) {
		printf("SKIP: unit/timespec: zoneinfo files (none installed)\n");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tz_load(&a, names[i]);
		tz_load(&b, posix[i]);
		/* the file and its footer string agree from 2010 on, and with libc's localtime */
		for (int64_t t = 1262304000; t < 2524608000; t += 3607 * 7) {
			struct tm tm;
			time_t tt = (time_t)t;
			int32_t off = tz_offset(&a, t, NULL);

			setenv("TZ", names[i], 1);
			tzset();
			localtime_r(&tt, &tm);
			if (off != tz_offset(&b, t, NULL) || off != tm.tm_gmtoff) {
				printf("# %s at %lld: %d vs %d vs %ld\n", names[i], (long long)t,
				       off, tz_offset(&b, t, NULL), (long)tm.tm_gmtoff);
				same = 0;
				break;
			}
		}
		tz_free(&a);
		tz_free(&b);
	}
	CHECK("zoneinfo offsets agree with the rule strings and libc", same);
	CHECK_STR("zoneinfo: Berlin gap", at("Europe/Berlin", 1774744215, "02:30"),
		  "2026-03-29 03:30:00 +0200");
	CHECK_STR("zoneinfo: historic offset", touch("Europe/Berlin", 0, "198001011200"),
		  "1980-01-01 12:00:00 +0100");
	CHECK_STR("zoneinfo: utc keyword", at("America/New_York", 1796390535, "noon utc"),
		  "2026-12-05 07:00:00 -0500");
}

int main(void)
{
	UNIT_MODULE("timespec");
	grammar();
	dst();
	zones();
	return unit_done();
}
