/* libFuzzer target: sd_notify datagrams (libcommon/notify.c). Every input parses or is
 * refused; a STATUS= value always lies inside the input. */
#include "common.h"
#include "notify.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_msg m;
	const char *buf = (const char *)data;

	if (notify_parse(buf, size, &m) == 0 && m.status &&
	    (m.status < buf || m.status + m.status_len > buf + size))
		abort();
	return 0;
}
