/* at(1) time specifications: the lexer and grammar of Debian's at 3.2.5 (../shared/spec/at.md
 * section 2; docs/at-timespec.md), written as a hand-made parser that reports the same error at
 * the same token as Debian's bison parser, but computing with gatebox's DST rule (tzrules.h):
 * minute and hour increments are exact seconds, calendar steps keep the wall clock, and a wall
 * time is resolved once, at the end, by tz_to_utc. */
#include "timespec.h"
#include "tzrules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
	T_EOF,
	T_CHAR,
	T_NOW,
	T_AM,
	T_PM,
	T_NOON,
	T_MIDNIGHT,
	T_TEATIME,
	T_DOW,
	T_TODAY,
	T_TOMORROW,
	T_NEXT,
	T_UNIT,
	T_MONTH,
	T_UTC,
	T_INT1,
	T_INT2,
	T_INT4,
	T_INT58, /* 5 to 8 digits: a date */
	T_INT, /* 3 or 9+ digits */
	T_DOTTED,
	T_HYPHEN,
	T_HOURMIN,
};
enum { U_MIN, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_YEAR };

/* Debian's flex rules, in its order (the earlier rule wins a tie): a word, then an optional
 * tail after '|' ("sun|day" is sun or sunday). */
static const struct keyword {
	char text[12];
	unsigned char tok, val;
} keywords[] = {
	{"now", T_NOW, 0},
	{"am", T_AM, 0},
	{"pm", T_PM, 0},
	{"noon", T_NOON, 0},
	{"midnight", T_MIDNIGHT, 0},
	{"teatime", T_TEATIME, 0},
	{"sun|day", T_DOW, 0},
	{"mon|day", T_DOW, 1},
	{"tue|sday", T_DOW, 2},
	{"wed|nesday", T_DOW, 3},
	{"thu|rsday", T_DOW, 4},
	{"fri|day", T_DOW, 5},
	{"sat|urday", T_DOW, 6},
	{"today", T_TODAY, 0},
	{"tomorrow", T_TOMORROW, 0},
	{"next", T_NEXT, 0},
	{"min", T_UNIT, U_MIN},
	{"minute|s", T_UNIT, U_MIN},
	{"hour|s", T_UNIT, U_HOUR},
	{"day|s", T_UNIT, U_DAY},
	{"week|s", T_UNIT, U_WEEK},
	{"month|s", T_UNIT, U_MONTH},
	{"year|s", T_UNIT, U_YEAR},
	{"jan|uary", T_MONTH, 0},
	{"feb|ruary", T_MONTH, 1},
	{"mar|ch", T_MONTH, 2},
	{"apr|il", T_MONTH, 3},
	{"may", T_MONTH, 4},
	{"jun|e", T_MONTH, 5},
	{"jul|y", T_MONTH, 6},
	{"aug|ust", T_MONTH, 7},
	{"sep|tember", T_MONTH, 8},
	{"oct|ober", T_MONTH, 9},
	{"nov|ember", T_MONTH, 10},
	{"dec|ember", T_MONTH, 11},
	{"utc", T_UTC, 0},
};

/* Broken-down local time; month 0-11 like struct tm, fields may be out of range until
 * normalised (Debian compares them unnormalised). 64 bits: increments cannot overflow. */
struct fields {
	int64_t y, mon, mday, hour, min;
};

struct parser {
	char *const *argv;
	int argc, arg;
	size_t off;
	int tok, val;
	const char *text, *last; /* the current token; the last one read (Debian's last_token) */
	size_t len, last_len;
	struct fields f, cur; /* the fields being built; now */
	int time_only, yearspec, utc;
	int abs_ok; /* abs is the exact instant of abs_f (kept while f == abs_f) */
	int64_t abs, now_min;
	struct fields abs_f;
	struct tz zone;
	const char *err;
};

/* Saturates: no count beyond this can give a date before year 10000 anyway. */
#define NUM_MAX 10000000000LL
#define YEAR_MAX 9999
/* a longer token is cut in the message (Debian prints any length) */
#define TOKEN_SHOWN 80

