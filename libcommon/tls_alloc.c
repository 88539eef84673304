/* mbedtls's calloc and free (MBEDTLS_PLATFORM_CALLOC_MACRO, gatebox_mbedtls_config.h).
 * A handshake allocates and frees bignum temporaries by the thousand, and musl's allocator
 * gives a group back to the kernel as soon as its last block is free: measured, ~70 mmap +
 * page fault + munmap rounds per handshake and a tenth of its CPU in malloc. Once a
 * connection's process turns the cache on (tls_accept), freed blocks of up to 1 KiB stay on
 * a list per 16-byte class for the next calloc of that class; it lives as long as one
 * connection, so what it keeps is that connection's peak. socketd itself never caches. */
#include "common.h"
#include "tls.h"

#include <stdint.h>

#define CLASS_BYTES 16
#define CLASSES 64 /* 1 KiB: the bignums of RSA-4096 and below */

/* in front of every block: its class (0: larger, from and back to malloc) */
union head {
	size_t cls;
	max_align_t align;
};

static void *cache[CLASSES + 1];
static bool caching;

void tls_alloc_cache(void)
{
	caching = true;
}

void *tls_calloc(size_t n, size_t size)
{
	size_t len, cls;
	union head *h;

	if (size && n > (SIZE_MAX - sizeof(*h)) / size)
		return NULL;
	len = n * size;
	cls = (len + CLASS_BYTES - 1) / CLASS_BYTES;
	if (cls == 0)
		cls = 1;
	if (cls <= CLASSES) {
		len = cls * CLASS_BYTES;
		if ((h = cache[cls]) != NULL) {
			cache[cls] = *(void **)(h + 1);
			return memset(h + 1, 0, len);
		}
	} else {
		cls = 0;
	}
	if (!(h = calloc(1, sizeof(*h) + len)))
		return NULL;
	h->cls = cls;
	return h + 1;
}

void tls_free(void *p)
{
	union head *h;

	if (!p)
		return;
	h = (union head *)p - 1;
	if (caching && h->cls) {
		*(void **)p = cache[h->cls];
		cache[h->cls] = h;
	} else {
		free(h);
	}
}
