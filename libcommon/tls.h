/* The mbedtls wrapper. With CONFIG_TLS=n every entry point is a stub and no mbedtls code
 * is compiled or linked (libcommon/tls*.c are built only with CONFIG_TLS=y). */
#ifndef GATEBOX_TLS_H
#define GATEBOX_TLS_H

#include "config.h"

#if ENABLE_TLS
/* "mbedtls 3.6.6": the library's own version string, for --version. */
const char *tls_library_version(void);
#else
static inline const char *tls_library_version(void)
{
	return 0;
}
#endif

#endif
