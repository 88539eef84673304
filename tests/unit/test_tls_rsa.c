/* RSA's exponentiations (libcommon/tls_rsa.c, tls_ifma.c) against mbedtls's own
 * mbedtls_mpi_exp_mod: odd moduli of 512 to 2,442 bits, bases below, at and above the
 * modulus, exponents 0, 1, 2, 65537 and long ones, single and CRT pairs (same and different
 * digit counts). Numbers from a fixed xorshift sequence, so a failure repeats. On a CPU
 * without AVX-512 IFMA (or a build without TLS) the IFMA path is reported skipped: the
 * comparisons still run, through mbedtls on both sides. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "harness.h"

#include "config.h"

#if ENABLE_TLS
#include "gatebox_rsa_hooks.h"
#include "tls.h"
#if defined(__x86_64__)
#include "tls_ifma.h"
#endif

#include <mbedtls/bignum.h>
#include <mbedtls/rsa.h>

#include <stdint.h>

static uint64_t state = 0x2545f4914f6cdd1dULL;

static unsigned char next_byte(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (unsigned char)(state >> 32);
}

/* bits long (top bit set), odd when asked */
static void number(mbedtls_mpi *x, size_t bits, int odd)
{
	unsigned char buf[600];
	size_t len = (bits + 7) / 8;

	for (size_t i = 0; i < len; i++)
		buf[i] = next_byte();
	buf[0] &= (unsigned char)(0xff >> (len * 8 - bits));
	buf[0] |= (unsigned char)(0x80 >> (len * 8 - bits));
	if (odd)
		buf[len - 1] |= 1;
	mbedtls_mpi_read_binary(x, buf, len);
}

static int same_as_mbedtls(const mbedtls_mpi *a, const mbedtls_mpi *e, const mbedtls_mpi *n)
{
	mbedtls_mpi want, got;
	int ok;

	mbedtls_mpi_init(&want), mbedtls_mpi_init(&got);
	ok = mbedtls_mpi_exp_mod(&want, a, e, n, NULL) == 0 &&
	     gatebox_mpi_exp_mod(&got, a, e, n, NULL) == 0 && mbedtls_mpi_cmp_mpi(&want, &got) == 0;
	mbedtls_mpi_free(&want), mbedtls_mpi_free(&got);
	return ok;
}

static int pair_as_mbedtls(size_t pbits, size_t qbits, size_t ebits)
{
	mbedtls_rsa_context ctx;
	mbedtls_mpi t, dp, dq, tp, tq, wp, wq;
	int ok;

	mbedtls_rsa_init(&ctx);
	mbedtls_mpi_init(&t), mbedtls_mpi_init(&dp), mbedtls_mpi_init(&dq);
	mbedtls_mpi_init(&tp), mbedtls_mpi_init(&tq), mbedtls_mpi_init(&wp), mbedtls_mpi_init(&wq);
	number(&ctx.P, pbits, 1), number(&ctx.Q, qbits, 1);
	number(&t, pbits + qbits - 1, 0);
	number(&dp, ebits, 0), number(&dq, ebits - 3, 0);
	ok = gatebox_rsa_crt_exp(&tp, &tq, &t, &dp, &dq, &ctx) == 0 &&
	     mbedtls_mpi_exp_mod(&wp, &t, &dp, &ctx.P, NULL) == 0 &&
	     mbedtls_mpi_exp_mod(&wq, &t, &dq, &ctx.Q, NULL) == 0 &&
	     mbedtls_mpi_cmp_mpi(&tp, &wp) == 0 && mbedtls_mpi_cmp_mpi(&tq, &wq) == 0;
	mbedtls_mpi_free(&t), mbedtls_mpi_free(&dp), mbedtls_mpi_free(&dq);
	mbedtls_mpi_free(&tp), mbedtls_mpi_free(&tq), mbedtls_mpi_free(&wp), mbedtls_mpi_free(&wq);
	mbedtls_rsa_free(&ctx);
	return ok;
}

int main(void)
{
	static const size_t sizes[] = {512, 513, 1023, 1024, 1025, 1536, 2047, 2048, 2049, 2442, 2443, 3072};
	mbedtls_mpi a, e, n;
	char what[128];

	UNIT_MODULE("tls_rsa");
#if defined(__x86_64__)
	/* a CPU with IFMA whose results differ from mbedtls's would quietly fall back */
	if (tls_ifma_usable())
		CHECK("IFMA self-test passes on this IFMA CPU", tls_rsa_selftest());
#endif
	if (!tls_rsa_selftest())
		printf("SKIP: unit/tls_rsa: IFMA exponentiation (no AVX-512 IFMA here): mbedtls on both sides\n");
	mbedtls_mpi_init(&a), mbedtls_mpi_init(&e), mbedtls_mpi_init(&n);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ok = 1;

		for (int round = 0; round < 6 && ok; round++) {
			number(&n, sizes[i], 1);
			number(&a, sizes[i] + (round % 3 == 0 ? 40 : -8), 0);
			number(&e, round < 2 ? sizes[i] + 28 : 40 + (size_t)round * 7, 0);
			ok = same_as_mbedtls(&a, &e, &n);
		}
		/* short and special exponents, special bases */
		for (int x = 0; x < 4 && ok; x++) {
			static const int small[] = {0, 1, 2, 65537};
			mbedtls_mpi_lset(&e, small[x]);
			ok = same_as_mbedtls(&a, &e, &n);
		}
		number(&e, 300, 0);
		ok = ok && mbedtls_mpi_lset(&a, 0) == 0 && same_as_mbedtls(&a, &e, &n);
		ok = ok && mbedtls_mpi_lset(&a, 1) == 0 && same_as_mbedtls(&a, &e, &n);
		ok = ok && mbedtls_mpi_sub_int(&a, &n, 1) == 0 && same_as_mbedtls(&a, &e, &n);
		ok = ok && mbedtls_mpi_copy(&a, &n) == 0 && same_as_mbedtls(&a, &e, &n);
		snprintf(what, sizeof(what), "a^e mod n, %zu-bit n, as mbedtls", sizes[i]);
		CHECK(what, ok);
	}
	for (int r = 0; r < 4; r++) {
		CHECK("CRT pair, 1024-bit primes, 1052-bit exponents", pair_as_mbedtls(1024, 1024, 1052));
		CHECK("CRT pair, 1536-bit primes", pair_as_mbedtls(1536, 1536, 1564));
	}
	CHECK("CRT pair, primes of different digit counts", pair_as_mbedtls(1024, 1100, 1052));
	CHECK("CRT pair, a prime too large for IFMA", pair_as_mbedtls(1024, 2600, 1052));
	mbedtls_mpi_free(&a), mbedtls_mpi_free(&e), mbedtls_mpi_free(&n);
	return unit_done();
}
#else
int main(void)
{
	printf("SKIP: unit/tls_rsa: built without TLS\n");
	return 0;
}
#endif
