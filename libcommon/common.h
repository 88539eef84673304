/* The one header applets include: configuration, libc basics and every small libcommon
 * module that has no heavy dependencies. */
#ifndef GATEBOX_COMMON_H
#define GATEBOX_COMMON_H

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opt.h"
#include "paths.h"
#include "str.h"
#include "xfuncs.h"

#endif
