/* Zone rules: POSIX TZ strings and TZif files (RFC 8536), read the way musl reads them, so that
 * local time conversion is the same on every libc (see tzrules.h). */
#include "tzrules.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Zone files are a few kB; a bigger one is not a zone file. */
#define TZ_FILE_MAX 65536
/* No zone is more than a day away from UTC; a larger offset is a corrupt file. */
#define TZ_OFF_MAX 93600

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int tz_month_days(int64_t y, int m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 ? 28 + is_leap(y) : days[(m - 1) % 12];
}

/* Days since 1970-01-01 of a civil date: years counted from March, so Feb 29 is the last day
 * of its year and the 400-year cycle (146097 days) does the rest. */
int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* --- POSIX TZ strings */

static int get_num(const char **sp, int max)
{
	const char *s = *sp;
	int n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s++ - '0');
		if (n > max)
			return -1;
	}
	*sp = s;
	return n;
}

/* [+-]hh[:mm[:ss]] in seconds, POSIX sign (positive is west). */
static int get_hms(const char **sp, int32_t *out)
{
	const char *s = *sp;
	int sign = 1, v;
	int32_t t;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if ((v = get_num(&s, 167)) < 0)
		return -1;
	t = v * 3600;
	for (int unit = 60; *s == ':' && unit; unit = unit == 60 ? 1 : 0) {
		s++;
		if ((v = get_num(&s, 59)) < 0)
			return -1;
		t += v * unit;
	}
	*out = sign * t;
	*sp = s;
	return 0;
}

static int get_name(const char **sp)
{
	const char *s = *sp;
	size_t n = 0;

	if (*s == '<') {
		for (s++; *s && *s != '>'; s++, n++)
			;
		if (*s != '>' || n == 0)
			return -1;
		s++;
	} else {
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			s++, n++;
		if (n < 3)
			return -1;
	}
	*sp = s;
	return 0;
}

static int get_rule(const char **sp, struct tz_rule *r)
{
	const char *s = *sp;
	int v;

	memset(r, 0, sizeof(*r));
	if (*s == 'M') {
		s++;
		r->kind = 'M';
		if ((v = get_num(&s, 12)) < 1 || *s++ != '.')
			return -1;
		r->m = (unsigned char)v;
		if ((v = get_num(&s, 5)) < 1 || *s++ != '.')
			return -1;
		r->w = (unsigned char)v;
		if ((v = get_num(&s, 6)) < 0)
			return -1;
		r->d = (unsigned char)v;
	} else {
		r->kind = *s == 'J' ? 'J' : 'D';
		s += *s == 'J';
		if ((v = get_num(&s, 365)) < 0 || (r->kind == 'J' && v < 1))
			return -1;
		r->n = (short)v;
	}
	r->secs = 7200;
	if (*s == '/') {
		s++;
		if (get_hms(&s, &r->secs) < 0)
			return -1;
	}
	*sp = s;
	return 0;
}

int tz_parse_posix(struct tz *z, const char *s)
{
	int32_t off;

	if (get_name(&s) < 0 || get_hms(&s, &off) < 0 || off > TZ_OFF_MAX || off < -TZ_OFF_MAX)
		return -1;
	z->std_off = -off;
	z->has_rule = 1;
	z->has_dst = 0;
	if (!*s)
		return 0;
	if (get_name(&s) < 0)
		return -1;
	z->dst_off = z->std_off + 3600;
	if (*s && *s != ',') {
		if (get_hms(&s, &off) < 0 || off > TZ_OFF_MAX || off < -TZ_OFF_MAX)
			return -1;
		z->dst_off = -off;
	}
	if (!*s) {
		/* no rule: the US rule, as glibc's posixrules default and musl do */
		static const struct tz_rule us_start = {'M', 3, 2, 0, 0, 7200};
		static const struct tz_rule us_end = {'M', 11, 1, 0, 0, 7200};

		z->start = us_start;
		z->end = us_end;
	} else if (*s++ != ',' || get_rule(&s, &z->start) < 0 || *s++ != ',' ||
		   get_rule(&s, &z->end) < 0 || *s) {
		return -1;
	}
	z->has_dst = 1;
	return 0;
}

