/* libFuzzer target: the control protocol (libcommon/ctl.c). A request line from anyone on
 * the machine is split without crashing, every operand stays inside the line, and a reply
 * built from arbitrary text keeps its framing ("1 "/"2 " lines, then "X code"), so a unit
 * name or a service's status text can never forge an exit code. */
#include "common.h"
#include "ctl.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CTL_REQUEST_MAX + 1], bad[64];
	struct ctl_request q;
	struct ctl_reply r = {0};
	const char *err;
	size_t n = size < CTL_REQUEST_MAX ? size : CTL_REQUEST_MAX;

	memcpy(line, data, n);
	line[n] = '\0';
	if (ctl_request_parse(line, &q, &err, bad, sizeof(bad)) == 0) {
		if (!q.verb || q.argc < 0 || q.argc > 64)
			abort();
		for (int i = 0; i < q.argc; i++)
			if (q.argv[i] < line || q.argv[i] > line + n || q.argv[i][0] == '-')
				abort();
	}
	memcpy(line, data, n);
	line[n] = '\0';
	ctl_reply_printf(&r, 1, "%s", line);
	ctl_reply_printf(&r, 2, "status: %s", line);
	r.code = 3;
	if (ctl_reply_finish(&r) == 0) {
		/* framing: each line starts with "1 " or "2 ", and only the last is "X 3" */
		size_t pos = 0;

		while (pos < r.len) {
			const char *nl = memchr(r.buf + pos, '\n', r.len - pos);
			size_t len = nl ? (size_t)(nl - (r.buf + pos)) : r.len - pos;
			bool last = !nl || pos + len + 1 == r.len;

			if (!nl || len < 2 || r.buf[pos + 1] != ' ')
				abort();
			if (last ? r.buf[pos] != 'X' : (r.buf[pos] != '1' && r.buf[pos] != '2'))
				abort();
			pos += len + 1;
		}
	}
	ctl_reply_free(&r);
	return 0;
}
