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
#include <mbedtls/constant_time.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <string.h>

#if defined(__x86_64__)
#include "tls_ifma.h"

static int ifma_on = -1; /* -1 not decided, 0 off, 1 on */

/* a modulus in tls_ifma.c's form */
struct prepared_mod {
	unsigned char mod[1024] __attribute__((aligned(64)));
	uint64_t limbs[48]; /* the modulus itself, for the cache's lookup */
	size_t nl;
	int n;
};

struct prepared {
	const struct prepared_mod *pm;
	struct prepared_mod own; /* when it is not in the cache */
	ifma_num base;
};

/* Moduli already converted (R^2 mod m is a long division in mbedtls): socketd fills it with
 * its keys' primes and moduli when it loads them (tls_rsa_warm), so each connection's
 * process, a fork, starts with them; filled in turn, the oldest replaced */
#define CACHE_SLOTS 8
static struct prepared_mod cache[CACHE_SLOTS];
static unsigned cache_next;

static size_t limbs_used(const mbedtls_mpi *x)
{
	size_t nl = x->n;

	while (nl > 0 && x->p[nl - 1] == 0)
		nl--;
	return nl;
}

static int convert(struct prepared_mod *pm, const mbedtls_mpi *N)
{
	size_t bits = mbedtls_mpi_bitlen(N);
	ifma_num m, r2;
	mbedtls_mpi rr;
	int ret = -1;

	pm->n = tls_ifma_digits(bits);
	pm->nl = limbs_used(N);
	if (bits < 512 || pm->n < 0 || N->s < 0 || mbedtls_mpi_get_bit(N, 0) != 1 ||
	    tls_ifma_mod_size() > sizeof(pm->mod) || pm->nl > sizeof(pm->limbs) / 8)
		return -1;
	mbedtls_mpi_init(&rr);
	/* R^2 mod N, R = 2^(52n) */
	if (mbedtls_mpi_lset(&rr, 1) == 0 && mbedtls_mpi_shift_l(&rr, (size_t)pm->n * 104) == 0 &&
	    mbedtls_mpi_mod_mpi(&rr, &rr, N) == 0) {
		memcpy(pm->limbs, N->p, pm->nl * 8);
		tls_ifma_from_limbs(m, N->p, N->n, pm->n);
		tls_ifma_from_limbs(r2, rr.p, rr.n, pm->n);
		tls_ifma_mod_init(pm->mod, m, r2, pm->n);
		ret = 0;
	}
	mbedtls_mpi_free(&rr);
	return ret;
}

static const struct prepared_mod *cached(const mbedtls_mpi *N)
{
	size_t nl = limbs_used(N);

	for (int i = 0; i < CACHE_SLOTS; i++)
		/* constant time in the value: N may be a secret prime */
		if (cache[i].nl == nl && nl > 0 &&
		    mbedtls_ct_memcmp(cache[i].limbs, N->p, nl * 8) == 0)
			return &cache[i];
	return NULL;
}

static void cache_add(const mbedtls_mpi *N)
{
	struct prepared_mod *slot = &cache[cache_next % CACHE_SLOTS];

	if (cached(N))
		return;
	explicit_bzero(slot, sizeof(*slot));
	if (convert(slot, N) == 0)
		cache_next++;
	else
		explicit_bzero(slot, sizeof(*slot));
}

/* the modulus and the base (reduced mod N) as digits; -1 when IFMA does not take N */
static int prepare(struct prepared *p, const mbedtls_mpi *A, const mbedtls_mpi *N)
{
	mbedtls_mpi a;
	int ret = -1;

	p->pm = cached(N);
	if (!p->pm) {
		if (convert(&p->own, N) != 0)
			return -1;
		p->pm = &p->own;
	}
	mbedtls_mpi_init(&a);
	/* rsa.c gives the CRT halves T mod N */
	if (mbedtls_mpi_mod_mpi(&a, A, N) == 0) {
		tls_ifma_from_limbs(p->base, a.p, a.n, p->pm->n);
		ret = 0;
	}
	mbedtls_mpi_free(&a);
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
		b[s] = p[s].base, md[s] = p[s].pm->mod;
		e[s] = E[s]->p, enl[s] = E[s]->n;
		if (mbedtls_mpi_bitlen(E[s]) > bits)
			bits = mbedtls_mpi_bitlen(E[s]);
	}
	if (cnt == 2 ? p[0].pm->n != p[1].pm->n : p[0].pm->n <= IFMA_PAIRED_DIGITS)
		goto out;
	tls_ifma_exp(cnt, o, b, e, enl, bits, md);
	ret = 0;
	for (int s = 0; s < cnt && ret == 0; s++)
		ret = result(X[s], out[s], N[s], p[s].pm->n);
out:
	explicit_bzero(p, sizeof(p));
	explicit_bzero(out, sizeof(out));
	return ret;
}
#endif

#if defined(__x86_64__)
/* |A| mod N for N in the cache, by two Montgomery products: A = H*R + L (L below R), then
 * A = (H + L/R) * R mod N, and L/R mod N = amm(L, 1). 1 when not taken (nothing written). */
