/* Fuzz target for the at spool's parsers: the input is a spool file (a job or a result,
 * what a damaged flash page could hand atd) and, from its first line, a file name. Every
 * accepted job is written back through the header writer and must parse to the same fields.
 * A crash, a sanitizer report or an abort() is a finding. */
#include "common.h"
#include "spool.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), name[SPOOL_NAME_MAX], hdr[2048];
	const char *err;
	struct spool_name n;
	struct spool_job j, k;
	struct spool_result r;
	int line;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	str_copy(name, sizeof(name), buf);
	name[strcspn(name, "\n")] = '\0';
	if (spool_parse_name(name, &n) == 0) {
		char again[SPOOL_NAME_MAX];

		if (spool_format_name(again, sizeof(again), &n) < 0 || strcmp(again, name) != 0)
			abort(); /* a name parses only in its one canonical form */
	}
	if (spool_parse_job(buf, size, &j, &err, &line) == 0) {
		int hl = spool_job_header(hdr, sizeof(hdr), &j, buf + j.body_off, j.body_len);
		char *re;

		if (hl < 0 || !(re = malloc((size_t)hl + j.body_len + 1)))
			abort();
		memcpy(re, hdr, (size_t)hl);
		memcpy(re + hl, buf + j.body_off, j.body_len);
		if (spool_parse_job(re, (size_t)hl + j.body_len, &k, &err, &line) < 0 ||
		    k.id != j.id || k.due != j.due || k.uid != j.uid || k.ngroups != j.ngroups ||
		    strcmp(k.user, j.user) != 0 || k.body_len != j.body_len)
			abort();
		free(re);
	} else if (!err || line < 1) {
		abort(); /* every refusal says why and where */
	}
	spool_parse_result(buf, size, &r, &err, &line);
	free(buf);
	return 0;
}
