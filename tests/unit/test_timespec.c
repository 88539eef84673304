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

static void grammar(void)
{
	const time_t dec4 = 1796390535; /* Fri 2026-12-04 14:22:15 CET */

	CHECK_STR("now + 3 minutes", at(BERLIN, dec4, "now + 3 minutes"),
		  "2026-12-04 14:25:00 +0100");
	CHECK_STR("glued now+3minutes", at(BERLIN, dec4, "now+3minutes"),
		  "2026-12-04 14:25:00 +0100");
	CHECK_STR("now is the current minute", at(BERLIN, dec4, "now"),
		  "2026-12-04 14:22:00 +0100");
	CHECK_STR("teatime tomorrow", at(BERLIN, dec4, "teatime tomorrow"),
		  "2026-12-05 16:00:00 +0100");
	CHECK_STR("case-insensitive", at(BERLIN, dec4, "Noon TOMORROW"),
		  "2026-12-05 12:00:00 +0100");
	CHECK_STR("0930 is tomorrow", at(BERLIN, dec4, "0930"), "2026-12-05 09:30:00 +0100");
	CHECK_STR("9h30", at(BERLIN, dec4, "9h30"), "2026-12-05 09:30:00 +0100");
	CHECK_STR("19.30 today", at(BERLIN, dec4, "19.30"), "2026-12-04 19:30:00 +0100");
	CHECK_STR("current minute rolls", at(BERLIN, dec4, "14:22"), "2026-12-05 14:22:00 +0100");
	CHECK_STR("next minute is today", at(BERLIN, dec4, "14:23"), "2026-12-04 14:23:00 +0100");
	CHECK_STR("24:00", at(BERLIN, dec4, "24:00"), "2026-12-05 00:00:00 +0100");
	CHECK_STR("23:60", at(BERLIN, dec4, "23:60"), "2026-12-05 00:00:00 +0100");
	CHECK_STR("12am", at(BERLIN, dec4, "12am"), "2026-12-05 00:00:00 +0100");
	CHECK_STR("0pm", at(BERLIN, dec4, "0pm"), "2026-12-05 12:00:00 +0100");
	CHECK_STR("3:00pm", at(BERLIN, dec4, "3:00pm"), "2026-12-04 15:00:00 +0100");
	CHECK_STR("Feb 30 is lax", at(BERLIN, dec4, "2/30/2027"), "2027-03-02 14:22:00 +0100");
	CHECK_STR("Dec 3 is next year", at(BERLIN, dec4, "Dec 3"), "2027-12-03 14:22:00 +0100");
	CHECK_STR("Dec 3 + 1 year", at(BERLIN, dec4, "Dec 3 + 1 year"),
		  "2027-12-03 14:22:00 +0100");
	CHECK_STR("Dec 25, 26", at(BERLIN, dec4, "Dec 25, 26"), "2026-12-25 14:22:00 +0100");
	CHECK_STR("25 dec", at(BERLIN, dec4, "25 dec"), "2026-12-25 14:22:00 +0100");
	CHECK_STR("year 1850 is 3750", at(BERLIN, dec4, "10:30 Dec 25 1850"),
		  "3750-12-25 10:30:00 +0100");
	CHECK_STR("MDDYYYY", at(BERLIN, dec4, "1252027"), "2027-01-25 14:22:00 +0100");
	CHECK_STR("dotted", at(BERLIN, dec4, "12.12.26"), "2026-12-12 14:22:00 +0100");
	CHECK_STR("hyphenated", at(BERLIN, dec4, "2028-02-29"), "2028-02-29 14:22:00 +0100");
	CHECK_STR("friday on a friday", at(BERLIN, dec4, "fri"), "2026-12-11 14:22:00 +0100");
	CHECK_STR("next week", at(BERLIN, dec4, "next week"), "2026-12-11 14:22:00 +0100");
	CHECK_STR("tomorrow - 1 day", at(BERLIN, dec4, "tomorrow - 1 day"),
		  "2026-12-04 14:22:00 +0100");
	CHECK_STR("noon + 1 hour rolls after", at(BERLIN, dec4, "noon + 1 hour"),
		  "2026-12-05 13:00:00 +0100");
	CHECK_STR("only mday compared", at(BERLIN, dec4, "23:00 + 721 hours"),
		  "2027-01-05 00:00:00 +0100");
	CHECK_STR("31 Jan + 13 months", at(BERLIN, dec4, "Jan 31 2027 + 13 months"),
		  "2028-03-03 14:22:00 +0100");
	CHECK_STR("utc in UTC", at("UTC0", dec4, "15:00 utc"), "2026-12-04 15:00:00 +0000");

	CHECK_STR("hour alone", at(BERLIN, dec4, "17"),
		  "syntax error. Last token seen: 17\nGarbled time");
	CHECK_STR("empty", at(BERLIN, dec4, ""),
		  "syntax error. Last token seen: (empty)\nGarbled time");
	CHECK_STR("mins", at(BERLIN, dec4, "now + 1 mins"),
		  "syntax error. Last token seen: s\nGarbled time");
	CHECK_STR("9:5", at(BERLIN, dec4, "9:5"), "syntax error. Last token seen: :\nGarbled time");
	CHECK_STR("sept", at(BERLIN, dec4, "sept 5"),
		  "syntax error. Last token seen: t\nGarbled time");
	CHECK_STR("0815am", at(BERLIN, dec4, "0815am"),
		  "syntax error. Last token seen: am\nGarbled time");
	CHECK_STR("two increments", at(BERLIN, dec4, "now + 1 day + 1 hour"),
		  "syntax error. Last token seen: +\nGarbled time");
	CHECK_STR("now utc", at(BERLIN, dec4, "now utc"),
		  "syntax error. Last token seen: utc\nGarbled time");
	CHECK_STR("2561", at(BERLIN, dec4, "2561"),
		  "Problem in minutes specification. Last token seen: 2561\nGarbled time");
	CHECK_STR("25 pm", at(BERLIN, dec4, "25 pm"),
		  "Problem in hours specification. Last token seen: pm\nGarbled time");
	CHECK_STR("13pm", at(BERLIN, dec4, "13pm"),
		  "Hour too large for PM. Last token seen: pm\nGarbled time");
	CHECK_STR("32 x", at(BERLIN, dec4, "32 x"),
		  "Error in day of month. Last token seen: x\nGarbled time");
	CHECK_STR("13/1", at(BERLIN, dec4, "13/1/2026"),
		  "Error in month number. Last token seen: /\nGarbled time");
	CHECK_STR("2027-02-29", at(BERLIN, dec4, "2027-02-29"),
		  "Error in day of month. Last token seen: 2027-02-29\nGarbled time");
	CHECK_STR("noon today is past", at(BERLIN, dec4, "noon today"), TIMESPEC_ERR_PAST);
	CHECK_STR("now - 3 minutes", at(BERLIN, dec4, "now - 3 minutes"), TIMESPEC_ERR_PAST);
	CHECK_STR("beyond 9999", at(BERLIN, dec4, "now + 99999 years"), "Garbled time");
	CHECK_STR("huge count", at(BERLIN, dec4, "now + 99999999999999999999 minutes"),
		  "Garbled time");

	CHECK_STR("-t MMDDhhmm", touch(BERLIN, dec4, "12251030"), "2026-12-25 10:30:00 +0100");
	CHECK_STR("-t YY 69 is 1969", touch(BERLIN, dec4, "6912251030"),
		  "1969-12-25 10:30:00 +0100");
	CHECK_STR("-t seconds", touch(BERLIN, dec4, "202612251030.45"),
		  "2026-12-25 10:30:45 +0100");
	CHECK_STR("-t epoch is a time", touch("UTC0", dec4, "197001010000"),
		  "1970-01-01 00:00:00 +0000");
	CHECK_STR("-t Feb 30", touch(BERLIN, dec4, "202602300000"),
		  "invalid date format: 202602300000");
	CHECK_STR("-t .5", touch(BERLIN, dec4, "202612251030.5"),
		  "invalid date format: 202612251030.5");
	CHECK_STR("-t 9 digits", touch(BERLIN, dec4, "122510301"),
		  "invalid date format: 122510301");
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

	CHECK_STR("+29 min before the gap", at(BERLIN, spring, "now + 29 minutes"),
		  "2026-03-29 01:59:00 +0100");
	CHECK_STR("+30 min is exact", at(BERLIN, spring, "now + 30 minutes"),
		  "2026-03-29 03:00:00 +0200");
	CHECK_STR("+1 hour is exact", at(BERLIN, spring, "now + 1 hour"),
		  "2026-03-29 03:30:00 +0200");
	CHECK_STR("gap time moves forward", at(BERLIN, spring, "02:30"),
		  "2026-03-29 03:30:00 +0200");
	CHECK_STR("02:30 tomorrow exists", at(BERLIN, spring, "02:30 tomorrow"),
		  "2026-03-30 02:30:00 +0200");
	CHECK_STR("+24 hours is 24 hours", at(BERLIN, eve, "now + 24 hours"),
		  "2026-03-29 13:00:00 +0200");
	CHECK_STR("+1440 minutes too", at(BERLIN, eve, "now + 1440 minutes"),
		  "2026-03-29 13:00:00 +0200");
	CHECK_STR("+1 day keeps the clock", at(BERLIN, eve, "now + 1 day"),
		  "2026-03-29 12:00:00 +0200");
	CHECK_STR("gap time tomorrow", at(BERLIN, eve, "02:30 tomorrow"),
		  "2026-03-29 03:30:00 +0200");
	CHECK_STR("-t in the gap", touch(BERLIN, eve, "202603290230"), "2026-03-29 03:30:00 +0200");

	CHECK_STR("first pass: now", at(BERLIN, fold1, "now"), "2026-10-25 02:30:00 +0200");
	CHECK_STR("first pass: +1 minute", at(BERLIN, fold1, "now + 1 minute"),
		  "2026-10-25 02:31:00 +0200");
	CHECK_STR("first pass: +30 minutes", at(BERLIN, fold1, "now + 30 minutes"),
		  "2026-10-25 02:00:00 +0100");
	CHECK_STR("first pass: 02:45 first", at(BERLIN, fold1, "02:45"),
		  "2026-10-25 02:45:00 +0200");
	CHECK_STR("second pass: now", at(BERLIN, fold2, "now"), "2026-10-25 02:30:00 +0100");
	CHECK_STR("second pass: today", at(BERLIN, fold2, "today"), "2026-10-25 02:30:00 +0100");
	CHECK_STR("second pass: +1 minute", at(BERLIN, fold2, "now + 1 minute"),
		  "2026-10-25 02:31:00 +0100");
	CHECK_STR("second pass: 02:45 is ahead", at(BERLIN, fold2, "02:45"),
		  "2026-10-25 02:45:00 +0100");
	CHECK_STR("repeated hour: first", at(BERLIN, 1792872000, "02:30 Oct 25"),
		  "2026-10-25 02:30:00 +0200");
	CHECK_STR("+5 hours exact", at(BERLIN, 1792872000, "now + 5 hours"),
		  "2026-10-25 02:00:00 +0100");
	CHECK_STR("tomorrow keeps the clock", at(BERLIN, 1792872000, "tomorrow"),
		  "2026-10-25 22:00:00 +0100");
	CHECK_STR("-t repeated hour: first", touch(BERLIN, 1792872000, "202610250230"),
		  "2026-10-25 02:30:00 +0200");
	CHECK_STR("NY second pass: now", at(NEW_YORK, ny_fold2, "now"),
		  "2026-11-01 01:30:00 -0500");
	CHECK_STR("NY second pass: +1 minute", at(NEW_YORK, ny_fold2, "now + 1 minute"),
		  "2026-11-01 01:31:00 -0500");
	CHECK_STR("NY second pass: 01:45", at(NEW_YORK, ny_fold2, "01:45"),
		  "2026-11-01 01:45:00 -0500");
	CHECK_STR("Lord Howe half-hour gap", at(LORD_HOWE, lh_spring, "02:15"),
		  "2026-10-04 02:45:00 +1100");
	CHECK_STR("Lord Howe +20 minutes", at(LORD_HOWE, lh_spring, "now + 20 minutes"),
		  "2026-10-04 02:40:00 +1100");
	CHECK_STR("Lord Howe repeated half hour", at(LORD_HOWE, lh_fall, "01:45"),
		  "2026-04-05 01:45:00 +1100");
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
