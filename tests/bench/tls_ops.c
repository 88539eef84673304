/* Benchmark: the private-key operations of a TLS server's handshake through gatebox's
 * mbedtls, as socketd does them, for tests/bench/tls_ops.sh to set beside `openssl speed`:
 *   tls_ops rsa KEY.pem COUNT   RSA signatures (SHA-256, PKCS#1 v1.5; libcommon/tls_rsa.c,
 *                               IFMA where the CPU has it)
 *   tls_ops x25519 COUNT        X25519 shared secrets (one scalar multiplication, as
 *                               `openssl speed ecdhx25519` derives; libcommon/tls_x25519.c)
 * COUNT at most 100,000, after 20 warm-up operations; prints "ops/s N" and "ms/op N".
 * Asserts nothing; exit 1 on a bad key or a failed operation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if ENABLE_TLS
#include "tls.h"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <psa/crypto.h>

#include <sys/random.h>
#include <time.h>

static int fill_random(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	while (len > 0) {
		ssize_t got = getrandom(out, len, 0);

		if (got < 0)
			return -1;
		out += got, len -= (size_t)got;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* COUNT operations of op(ctx), after 20 unmeasured ones */
static int measure(int (*op)(void *), void *ctx, long count)
{
	double start = 0;

	for (long i = -20; i < count; i++) {
		if (i == 0)
			start = now_s();
		if (op(ctx) != 0) {
			fprintf(stderr, "tls_ops: operation failed\n");
			return 1;
		}
	}
	double secs = now_s() - start;
	printf("ops/s %.1f\nms/op %.4f\n", (double)count / secs, secs * 1000 / (double)count);
	return 0;
}

static int rsa_sign(void *ctx)
{
	unsigned char hash[32] = {1, 2, 3}, sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t siglen;

	return mbedtls_pk_sign(ctx, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig),
			       &siglen, fill_random, NULL);
}

static int rsa(const char *path, long count)
{
	static unsigned char pem[16384];
	mbedtls_pk_context pk;
	FILE *f = fopen(path, "r");
	size_t len = f ? fread(pem, 1, sizeof(pem) - 1, f) : 0;
	int ret;

	if (f)
		fclose(f);
	pem[len] = 0; /* mbedtls takes PEM with its NUL */
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_key(&pk, pem, len + 1, NULL, 0, fill_random, NULL) != 0 ||
	    mbedtls_pk_get_type(&pk) != MBEDTLS_PK_RSA) {
		fprintf(stderr, "tls_ops: %s: not an RSA key\n", path);
		return 1;
	}
	if (!tls_rsa_selftest())
		fprintf(stderr, "tls_ops: no IFMA exponentiation here: mbedtls's own\n");
	tls_rsa_warm(&pk);
	ret = measure(rsa_sign, &pk, count);
	mbedtls_pk_free(&pk);
	return ret;
}

struct exchange {
	mbedtls_ecp_group grp;
	mbedtls_mpi d;
	mbedtls_ecp_point peer, shared;
};

static int x25519_derive(void *ctx)
{
	struct exchange *x = ctx;

	return mbedtls_ecp_mul(&x->grp, &x->shared, &x->d, &x->peer, fill_random, NULL);
}

static int x25519(long count)
{
	struct exchange x;
	mbedtls_mpi peer_d;
	int ret;

	mbedtls_ecp_group_init(&x.grp), mbedtls_mpi_init(&x.d), mbedtls_mpi_init(&peer_d);
	mbedtls_ecp_point_init(&x.peer), mbedtls_ecp_point_init(&x.shared);
	ret = mbedtls_ecp_group_load(&x.grp, MBEDTLS_ECP_DP_CURVE25519) != 0 ||
		mbedtls_ecp_gen_keypair(&x.grp, &x.d, &x.shared, fill_random, NULL) != 0 ||
		mbedtls_ecp_gen_keypair(&x.grp, &peer_d, &x.peer, fill_random, NULL) != 0;
	ret = ret ? 1 : measure(x25519_derive, &x, count);
	mbedtls_ecp_group_free(&x.grp), mbedtls_mpi_free(&x.d), mbedtls_mpi_free(&peer_d);
	mbedtls_ecp_point_free(&x.peer), mbedtls_ecp_point_free(&x.shared);
	return ret;
}

int main(int argc, char **argv)
{
	long count = strtol(argv[argc - 1], NULL, 10);

	if (argc < 3 || count < 1 || count > 100000) {
		fprintf(stderr, "usage: tls_ops rsa KEY.pem COUNT | tls_ops x25519 COUNT\n");
		return 2;
	}
	psa_crypto_init();
	if (argc == 4 && strcmp(argv[1], "rsa") == 0)
		return rsa(argv[2], count);
	if (argc == 3 && strcmp(argv[1], "x25519") == 0)
		return x25519(count);
	fprintf(stderr, "usage: tls_ops rsa KEY.pem COUNT | tls_ops x25519 COUNT\n");
	return 2;
}
#else
int main(void)
{
	fprintf(stderr, "tls_ops: built without TLS\n");
	return 1;
}
#endif