/* The instant rule r fires in year y, the clock then showing offset off. */
static int64_t rule_time(int64_t y, const struct tz_rule *r, int32_t off)
{
	int64_t day;

	if (r->kind == 'M') {
		int64_t first = tz_days_from_civil(y, r->m, 1);
		int wd = (int)(((first + 4) % 7 + 7) % 7), md = tz_month_days(y, r->m);
		int dom = 1 + (r->d - wd + 7) % 7 + 7 * (r->w - 1);

		while (dom > md)
			dom -= 7;
		day = first + dom - 1;
	} else {
		day = tz_days_from_civil(y, 1, 1) + r->n;
		if (r->kind == 'J')
			day += -1 + (is_leap(y) && r->n >= 60);
	}
	return day * 86400 + r->secs - off;
}

static int32_t rule_offset(const struct tz *z, int64_t t, int *isdst)
{
	int64_t y, s, e;
	int m, d, dst;

	if (!z->has_dst) {
		*isdst = 0;
		return z->std_off;
	}
	tz_civil_from_days(floor_div(t + z->std_off, 86400), &y, &m, &d);
	s = rule_time(y, &z->start, z->std_off);
	e = rule_time(y, &z->end, z->dst_off);
	dst = s < e ? t >= s && t < e : !(t >= e && t < s);
	*isdst = dst;
	return dst ? z->dst_off : z->std_off;
}

