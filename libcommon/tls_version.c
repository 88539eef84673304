/* Which TLS library is linked in: asks mbedtls itself, so --version tells the truth. */
#include "common.h"
#include "tls.h"

#include <mbedtls/version.h>

const char *tls_library_version(void)
{
	static char buf[32];
	char v[18];

	mbedtls_version_get_string(v);
	str_printf(buf, sizeof(buf), "mbedtls %s", v);
	return buf;
}
