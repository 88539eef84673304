/* What the parts of atq-lite share: the front ends (atq-lite.c), atd (atd.c), the job
 * runner (runner.c) and the control socket (ctl.c). */
#ifndef GATEBOX_ATQ_LITE_H
#define GATEBOX_ATQ_LITE_H

#include "common.h"
#include "applet.h"

#include <time.h>

void at_iso8601(char *out, size_t size, time_t t);
_Noreturn void at_time_error(const char *err);
/* The due time of the operands or of -t (touch), or exit 1 with Debian's message. */
time_t at_parse_time(int argc, char **argv, const char *touch, time_t now);

#endif
