/* RSA's modular exponentiations, called from mbedtls's rsa.c (patched at build time by
 * scripts/patch-mbedtls-rsa; configs/mbedtls/gatebox_rsa_hooks.h): on a CPU with AVX-512
 * IFMA they run in tls_ifma.c, the two of the CRT at once; anywhere else, or for a modulus
 * it does not take, in mbedtls as before.
 *
 * The results are the same numbers either way (mbedtls still blinds the base and the
 * exponents, and checks every signature against the public key before it leaves);
 * tls_rsa_selftest compares the two once per process (socketd: at the first credentials
 * loaded, before any fork) and keeps mbedtls's if they ever differ. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* the primes of the context */
#include "common.h"
#include "tls.h"

#include "gatebox_rsa_hooks.h"

#include <mbedtls/bignum.h>
#include <mbedtls/rsa.h>

#include <string.h>

#if defined(__x86_64__)
#include "tls_ifma.h"

static int ifma_on = -1; /* -1 not decided, 0 off, 1 on */

struct prepared {
	unsigned char mod[1024] __attribute__((aligned(64)));
	ifma_num base;
	int n;
};

/* the modulus and the base (reduced mod N) as digits; -1 when IFMA does not take N */
static int prepare(struct prepared *p, const mbedtls_mpi *A, const mbedtls_mpi *N)
{
	size_t bits = mbedtls_mpi_bitlen(N);
	mbedtls_mpi rr, a;
	ifma_num m, r2;
	int ret = -1;

	p->n = tls_ifma_digits(bits);
	if (bits < 512 || p->n < 0 || N->s < 0 || mbedtls_mpi_get_bit(N, 0) != 1 ||
	    tls_ifma_mod_size() > sizeof(p->mod))
		return -1;
	mbedtls_mpi_init(&rr);
	mbedtls_mpi_init(&a);
	/* R^2 mod N, R = 2^(52n); the base reduced (rsa.c gives the CRT halves T mod N) */
	if (mbedtls_mpi_lset(&rr, 1) == 0 && mbedtls_mpi_shift_l(&rr, (size_t)p->n * 104) == 0 &&
	    mbedtls_mpi_mod_mpi(&rr, &rr, N) == 0 && mbedtls_mpi_mod_mpi(&a, A, N) == 0) {
		tls_ifma_from_limbs(m, N->p, N->n, p->n);
		tls_ifma_from_limbs(r2, rr.p, rr.n, p->n);
		tls_ifma_mod_init(p->mod, m, r2, p->n);
		tls_ifma_from_limbs(p->base, a.p, a.n, p->n);
		ret = 0;
	}
	mbedtls_mpi_free(&a);
	mbedtls_mpi_free(&rr);
	return ret;
}

static int result(mbedtls_mpi *X, const uint64_t *d, const mbedtls_mpi *N, int n)
{
	int ret = mbedtls_mpi_grow(X, N->n);

	if (ret == 0) {
		tls_ifma_to_limbs(X->p, X->n, d, n);
		X->s = 1;
	}
	return ret;
}

/* cnt exponentiations on IFMA, or 1 (not taken: nothing written) */
static int ifma_exp(int cnt, mbedtls_mpi *X[2], const mbedtls_mpi *A, const mbedtls_mpi *E[2],
		    const mbedtls_mpi *N[2])
{
	static struct prepared p[2];
	ifma_num out[2];
	uint64_t *o[2] = {out[0], out[1]};
	const uint64_t *b[2], *e[2];
	const void *md[2];
	size_t enl[2] = {0, 0}, bits = 0;
	int ret = 1;

	if (ifma_on < 0)
		tls_rsa_selftest();
	if (ifma_on == 0)
		return 1;
	for (int s = 0; s < cnt; s++) {
		if (E[s]->s < 0 || prepare(&p[s], A, N[s]) != 0)
			goto out;
		b[s] = p[s].base, md[s] = p[s].mod;
		e[s] = E[s]->p, enl[s] = E[s]->n;
		if (mbedtls_mpi_bitlen(E[s]) > bits)
			bits = mbedtls_mpi_bitlen(E[s]);
	}
	if (cnt == 2 && p[0].n != p[1].n)
		goto out;
	tls_ifma_exp(cnt, o, b, e, enl, bits, md);
	ret = 0;
	for (int s = 0; s < cnt && ret == 0; s++)
		ret = result(X[s], out[s], N[s], p[s].n);
out:
	explicit_bzero(p, sizeof(p));
	explicit_bzero(out, sizeof(out));
	return ret;
}
#endif