static int ifma_mod(mbedtls_mpi *X, const mbedtls_mpi *A, const mbedtls_mpi *N)
{
	static const ifma_num one = {1};
	const struct prepared_mod *pm;
	ifma_num h, l, sum;
	mbedtls_mpi hi;
	int ret;

	if (ifma_on < 0)
		tls_rsa_selftest();
	/* A below 2^(bits(N)-1) * R is below N*R, so H is below N */
	if (ifma_on != 1 || !(pm = cached(N)) ||
	    mbedtls_mpi_bitlen(A) > mbedtls_mpi_bitlen(N) - 1 + (size_t)pm->n * 52)
		return 1;
	mbedtls_mpi_init(&hi);
	ret = mbedtls_mpi_copy(&hi, A);
	if (ret == 0)
		ret = mbedtls_mpi_shift_r(&hi, (size_t)pm->n * 52);
	if (ret == 0) {
		uint64_t c = 0;

		tls_ifma_from_limbs(l, A->p, A->n, pm->n);
		tls_ifma_from_limbs(h, hi.p, hi.n, pm->n);
		tls_ifma_mul(l, l, one, pm->mod); /* L/R mod N, at most N */
		for (int j = 0; j < pm->n; j++) { /* H + L/R: below 2N + 1 */
			uint64_t x = h[j] + l[j] + c;

			sum[j] = x & ((1ULL << 52) - 1);
			c = x >> 52;
		}
		for (int j = pm->n; j < (int)(sizeof(sum) / sizeof(sum[0])); j++)
			sum[j] = 0;
		tls_ifma_mul(sum, sum, (const uint64_t *)(const void *)(pm->mod + IFMA_RR_OFFSET),
			     pm->mod);
		tls_ifma_reduce(sum, pm->mod);
		ret = result(X, sum, N, pm->n);
	}
	mbedtls_mpi_free(&hi);
	explicit_bzero(h, sizeof(h)), explicit_bzero(l, sizeof(l)),
		explicit_bzero(sum, sizeof(sum));
	return ret;
}
#endif

int gatebox_mpi_mod_mpi(mbedtls_mpi *X, const mbedtls_mpi *A, const mbedtls_mpi *N)
{
#if defined(__x86_64__)
	/* rsa.c's operands are positive but for one CRT difference (TP - TQ), which keeps
	 * mbedtls's sign handling */
	if (A->s > 0 && ifma_mod(X, A, N) == 0)
		return 0;
#endif
	return mbedtls_mpi_mod_mpi(X, A, N);
}

/* 2^(128 * limbs of N) mod N, for mbedtls's Montgomery multiplication (the unblinding) */
int gatebox_mpi_core_get_mont_r2_unsafe(mbedtls_mpi *X, const mbedtls_mpi *N)
{
	int ret = mbedtls_mpi_lset(X, 1);

	if (ret == 0)
		ret = mbedtls_mpi_shift_l(X, N->n * 2 * sizeof(mbedtls_mpi_uint) * 8);
	if (ret == 0)
		ret = gatebox_mpi_mod_mpi(X, X, N);
	if (ret == 0)
		ret = mbedtls_mpi_grow(X, N->n);
	return ret;
}

void tls_rsa_warm(const mbedtls_pk_context *pk)
{
#if defined(__x86_64__)
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA || !tls_rsa_selftest())
		return;
	const mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);

	cache_add(&rsa->P);
	cache_add(&rsa->Q);
	cache_add(&rsa->N);
#else
	(void)pk;
#endif
}

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

#if defined(__x86_64__)
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

#endif

bool tls_rsa_selftest(void)
{
#if defined(__x86_64__)
	/* an RSA-2048 CRT pair's sizes (1024- and 1023-bit moduli, blinded 1052-bit exponents,
	 * a 1200-bit base), against mbedtls */
	mbedtls_mpi m[2], a, e[2], want, got[2];
	mbedtls_mpi *x[2] = {&got[0], &got[1]};
	const mbedtls_mpi *ee[2] = {&e[0], &e[1]}, *nn[2] = {&m[0], &m[1]};
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	bool ok = false;

	if (ifma_on >= 0)
		return ifma_on;
	ifma_on = 0;
	if (!tls_ifma_usable())
		return false;
	mbedtls_mpi_init(&a), mbedtls_mpi_init(&want);
	for (int s = 0; s < 2; s++)
		mbedtls_mpi_init(&m[s]), mbedtls_mpi_init(&e[s]), mbedtls_mpi_init(&got[s]);
	if (fixed_number(&m[0], 1024, &state) || fixed_number(&m[1], 1023, &state) ||
	    fixed_number(&a, 1200, &state) || fixed_number(&e[0], 1052, &state) ||
	    fixed_number(&e[1], 1050, &state))
		goto out;
	ifma_on = 1;
	if (ifma_exp(2, x, &a, ee, nn) != 0)
		goto out;
	ok = true;
	for (int s = 0; s < 2; s++)
		ok = ok && mbedtls_mpi_exp_mod(&want, &a, &e[s], &m[s], NULL) == 0 &&
			mbedtls_mpi_cmp_mpi(&want, &got[s]) == 0;
out:
	ifma_on = ok;
	mbedtls_mpi_free(&a), mbedtls_mpi_free(&want);
	for (int s = 0; s < 2; s++)
		mbedtls_mpi_free(&m[s]), mbedtls_mpi_free(&e[s]), mbedtls_mpi_free(&got[s]);
	return ok;
#else
	return false;
#endif
}