/* --- TZif */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t trans_at(const struct tz *z, uint32_t i)
{
	const unsigned char *p = z->trans + (size_t)i * (size_t)z->tsize;

	if (z->tsize == 4)
		return (int32_t)be32(p);
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

int tz_parse_tzif(struct tz *z, const unsigned char *data, size_t len)
{
	uint64_t cnt[6], size;
	size_t base = 0;
	int tsize = 4;

	for (;;) {
		if (len - base < 44 || memcmp(data + base, "TZif", 4) != 0)
			return -1;
		for (int i = 0; i < 6; i++)
			cnt[i] = be32(data + base + 20 + 4 * i);
		/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
		size = cnt[3] * (uint64_t)(tsize + 1) + cnt[4] * 6 + cnt[5] +
			cnt[2] * (uint64_t)(tsize + 4) + cnt[1] + cnt[0];
		if (size > len - base - 44)
			return -1;
		if (tsize == 8 || data[4] < '2')
			break;
		base += 44 + (size_t)size; /* v2+: skip the 32-bit block, read the 64-bit one */
		tsize = 8;
	}
	if (cnt[4] < 1 || cnt[4] > 256)
		return -1;
	z->buf = malloc(len);
	if (!z->buf)
		return -1;
	memcpy(z->buf, data, len);
	z->tsize = tsize;
	z->timecnt = (uint32_t)cnt[3];
	z->typecnt = (uint32_t)cnt[4];
	z->trans = z->buf + base + 44;
	z->idx = z->trans + (size_t)z->timecnt * (size_t)tsize;
	z->types = z->idx + z->timecnt;
	for (uint32_t i = 0; i < z->timecnt; i++)
		if (z->idx[i] >= z->typecnt)
			goto bad;
	for (uint32_t i = 0; i < z->typecnt; i++) {
		int32_t off = (int32_t)be32(z->types + 6 * i);

		if (off > TZ_OFF_MAX || off < -TZ_OFF_MAX)
			goto bad;
	}
	z->has_rule = 0;
	if (tsize == 8) {
		/* the footer: "\nTZ string\n", the rule for times after the last transition */
		size_t at = base + 44 + (size_t)size, end;
		char rule[128];

		if (at < len && data[at] == '\n') {
			for (end = at + 1; end < len && data[end] != '\n'; end++)
				;
			if (end < len && end - at - 1 < sizeof(rule)) {
				struct tz r = *z;

				memcpy(rule, data + at + 1, end - at - 1);
				rule[end - at - 1] = '\0';
				if (rule[0] && tz_parse_posix(&r, rule) == 0)
					*z = r;
			}
		}
	}
	return 0;
bad:
	free(z->buf);
	z->buf = NULL;
	z->timecnt = z->typecnt = 0;
	return -1;
}

static int load_file(struct tz *z, const char *name)
{
	char path[256];
	unsigned char *data;
	struct stat st;
	ssize_t n;
	size_t got = 0, len = strlen(name);
	int fd, rc = -1;

	if (name[0] == '/' || name[0] == '.') {
		if (len >= sizeof(path))
			return -1;
		memcpy(path, name, len + 1);
	} else {
		static const char dir[] = "/usr/share/zoneinfo/";

		if (len + sizeof(dir) > sizeof(path))
			return -1;
		memcpy(path, dir, sizeof(dir) - 1);
		memcpy(path + sizeof(dir) - 1, name, len + 1);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 44 ||
	    st.st_size > TZ_FILE_MAX || !(data = malloc((size_t)st.st_size))) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size && (n = read(fd, data + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got == (size_t)st.st_size)
		rc = tz_parse_tzif(z, data, got);
	free(data);
	return rc;
}

int tz_load(struct tz *z, const char *tzenv)
{
	const char *s = tzenv, *slash, *comma;
	int colon;

	memset(z, 0, sizeof(*z));
	if (!s)
		s = "/etc/localtime";
	if (!*s)
		return 0;
	colon = *s == ':';
	s += colon;
	slash = strchr(s, '/');
	comma = strchr(s, ',');
	/* musl's test: a '/' before any ',' names a file ("M3.5.0/3" rule times come after one) */
	if (!colon && !(slash && (!comma || slash < comma))) {
		if (tz_parse_posix(z, s) == 0)
			return 0;
		memset(z, 0, sizeof(*z));
	}
	if (*s && load_file(z, s) == 0)
		return 0;
	memset(z, 0, sizeof(*z));
	return -1;
}

void tz_free(struct tz *z)
{
	free(z->buf);
	memset(z, 0, sizeof(*z));
}

int32_t tz_offset(const struct tz *z, int64_t t, int *isdst)
{
	const unsigned char *type;
	int dummy;
	uint32_t lo = 0, hi = z->timecnt;

	if (!isdst)
		isdst = &dummy;
	if (!z->typecnt || (z->has_rule && (!z->timecnt || t >= trans_at(z, z->timecnt - 1))))
		return rule_offset(z, t, isdst);
	if (!z->timecnt || t < trans_at(z, 0)) {
		type = z->types; /* RFC 8536: type 0 before the first transition */
	} else {
		while (hi - lo > 1) { /* last transition at or before t */
			uint32_t mid = lo + (hi - lo) / 2;

			if (trans_at(z, mid) <= t)
				lo = mid;
			else
				hi = mid;
		}
		type = z->types + 6 * z->idx[lo];
	}
	*isdst = type[4] != 0;
	return (int32_t)be32(type);
}

int64_t tz_to_utc(const struct tz *z, int64_t w, int64_t not_before)
{
	/* The offsets a day either side bracket the instant of w (no zone is a day off UTC). */
	int32_t oa = tz_offset(z, w - 86400, NULL), ob = tz_offset(z, w + 86400, NULL);
	int64_t ta = w - oa, tb = w - ob;
	int va = tz_offset(z, ta, NULL) == oa, vb = tz_offset(z, tb, NULL) == ob;

	if (va && vb && ta != tb) {
		int64_t first = ta < tb ? ta : tb, second = ta < tb ? tb : ta;

		return first < not_before && second >= not_before ? second : first;
	}
	if (!va && vb)
		return tb;
	return ta; /* unique, or a gap: the offset before the change puts w past it */
}