int gatebox_mpi_exp_mod(mbedtls_mpi *X, const mbedtls_mpi *A, const mbedtls_mpi *E,
			const mbedtls_mpi *N, mbedtls_mpi *prec_RR)
{
#if defined(__x86_64__)
	mbedtls_mpi *x[2] = {X, NULL};
	const mbedtls_mpi *e[2] = {E, NULL}, *n[2] = {N, NULL};
	int ret = ifma_exp(1, x, A, e, n);

	if (ret != 1)
		return ret;
#endif
	return mbedtls_mpi_exp_mod(X, A, E, N, prec_RR);
}

int gatebox_rsa_crt_exp(mbedtls_mpi *TP, mbedtls_mpi *TQ, const mbedtls_mpi *T,
			const mbedtls_mpi *DP, const mbedtls_mpi *DQ, mbedtls_rsa_context *ctx)
{
	int ret;

#if defined(__x86_64__)
	mbedtls_mpi *x[2] = {TP, TQ};
	const mbedtls_mpi *e[2] = {DP, DQ}, *n[2] = {&ctx->P, &ctx->Q};

	ret = ifma_exp(2, x, T, e, n);
	if (ret != 1)
		return ret;
#endif
	ret = mbedtls_mpi_exp_mod(TP, T, DP, &ctx->P, &ctx->RP);
	if (ret == 0)
		ret = mbedtls_mpi_exp_mod(TQ, T, DQ, &ctx->Q, &ctx->RQ);
	return ret;
}

/* a number of that many bits from a fixed sequence (xorshift), odd, top bit set */
static int fixed_number(mbedtls_mpi *x, size_t bits, uint64_t *state)
{
	unsigned char buf[256];
	size_t len = (bits + 7) / 8;

	for (size_t i = 0; i < len; i++) {
		*state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
		buf[i] = (unsigned char)(*state >> 24);
	}
	buf[0] |= 0x80;
	buf[len - 1] |= 1;
	return mbedtls_mpi_read_binary(x, buf, len);
}

bool tls_rsa_selftest(void)
{
#if defined(__x86_64__)
	/* an RSA-2048 CRT pair's sizes (1024-bit moduli, blinded 1052-bit exponents), a
	 * 2048-bit public check, and the pair with two different moduli */
	mbedtls_mpi m[2], a, e[2], want[2], got[2], big;
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	bool ok = false;

	if (ifma_on >= 0)
		return ifma_on;
	ifma_on = 0;
	if (!tls_ifma_usable())
		return false;
	mbedtls_mpi_init(&a), mbedtls_mpi_init(&big);
	for (int s = 0; s < 2; s++) {
		mbedtls_mpi_init(&m[s]), mbedtls_mpi_init(&e[s]);
		mbedtls_mpi_init(&want[s]), mbedtls_mpi_init(&got[s]);
	}
	if (fixed_number(&m[0], 1024, &state) || fixed_number(&m[1], 1023, &state) ||
	    fixed_number(&a, 1200, &state) || fixed_number(&e[0], 1052, &state) ||
	    fixed_number(&e[1], 1050, &state) || fixed_number(&big, 2048, &state))
		goto out;
	ifma_on = 1;
	mbedtls_mpi *x[2] = {&got[0], &got[1]};
	const mbedtls_mpi *ee[2] = {&e[0], &e[1]}, *nn[2] = {&m[0], &m[1]};
	if (ifma_exp(2, x, &a, ee, nn) != 0)
		goto out;
	for (int s = 0; s < 2; s++)
		if (mbedtls_mpi_exp_mod(&want[s], &a, &e[s], &m[s], NULL) != 0 ||
		    mbedtls_mpi_cmp_mpi(&want[s], &got[s]) != 0)
			goto out;
	/* 65537 mod a 2048-bit number: the single path, a short exponent's window */
	if (mbedtls_mpi_lset(&e[0], 65537) || gatebox_mpi_exp_mod(&got[0], &a, &e[0], &big, NULL) ||
	    mbedtls_mpi_exp_mod(&want[0], &a, &e[0], &big, NULL) ||
	    mbedtls_mpi_cmp_mpi(&want[0], &got[0]) != 0)
		goto out;
	ok = true;
out:
	ifma_on = ok;
	mbedtls_mpi_free(&a), mbedtls_mpi_free(&big);
	for (int s = 0; s < 2; s++) {
		mbedtls_mpi_free(&m[s]), mbedtls_mpi_free(&e[s]);
		mbedtls_mpi_free(&want[s]), mbedtls_mpi_free(&got[s]);
	}
	return ok;
#else
	return false;
#endif
}
