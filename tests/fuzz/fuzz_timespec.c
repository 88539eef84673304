/* Fuzz target for the at(1) time grammar and the zone rules. The first byte picks what the rest
 * is: timespec words (split at blanks) or a -t argument, each in one of four zones at one of
 * four "now"s; or a POSIX TZ string or a TZif image, then converted both ways around their
 * transitions. A crash, a sanitizer report or a time in the past is a finding. */
#include "common.h"
#include "timespec.h"
#include "tzrules.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(const struct tz *z)
{
	static const int64_t at[] = {INT64_MIN / 4, -1, 0, 1774744215, 1792888215, INT64_MAX / 4};

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		int64_t t = at[i];

		for (int64_t d = -7200; d <= 7200; d += 1800) {
			int32_t off = tz_offset(z, t + d, NULL);

			(void)tz_to_utc(z, t + d + off, t);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = {"CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT",
					    "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "UTC0"};
	static const time_t nows[] = {1796390535, 1774744215, 1792891815, 0};
	char buf[512], *words[64], *cur = buf, *w;
	const char *err;
	time_t when;
	struct tz z;
	int n = 0, mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	if ((mode & 3) == 3) {
		if (tz_parse_tzif(&z, data, size) == 0) {
			probe(&z);
			tz_free(&z);
		}
		return 0;
	}
	if (size >= sizeof(buf))
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if ((mode & 3) == 2) {
		memset(&z, 0, sizeof(z));
		if (tz_parse_posix(&z, buf) == 0)
			probe(&z);
		return 0;
	}
	setenv("TZ", zones[(mode >> 2) & 3], 1);
	if ((mode & 3) == 1) {
		(void)timespec_parse_touch(buf, nows[(mode >> 4) & 3], &when, &err);
		return 0;
	}
	while (n < 64 && (w = str_token(&cur, " ")) != NULL)
		words[n++] = w;
	if (timespec_parse(n, words, nows[(mode >> 4) & 3], &when, &err) == 0 &&
	    when < nows[(mode >> 4) & 3] - 60)
		abort(); /* accepted a time in the past */
	return 0;
}