static char msg[192];

static size_t ndig(const char *p)
{
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

static int64_t num(const char *p, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++)
		if ((v = v * 10 + (p[i] - '0')) > NUM_MAX)
			v = NUM_MAX;
	return v;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_alpha(int c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

/* Length of the keyword's match at p (the longer alternative), 0 if none. */
static size_t keyword_len(const char *p, const char *k)
{
	size_t n = 0;

	for (; *k && *k != '|'; k++, n++)
		if (lower((unsigned char)p[n]) != *k)
			return 0;
	if (*k == '|') {
		size_t i = 0;

		for (k++; k[i] && lower((unsigned char)p[n + i]) == k[i]; i++)
			;
		if (!k[i])
			n += i;
	}
	return n;
}

static int is_hm_sep(int c)
{
	return c == ':' || c == '\'' || c == 'h' || c == 'H' || c == ',' || c == '.';
}

/* The longest of Debian's number rules at p (a digit): a digit run classed by its length,
 * D.M.YY[YY], [YY]YY-M-D, [H]H:MM. Tokens never contain blanks, so one word is enough. */
static size_t lex_number(const char *p, int *tok)
{
	size_t n = ndig(p), best = n, d2, d3;
	const char *q;

	*tok = n == 1		   ? T_INT1
		: n == 2	   ? T_INT2
		: n == 4	   ? T_INT4
		: n >= 5 && n <= 8 ? T_INT58
				   : T_INT;
	if ((n == 1 || n == 2) && p[n] == '.') {
		q = p + n + 1;
		d2 = ndig(q);
		if ((d2 == 1 || d2 == 2) && q[d2] == '.') {
			d3 = ndig(q + d2 + 1);
			if (d3 >= 2 && n + d2 + 2 + (d3 >= 4 ? 4 : 2) > best) {
				best = n + d2 + 2 + (d3 >= 4 ? 4 : 2);
				*tok = T_DOTTED;
			}
		}
	}
	if ((n == 2 || n == 4) && p[n] == '-') {
		q = p + n + 1;
		d2 = ndig(q);
		if ((d2 == 1 || d2 == 2) && q[d2] == '-' && (d3 = ndig(q + d2 + 1)) >= 1) {
			best = n + d2 + 2 + (d3 >= 2 ? 2 : 1);
			*tok = T_HYPHEN;
		}
	}
	if (((n == 2 && p[0] <= '2') || n == 1) && is_hm_sep((unsigned char)p[n]) &&
	    ndig(p + n + 1) >= 2 && n + 3 > best) {
		best = n + 3;
		*tok = T_HOURMIN;
	}
	return best;
}

static void next(struct parser *ps)
{
	const char *p;
	size_t best = 1;

	for (;;) {
		if (ps->arg >= ps->argc) {
			ps->tok =
				T_EOF; /* leaves the last token seen as it was, as flex's EOF does */
			return;
		}
		p = ps->argv[ps->arg] + ps->off;
		if (!*p) {
			ps->arg++;
			ps->off = 0;
		} else if (*p == ' ' || *p == '\t' || *p == '\n') {
			ps->off++;
		} else {
			break;
		}
	}
	ps->tok = T_CHAR;
	ps->val = (unsigned char)*p;
	if (*p >= '0' && *p <= '9') {
		best = lex_number(p, &ps->tok);
	} else if (is_alpha((unsigned char)*p)) {
		for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
			size_t n = keyword_len(p, keywords[i].text);

			if (n > best) {
				best = n;
				ps->tok = keywords[i].tok;
				ps->val = keywords[i].val;
			}
		}
	}
	ps->text = ps->last = p;
	ps->len = ps->last_len = best;
	ps->off += best;
}

static void put(size_t *at, const char *s, size_t n)
{
	if (n > sizeof(msg) - 1 - *at)
		n = sizeof(msg) - 1 - *at;
	memcpy(msg + *at, s, n);
	*at += n;
	msg[*at] = '\0';
}

/* Debian's yyerror line, then at's own verdict. */
static int fail(struct parser *ps, const char *what)
{
	static const char seen[] = ". Last token seen: ", garbled[] = "\nGarbled time";
	size_t at = 0;

	put(&at, what, strlen(what));
	put(&at, seen, sizeof(seen) - 1);
	if (ps->last)
		put(&at, ps->last, ps->last_len < TOKEN_SHOWN ? ps->last_len : TOKEN_SHOWN);
	else
		put(&at, "(empty)", 7);
	put(&at, garbled, sizeof(garbled) - 1);
	ps->err = msg;
	return -1;
}

static int syntax(struct parser *ps)
{
	return fail(ps, "syntax error");
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int64_t wall_of(const struct fields *f)
{
	int64_t y = f->y + floor_div(f->mon, 12), m = f->mon - 12 * floor_div(f->mon, 12);

	return (tz_days_from_civil(y, (int)m + 1, 1) + f->mday - 1) * 86400 + f->hour * 3600 +
		f->min * 60;
}

static void fields_of_wall(struct fields *f, int64_t w)
{
	int64_t days = floor_div(w, 86400), secs = w - days * 86400;
	int m, d;

	tz_civil_from_days(days, &f->y, &m, &d);
	f->mon = m - 1;
	f->mday = d;
	f->hour = secs / 3600;
	f->min = secs % 3600 / 60;
}

static void normalise(struct fields *f)
{
	fields_of_wall(f, wall_of(f));
}

static int64_t offset_at(struct parser *ps, int64_t t)
{
	return ps->utc ? 0 : tz_offset(&ps->zone, t, NULL);
}

static int64_t instant_of(struct parser *ps, const struct fields *f)
{
	if (ps->abs_ok && !memcmp(f, &ps->abs_f, sizeof(*f)))
		return ps->abs;
	return ps->utc ? wall_of(f) : tz_to_utc(&ps->zone, wall_of(f), ps->now_min);
}

/* Debian's add_date: minutes and hours move the instant (exact seconds, our DST rule); days
 * and weeks the calendar day; months then years the fields, normalised after each as Debian's
 * mktime calls do (31 Jan + 1 month = 3 Mar). */
static void add(struct parser *ps, int64_t n, int unit)
{
	struct fields *f = &ps->f;
	int64_t yrs;

	switch (unit) {
	case U_MIN:
	case U_HOUR:
		ps->abs = instant_of(ps, f) + n * (unit == U_MIN ? 60 : 3600);
		fields_of_wall(f, ps->abs + offset_at(ps, ps->abs));
		ps->abs_f = *f;
		ps->abs_ok = 1;
		return;
	case U_DAY:
	case U_WEEK:
		normalise(f);
		f->mday += unit == U_DAY ? n : 7 * n;
		break;
	case U_MONTH:
		yrs = floor_div(f->mon + n, 12);
		f->mon += n - 12 * yrs;
		normalise(f);
		f->y += yrs;
		break;
	default:
		f->y += n;
		break;
	}
	normalise(f);
}

static void add_weekday(struct parser *ps, int dow)
{
	int64_t days = tz_days_from_civil(ps->f.y, (int)ps->f.mon + 1, (int)ps->f.mday);
	int wday = (int)(((days + 4) % 7 + 7) % 7);

	add(ps, (6 + dow - wday) % 7 + 1, U_DAY);
}

static int64_t year_of(int64_t v)
{
	return v < 70 ? 2000 + v : v > 1900 ? v : 1900 + v;
}

/* year_number: 2 or 4 digits, the current token */
static int year(struct parser *ps)
{
	if (ps->tok != T_INT2 && ps->tok != T_INT4)
		return syntax(ps);
	ps->f.y = year_of(num(ps->text, ps->len));
	ps->yearspec = 1;
	next(ps);
	return 0;
}

static int day_number(struct parser *ps, int64_t d)
{
	if (d < 1 || d > 31)
		return fail(ps, "Error in day of month");
	ps->f.mday = d;
	return 0;
}

/* D.M.YY[YY] and [YY]YY-M-D: Debian checks these against the month's length */
static int checked_date(struct parser *ps, int64_t y, int64_t m, int64_t d)
{
	if (m < 1 || m > 12)
		return fail(ps, "Error in month number");
	y = year_of(y);
	if (d < 1 || d > tz_month_days(y, (int)m))
		return fail(ps, "Error in day of month");
	ps->f.y = y;
	ps->f.mon = m - 1;
	ps->f.mday = d;
	ps->yearspec = 1;
	return 0;
}

/* A date that starts with a 1-2 digit number n, the token after it current: M/D/YY[YY] or
 * D MONTH [YEAR]. Without '/' bison's default reduction makes n a day (checked) first. */
static int date_number(struct parser *ps, int64_t n)
{
	if (ps->tok == T_CHAR && ps->val == '/') {
		if (n < 1 || n > 12)
			return fail(ps, "Error in month number");
		ps->f.mon = n - 1;
		next(ps);
		if (ps->tok != T_INT1 && ps->tok != T_INT2)
			return syntax(ps);
		if (day_number(ps, num(ps->text, ps->len)) < 0)
			return -1;
		next(ps);
		if (ps->tok != T_CHAR || ps->val != '/')
			return syntax(ps);
		next(ps);
		return year(ps);
	}
	if (day_number(ps, n) < 0)
		return -1;
	if (ps->tok != T_MONTH)
		return syntax(ps);
	ps->f.mon = ps->val;
	next(ps);
	return ps->tok == T_INT2 || ps->tok == T_INT4 ? year(ps) : 0;
}

static int date(struct parser *ps)
{
	const char *p = ps->text;
	size_t n = ps->len, a, b;
	int64_t v;

	switch (ps->tok) {
	case T_INT1:
	case T_INT2:
		v = num(p, n);
		next(ps);
		return date_number(ps, v);
	case T_MONTH:
		ps->f.mon = ps->val;
		next(ps);
		if (ps->tok != T_INT1 && ps->tok != T_INT2)
			return syntax(ps);
		if (day_number(ps, num(ps->text, ps->len)) < 0)
			return -1;
		next(ps);
		if (ps->tok == T_CHAR && ps->val == ',') {
			next(ps);
			return year(ps);
		}
		return ps->tok == T_INT2 || ps->tok == T_INT4 ? year(ps) : 0;
	case T_DOW:
		add_weekday(ps, ps->val);
		break;
	case T_TODAY:
		break;
	case T_TOMORROW:
		add(ps, 1, U_DAY);
		break;
	case T_NEXT:
		next(ps);
		if (ps->tok == T_UNIT)
			add(ps, 1, ps->val);
		else if (ps->tok == T_DOW)
			add_weekday(ps, ps->val);
		else
			return syntax(ps);
		break;
	case T_DOTTED:
		a = ndig(p);
		b = ndig(p + a + 1);
		if (checked_date(ps, num(p + a + b + 2, n - a - b - 2), num(p + a + 1, b),
				 num(p, a)))
			return -1;
		break;
	case T_HYPHEN:
		a = ndig(p);
		b = ndig(p + a + 1);
		if (checked_date(ps, num(p, a), num(p + a + 1, b),
				 num(p + a + b + 2, n - a - b - 2)))
			return -1;
		break;
	case T_INT58:
		/* MDDYY, MMDDYY, MDDYYYY, MMDDYYYY: no check against the month's length */
		a = n == 5 || n == 7 ? 1 : 2;
		v = num(p, a);
		if (v < 1 || v > 12)
			return fail(ps, "Error in month number");
		ps->f.mon = v - 1;
		v = num(p + a, 2);
		if (v > 31)
			return fail(ps, "Error in day of month");
		ps->f.mday = v;
		ps->f.y = year_of(num(p + a + 2, n - a - 2));
		ps->yearspec = 1;
		break;
	default:
		return syntax(ps);
	}
	next(ps);
	return 0;
}

static int is_date_start(int tok)
{
	return tok == T_INT1 || tok == T_INT2 || tok == T_MONTH || tok == T_DOW || tok == T_TODAY ||
		tok == T_TOMORROW || tok == T_NEXT || tok == T_DOTTED || tok == T_HYPHEN ||
		tok == T_INT58;
}

/* After the base: at most one "+ N unit" or "- N unit", then the end. */
static int tail(struct parser *ps)
{
	if (ps->tok == T_CHAR && (ps->val == '+' || ps->val == '-')) {
		int64_t sign = ps->val == '-' ? -1 : 1, n;

		next(ps);
		if (ps->tok < T_INT1 || ps->tok > T_INT)
			return syntax(ps);
		n = num(ps->text, ps->len);
		next(ps);
		if (ps->tok != T_UNIT)
			return syntax(ps);
		if (ps->val >= U_DAY)
			ps->time_only = 0;
		add(ps, sign * n, ps->val);
		next(ps);
	}
	return ps->tok == T_EOF ? 0 : syntax(ps);
}

static int set_clock(struct parser *ps, int64_t h, int64_t m)
{
	if (m > 60)
		return fail(ps, "Problem in minutes specification");
	if (h > 24)
		return fail(ps, "Problem in hours specification");
	ps->f.hour = h;
	ps->f.min = m;
	return 0;
}

static int am_pm(struct parser *ps)
{
	if (ps->tok == T_AM) {
		if (ps->f.hour > 12)
			return fail(ps, "Hour too large for AM");
		if (ps->f.hour == 12)
			ps->f.hour = 0;
	} else if (ps->tok == T_PM) {
		if (ps->f.hour > 12)
			return fail(ps, "Hour too large for PM");
		if (ps->f.hour < 12)
			ps->f.hour += 12;
	}
	return 0;
}

/* After the clock (and am/pm): [utc] [date] tail. With utc the whole spec is read in UTC: the
 * date defaults to today in UTC and the roll-over compares with the UTC clock (Debian mixes
 * the local date and clock in; gatebox does not, see docs/at-timespec.md). */
static int after_clock(struct parser *ps)
{
	if (ps->tok == T_UTC) {
		ps->utc = 1;
		ps->abs_ok = 0;
		fields_of_wall(&ps->cur, ps->now_min);
		ps->f.y = ps->cur.y;
		ps->f.mon = ps->cur.mon;
		ps->f.mday = ps->cur.mday;
		next(ps);
	}
	if (is_date_start(ps->tok))
		return date(ps) < 0 ? -1 : tail(ps);
	ps->time_only = 1;
	return tail(ps);
}

static int spec(struct parser *ps)
{
	int64_t n;
	size_t a;

	next(ps);
	switch (ps->tok) {
	case T_NOW:
		ps->yearspec = 1;
		next(ps);
		return tail(ps);
	case T_INT4:
		if (set_clock(ps, num(ps->text, 2), num(ps->text + 2, 2)) < 0)
			return -1;
		next(ps);
		return after_clock(ps);
	case T_HOURMIN:
		a = ndig(ps->text);
		if (set_clock(ps, num(ps->text, a), num(ps->text + a + 1, 2)) < 0)
			return -1;
		next(ps);
		if (ps->tok == T_AM || ps->tok == T_PM) {
			if (am_pm(ps) < 0)
				return -1;
			next(ps);
		}
		return after_clock(ps);
	case T_NOON:
	case T_MIDNIGHT:
	case T_TEATIME:
		ps->f.hour = ps->tok == T_NOON ? 12 : ps->tok == T_TEATIME ? 16 : 0;
		ps->f.min = 0;
		next(ps);
		return after_clock(ps);
	case T_INT1:
	case T_INT2:
		/* an hour needs am/pm; otherwise this starts a date */
		n = num(ps->text, ps->len);
		next(ps);
		if (ps->tok != T_AM && ps->tok != T_PM)
			return date_number(ps, n) < 0 ? -1 : tail(ps);
		if (n > 24)
			return fail(ps, "Problem in hours specification");
		ps->f.hour = n;
		ps->f.min = 0;
		if (am_pm(ps) < 0)
			return -1;
		next(ps);
		return after_clock(ps);
	default:
		if (!is_date_start(ps->tok))
			return syntax(ps);
		return date(ps) < 0 ? -1 : tail(ps);
	}
}

/* now with the seconds of the local clock dropped, and the zone of TZ */
static void start(struct parser *ps, time_t now)
{
	int64_t t = (int64_t)now, w;

	memset(ps, 0, sizeof(*ps));
	tz_load(&ps->zone, getenv("TZ"));
	w = t + tz_offset(&ps->zone, t, NULL);
	ps->now_min = t - (w - 60 * floor_div(w, 60));
	fields_of_wall(&ps->cur, ps->now_min + tz_offset(&ps->zone, ps->now_min, NULL));
	ps->f = ps->abs_f = ps->cur;
	ps->abs = ps->now_min;
	ps->abs_ok = 1;
}

static int finish(struct parser *ps, int64_t t, time_t *when, const char **err)
{
	struct fields f;

	fields_of_wall(&f, t);
	tz_free(&ps->zone);
	if (ps->err) {
		*err = ps->err;
		return -1;
	}
	/* Debian's spool counts minutes in 8 hex digits; years past 9999 are no use to anyone */
	if (f.y > YEAR_MAX || f.y < 0 || (int64_t)(time_t)t != t) {
		*err = "Garbled time";
		return -1;
	}
	*when = (time_t)t;
	return 0;
}

int timespec_parse(int argc, char *const argv[], time_t now, time_t *when, const char **err)
{
	struct parser ps;
	int64_t t = 0;

	start(&ps, now);
	ps.argv = argv;
	ps.argc = argc;
	if (spec(&ps) == 0) {
		struct fields *f = &ps.f, *c = &ps.cur;

		if (ps.time_only) {
			/* only the day of the month is compared: "23:00 + 721 hours" on 4 Dec
			 * lands on 4 Jan and rolls to the 5th, as Debian's does */
			if (f->mday == c->mday &&
			    (f->hour < c->hour || (f->hour == c->hour && f->min <= c->min)))
				f->mday++;
		} else if (!ps.yearspec && f->y == c->y &&
			   (f->mon < c->mon || (f->mon == c->mon && f->mday < c->mday))) {
			f->y++;
		}
		t = instant_of(&ps, f);
		if (t < ps.now_min)
			ps.err = TIMESPEC_ERR_PAST;
	}
	return finish(&ps, t, when, err);
}

int timespec_parse_touch(const char *arg, time_t now, time_t *when, const char **err)
{
	static const char bad[] = "invalid date format: ";
	struct parser ps;
	const char *p = arg;
	size_t n = ndig(arg), at = 0;
	struct fields f;
	int64_t sec = 0, t = 0;

	start(&ps, now);
	if (p[n] == '.') {
		if (ndig(p + n + 1) != 2 || p[n + 3])
			goto invalid;
		sec = num(p + n + 1, 2);
	} else if (p[n]) {
		goto invalid;
	}
	if (n != 8 && n != 10 && n != 12)
		goto invalid;
	f = ps.cur;
	if (n == 12)
		f.y = num(p, 4);
	else if (n == 10)
		f.y = num(p, 2) + (num(p, 2) >= 69 ? 1900 : 2000);
	p += n - 8;
	f.mon = num(p, 2) - 1;
	f.mday = num(p + 2, 2);
	f.hour = num(p + 4, 2);
	f.min = num(p + 6, 2);
	if (f.mon < 0 || f.mon > 11 || f.mday < 1 || f.mday > tz_month_days(f.y, (int)f.mon + 1) ||
	    f.hour > 23 || f.min > 59 || sec > 59)
		goto invalid;
	ps.abs_ok = 0;
	t = instant_of(&ps, &f) + sec;
	return finish(&ps, t, when, err);
invalid:
	put(&at, bad, sizeof(bad) - 1);
	put(&at, arg, strlen(arg));
	ps.err = msg;
	return finish(&ps, t, when, err);
}
