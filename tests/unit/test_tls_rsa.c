/* RSA's exponentiations (libcommon/tls_rsa.c, tls_ifma.c) against mbedtls's own
 * mbedtls_mpi_exp_mod: odd moduli of 512 to 3,072 bits, bases below, at and above the
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
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <stdint.h>

/* tls_ifma_digits where it exists: the fast reduction's operand limit */
static int tls_ifma_digits_for_test(size_t bits)
{
#if defined(__x86_64__)
	return tls_ifma_digits(bits) > 0 ? tls_ifma_digits(bits) : 0;
#else
	int n = (int)((bits + 2 + 51) / 52), nv = (n + 3) / 4;

	return nv == 5 || nv == 10 ? n : 0;
#endif
}

static uint64_t state = 0x2545f4914f6cdd1dULL;

static unsigned char next_byte(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (unsigned char)(state >> 32);
}

/* bits long (top bit set), odd when asked */
static void number(mbedtls_mpi *x, size_t bits, int odd)
{
	unsigned char buf[1024];
	size_t len = (bits + 7) / 8;

	if (len > sizeof(buf)) {
		printf("FAIL: unit/tls_rsa: test number of %zu bits is too long\n", bits);
		len = sizeof(buf), bits = len * 8, unit_failed++;
	}
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
		gatebox_mpi_exp_mod(&got, a, e, n, NULL) == 0 &&
		mbedtls_mpi_cmp_mpi(&want, &got) == 0;
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

/* (x*y) mod n, r2 and edge values, through the cache of converted moduli (a key's primes
 * and modulus, as socketd warms it) and without it */
static void check_mod(size_t pbits)
{
	mbedtls_pk_context pk;
	mbedtls_rsa_context *rsa;
	mbedtls_mpi x, y, want, got;
	char what[128];
	int ok = 1;

	mbedtls_pk_init(&pk);
	mbedtls_mpi_init(&x), mbedtls_mpi_init(&y), mbedtls_mpi_init(&want), mbedtls_mpi_init(&got);
	mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
	rsa = mbedtls_pk_rsa(pk);
	number(&rsa->P, pbits, 1), number(&rsa->Q, pbits, 1);
	mbedtls_mpi_mul_mpi(&rsa->N, &rsa->P, &rsa->Q);
	tls_rsa_warm(&pk);
	const mbedtls_mpi *mods[] = {&rsa->N, &rsa->P, &rsa->Q};
	for (int m = 0; m < 3; m++) {
		const mbedtls_mpi *n = mods[m];
		size_t bits = mbedtls_mpi_bitlen(n);

		for (int r = 0; r < 8 && ok; r++) {
			number(&x, bits - 1, 0), number(&y, bits - (size_t)r, 0);
			mbedtls_mpi_mul_mpi(&x, &x, &y);
			if (r == 5) /* at the fast path's limit, and one past it */
				number(&x, bits - 1 + (size_t)tls_ifma_digits_for_test(bits) * 52,
				       0);
			if (r == 6)
				number(&x, bits + (size_t)tls_ifma_digits_for_test(bits) * 52, 0);
			if (r == 7)
				mbedtls_mpi_lset(&x, 0);
			if (r == 4) /* n itself: the Montgomery steps leave n, the last one 0 */
				mbedtls_mpi_copy(&x, n);
			ok = mbedtls_mpi_mod_mpi(&want, &x, n) == 0 &&
				gatebox_mpi_mod_mpi(&got, &x, n) == 0 &&
				mbedtls_mpi_cmp_mpi(&want, &got) == 0;
		}
		/* a negative operand (the CRT difference) */
		number(&x, bits + 100, 0);
		x.s = -1;
		ok = ok && mbedtls_mpi_mod_mpi(&want, &x, n) == 0 &&
			gatebox_mpi_mod_mpi(&got, &x, n) == 0 &&
			mbedtls_mpi_cmp_mpi(&want, &got) == 0;
		/* 2^(128 limbs) mod n */
		ok = ok && mbedtls_mpi_lset(&want, 1) == 0 &&
			mbedtls_mpi_shift_l(&want, n->n * 2 * sizeof(mbedtls_mpi_uint) * 8) == 0 &&
			mbedtls_mpi_mod_mpi(&want, &want, n) == 0 &&
			gatebox_mpi_core_get_mont_r2_unsafe(&got, n) == 0 &&
			mbedtls_mpi_cmp_mpi(&want, &got) == 0;
	}
	snprintf(what, sizeof(what), "x mod n as mbedtls, %zu-bit primes and their product", pbits);
	CHECK(what, ok);
	mbedtls_mpi_free(&x), mbedtls_mpi_free(&y), mbedtls_mpi_free(&want), mbedtls_mpi_free(&got);
	mbedtls_pk_free(&pk);
}

int main(void)
{
	/* around IFMA's two instances' edges (830/831 and 1,038/1,039 bits; 1,870/1,871 and
	 * 2,078/2,079) and RSA-2048's sizes */
	static const size_t sizes[] = {512,  513,  830,	 831,  1023, 1024, 1025, 1038, 1039, 1536,
				       1870, 1871, 2047, 2048, 2049, 2078, 2079, 2442, 3072};
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
		CHECK("CRT pair, 1024-bit primes, 1052-bit exponents",
		      pair_as_mbedtls(1024, 1024, 1052));
		CHECK("CRT pair, 1536-bit primes (mbedtls)", pair_as_mbedtls(1536, 1536, 1564));
		CHECK("CRT pair, 2048-bit primes (one after the other)",
		      pair_as_mbedtls(2048, 2048, 2076));
	}
	check_mod(1024);
	check_mod(1536);
	check_mod(2048);
	check_mod(1100);
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
