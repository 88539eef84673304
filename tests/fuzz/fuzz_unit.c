/* Fuzz target for the unit-file reader and its helpers: the input is a unit file; every
 * value then goes through specifier expansion, word splitting, bool and timespan parsing.
 * A crash or a sanitizer report is a finding. */
#include "common.h"
#include "unit.h"

#include <stdint.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, const char *file, int line, bool error, const char *msg)
{
	(void)ctx;
	(void)file;
	(void)line;
	(void)error;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct unit_file u;
	FILE *fp;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/gb-fuzz-%ld@.service", (long)getpid());
	fp = fopen(path, "w");
	if (!fp)
		abort();
	if (size && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	if (unit_load(&u, path, "fuzz@inst-a.service", quiet, NULL) < 0)
		return 0;
	for (size_t i = 0; i < u.n; i++) {
		char out[512], buf[512], *argv[32];
		size_t argc;

		unit_expand(u.name, u.entries[i].value, out, sizeof(out));
		unit_split_words(u.entries[i].value, argv, 32, &argc, buf, sizeof(buf));
		unit_bool(u.entries[i].value);
		unit_timespan_us(u.entries[i].value);
		unit_get(&u, u.entries[i].section, u.entries[i].key);
	}
	unit_free(&u);
	return 0;
}
