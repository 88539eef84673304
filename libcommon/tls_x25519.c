/* X25519's scalar multiplication for mbedtls (its ecp_mul_mxz, which
 * scripts/patch-mbedtls-ecp points here on 64-bit targets, those with unsigned __int128;
 * MBEDTLS_ECP_INTERNAL_ALT, set in gatebox_mbedtls_config.h, for the group hooks that
 * tls_p256.c shares).
 *
 * Why: X25519 is the group OpenSSL, browsers and curl offer first, and mbedtls computes it on
 * its generic bignums (a multiplication, then a reduction, each with allocations and
 * length bookkeeping): 0.45 ms per scalar multiplication here, two per handshake on the
 * server's path (our key share, the shared secret), against 0.03 ms in OpenSSL. Hooking only
 * the ladder step took that to 0.15 ms, most of it converting to and from mbedtls's bignums
 * at every step; the whole ladder here takes 0.06. RFC 7748's Montgomery ladder in radix
 * 2^51 (five 64-bit limbs, 128-bit products: curve25519-donna-c64's representation), the
 * inversion by the usual addition chain. mbedtls has checked the scalar (clamped) and the
 * point before; no coordinate randomisation is needed as nothing branches or indexes on a
 * secret (the ladder's swaps are by mask); the output is fully reduced, as mbedtls's is, and
 * a result at infinity (a low-order point) is refused as mbedtls refuses it.
 * Checked against RFC 7748's vectors by tests/unit/test_tls_x25519.c; every process that
 * loads a TLS unit checks the first of them once (tls_x25519_selftest), so a miscompiled
 * build refuses TLS instead of failing handshakes at random. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "common.h"

#include "tls.h"

#include "gatebox_ecp_hooks.h"

#include <mbedtls/ecp.h>
#include <mbedtls/psa_util.h>

#if defined(MBEDTLS_ECP_INTERNAL_ALT)

#include <stdint.h>

typedef uint64_t fe[5];
typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

_Static_assert(sizeof(mbedtls_mpi_uint) == 8, "64-bit mpi limbs");

/* mbedtls's library/ecp_internal_alt.h, which is not among its public headers */
unsigned char mbedtls_internal_ecp_grp_capable(const mbedtls_ecp_group *grp);
int mbedtls_internal_ecp_init(const mbedtls_ecp_group *grp);
void mbedtls_internal_ecp_free(const mbedtls_ecp_group *grp);

static uint64_t limb(const mbedtls_mpi *x, size_t i)
{
	return i < x->n ? x->p[i] : 0;
}

/* an mpi in [0, 2^256) into radix 2^51 (the top limb may hold 53 bits: mul copes) */
static void fe_load(fe h, const mbedtls_mpi *x)
{
	uint64_t l0 = limb(x, 0), l1 = limb(x, 1), l2 = limb(x, 2), l3 = limb(x, 3);

	h[0] = l0 & MASK51;
	h[1] = (l0 >> 51 | l1 << 13) & MASK51;
	h[2] = (l1 >> 38 | l2 << 26) & MASK51;
	h[3] = (l2 >> 25 | l3 << 39) & MASK51;
	h[4] = l3 >> 12;
}

/* limbs 0..3 down to 51 bits, their excess into the next */
static void fe_ripple(fe h)
{
	for (int i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= MASK51;
	}
}

/* fully reduced into [0, p), as four mpi limbs */
static int fe_store(mbedtls_mpi *x, const fe f)
{
	fe h = {f[0], f[1], f[2], f[3], f[4]};
	uint64_t q;
	int ret;

	for (int pass = 0; pass < 2; pass++) {
		fe_ripple(h);
		h[0] += 19 * (h[4] >> 51); /* 2^255 = 19 */
		h[4] &= MASK51;
	}
	fe_ripple(h); /* every limb below 2^51 now, but h[4] may be 2^51: h < 2^255 + 19 */
	q = (h[0] + 19) >> 51;
	for (int i = 1; i < 5; i++)
		q = (h[i] + q) >> 51; /* 1 iff h + 19 >= 2^255, that is h >= p */
	h[0] += 19 * q;
	fe_ripple(h);
	h[4] &= MASK51; /* h + 19 - 2^255 = h - p, or h */
	if ((ret = mbedtls_mpi_grow(x, 4)) != 0)
		return ret;
	x->s = 1;
	x->p[0] = h[0] | h[1] << 51;
	x->p[1] = h[1] >> 13 | h[2] << 38;
	x->p[2] = h[2] >> 26 | h[3] << 25;
	x->p[3] = h[3] >> 39 | h[4] << 12;
	for (size_t i = 4; i < x->n; i++)
		x->p[i] = 0;
	return 0;
}

static void fe_add(fe h, const fe f, const fe g)
{
	for (int i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
}

/* f - g + 4p: no limb goes negative for inputs of limbs below 2^53 */
static void fe_sub(fe h, const fe f, const fe g)
{
	h[0] = f[0] + (UINT64_C(0x1fffffffffffb4) - g[0]);
	for (int i = 1; i < 5; i++)
		h[i] = f[i] + (UINT64_C(0x1ffffffffffffc) - g[i]);
}

/* the 128-bit columns t (each below 2^115) carried into h's limbs (below 2^52), what passes
 * 2^255 back in times 19 */
static inline __attribute__((always_inline)) void fe_carry(fe h, u128 t0, u128 t1, u128 t2, u128 t3,
							   u128 t4)
{
	t1 += (uint64_t)(t0 >> 51);
	t2 += (uint64_t)(t1 >> 51);
	t3 += (uint64_t)(t2 >> 51);
	t4 += (uint64_t)(t3 >> 51);
	h[0] = ((uint64_t)t0 & MASK51) + 19 * (uint64_t)(t4 >> 51);
	h[1] = ((uint64_t)t1 & MASK51) + (h[0] >> 51);
	h[0] &= MASK51;
	h[2] = (uint64_t)t2 & MASK51;
	h[3] = (uint64_t)t3 & MASK51;
	h[4] = (uint64_t)t4 & MASK51;
}

/* h = f * g (curve25519-donna-c64's schoolbook product): limbs of f and g below 2^54, so
 * each 128-bit column (its products that wrapped past 2^255 taken times 19) stays below
 * 2^115; h's limbs end below 2^52. Not inlined: one copy serves the whole ladder. */
static __attribute__((noinline)) void fe_mul(fe h, const fe f, const fe g)
{
	const uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
	const uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
	const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;

	fe_carry(h,
		 (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 +
			 (u128)f4 * g1_19,
		 (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 +
			 (u128)f4 * g2_19,
		 (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 +
			 (u128)f4 * g3_19,
		 (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19,
		 (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0);
}

static void fe_mul_small(fe h, const fe f, uint64_t k)
{
	u128 t = 0;

	for (int i = 0; i < 5; i++) {
		t = (u128)f[i] * k + (uint64_t)(t >> 51);
		h[i] = (uint64_t)t & MASK51;
	}
	h[0] += 19 * (uint64_t)(t >> 51);
}

/* h = f^2: fe_mul's product with the symmetric terms taken once, doubled (15 products of
 * 25); same bounds */
static __attribute__((noinline)) void fe_sq(fe h, const fe f)
{
	const uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
	const uint64_t d0 = 2 * f0, d1 = 2 * f1, d2 = 38 * f2, f3_19 = 19 * f3, f4_19 = 19 * f4,
		       d4 = 2 * f4_19;

	fe_carry(h, (u128)f0 * f0 + (u128)d4 * f1 + (u128)d2 * f3,
		 (u128)d0 * f1 + (u128)d4 * f2 + (u128)f3 * f3_19,
		 (u128)d0 * f2 + (u128)f1 * f1 + (u128)d4 * f3,
		 (u128)d0 * f3 + (u128)d1 * f2 + (u128)f4 * f4_19,
		 (u128)d0 * f4 + (u128)d1 * f3 + (u128)f2 * f2);
}

/* swap f and g when bit is 1, by mask: no branch on the (secret) bit */
static void fe_cswap(fe f, fe g, uint64_t bit)
{
	const uint64_t mask = 0 - bit;

	for (int i = 0; i < 5; i++) {
		uint64_t x = mask & (f[i] ^ g[i]);

		f[i] ^= x;
		g[i] ^= x;
	}
}

/* h = z^-1 = z^(p - 2) = z^(2^255 - 21), 0 for 0: the usual chain of 254 squarings and 11
 * multiplications through z^(2^k - 1) for k = 5, 10, 20, 40, 50, 100, 200, 250, as a table
 * (a fifth of the code of the calls written out): each row squares one value sq times
 * and multiplies it by another (or by nothing) into a third */
static __attribute__((noinline)) void fe_invert(fe h, const fe z)
{
	enum { Z, Z2, Z9, Z11, Z5, Z10, Z20, Z50, Z100, T, NONE };
	static const struct {
		unsigned char sq, from, by, to;
	} chain[] = {
		{1, Z, NONE, Z2}, /* 2 */
		{2, Z2, Z, Z9}, /* 9 */
		{0, Z9, Z2, Z11}, /* 11 */
		{1, Z11, Z9, Z5}, /* 2^5 - 1 */
		{5, Z5, Z5, Z10}, /* 2^10 - 1 */
		{10, Z10, Z10, Z20}, /* 2^20 - 1 */
		{20, Z20, Z20, T}, /* 2^40 - 1 */
		{10, T, Z10, Z50}, /* 2^50 - 1 */
		{50, Z50, Z50, Z100}, /* 2^100 - 1 */
		{100, Z100, Z100, T}, /* 2^200 - 1 */
		{50, T, Z50, T}, /* 2^250 - 1 */
		{5, T, Z11, Z}, /* 2^255 - 21 (into Z, z's copy, no longer needed) */
	};
	fe v[NONE], w;

	memcpy(v[Z], z, sizeof(fe));
	for (size_t k = 0; k < sizeof(chain) / sizeof(chain[0]); k++) {
		memcpy(w, v[chain[k].from], sizeof(w));
		for (int i = 0; i < chain[k].sq; i++)
			fe_sq(w, w);
		if (chain[k].by == NONE)
			memcpy(v[chain[k].to], w, sizeof(w));
		else
			fe_mul(v[chain[k].to], w, v[chain[k].by]);
	}
	memcpy(h, v[Z], sizeof(fe));
	explicit_bzero(v, sizeof(v));
	explicit_bzero(w, sizeof(w));
}

/* every curve compiled in (MBEDTLS_ECP_NO_FALLBACK): P-256's hooks are tls_p256.c's */
unsigned char mbedtls_internal_ecp_grp_capable(const mbedtls_ecp_group *grp)
{
	return grp->id == MBEDTLS_ECP_DP_CURVE25519 || grp->id == MBEDTLS_ECP_DP_SECP256R1;
}

int mbedtls_internal_ecp_init(const mbedtls_ecp_group *grp)
{
	(void)grp;
	return 0;
}

void mbedtls_internal_ecp_free(const mbedtls_ecp_group *grp)
{
	(void)grp;
}

/* R = m*P on X25519, P's X its affine u (mbedtls's own ladder takes it so too: every point
 * it reads has Z = 1); the one Montgomery curve compiled in (no X448) */
int gatebox_ecp_mul_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
			const mbedtls_ecp_point *P)
{
	struct {
		fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb, t;
		uint64_t swap;
	} v = {.x2 = {1}, .z3 = {1}};
	int ret;

	if (grp->id != MBEDTLS_ECP_DP_CURVE25519)
		return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
	fe_load(v.x1, &P->X); /* before R is written: R may be P */
	memcpy(v.x3, v.x1, sizeof(v.x3));
	for (int i = (int)grp->nbits; i >= 0; i--) {
		const uint64_t bit = (limb(m, (size_t)i / 64) >> (i % 64)) & 1;

		v.swap ^= bit;
		fe_cswap(v.x2, v.x3, v.swap);
		fe_cswap(v.z2, v.z3, v.swap);
		v.swap = bit;
		fe_add(v.a, v.x2, v.z2);
		fe_sq(v.aa, v.a);
		fe_sub(v.b, v.x2, v.z2);
		fe_sq(v.bb, v.b);
		fe_sub(v.e, v.aa, v.bb);
		fe_add(v.c, v.x3, v.z3);
		fe_sub(v.d, v.x3, v.z3);
		fe_mul(v.da, v.d, v.a);
		fe_mul(v.cb, v.c, v.b);
		fe_add(v.t, v.da, v.cb);
		fe_sq(v.x3, v.t);
		fe_sub(v.t, v.da, v.cb);
		fe_sq(v.t, v.t);
		fe_mul(v.z3, v.x1, v.t);
		fe_mul(v.x2, v.aa, v.bb);
		fe_mul_small(v.t, v.e, 121665); /* (A - 2) / 4 */
		fe_add(v.t, v.t, v.aa);
		fe_mul(v.z2, v.e, v.t);
	}
	fe_cswap(v.x2, v.x3, v.swap);
	fe_cswap(v.z2, v.z3, v.swap);
	fe_invert(v.t, v.z2);
	fe_mul(v.x2, v.x2, v.t);
	ret = fe_store(&R->X, v.x2);
	if (ret == 0)
		ret = fe_store(&R->Z, v.z2);
	/* Z = 0: the point at infinity (P of low order), which mbedtls refuses */
	if (ret == 0)
		ret = mbedtls_mpi_cmp_int(&R->Z, 0) == 0 ? MBEDTLS_ERR_MPI_NOT_ACCEPTABLE
							 : mbedtls_mpi_lset(&R->Z, 1);
	mbedtls_mpi_free(&R->Y);
	explicit_bzero(&v, sizeof(v));
	return ret;
}

#endif

/* RFC 7748 5.2, the first vector: scalar, u, and the scalar times u, little-endian */
static const unsigned char kat[3][32] = {
	{0xa5, 0x46, 0xe3, 0x6b, 0xf0, 0x52, 0x7c, 0x9d, 0x3b, 0x16, 0x15,
	 0x4b, 0x82, 0x46, 0x5e, 0xdd, 0x62, 0x14, 0x4c, 0x0a, 0xc1, 0xfc,
	 0x5a, 0x18, 0x50, 0x6a, 0x22, 0x44, 0xba, 0x44, 0x9a, 0xc4},
	{0xe6, 0xdb, 0x68, 0x67, 0x58, 0x30, 0x30, 0xdb, 0x35, 0x94, 0xc1,
	 0xa4, 0x24, 0xb1, 0x5f, 0x7c, 0x72, 0x66, 0x24, 0xec, 0x26, 0xb3,
	 0x35, 0x3b, 0x10, 0xa9, 0x03, 0xa6, 0xd0, 0xab, 0x1c, 0x4c},
	{0xc3, 0xda, 0x55, 0x37, 0x9d, 0xe9, 0xc6, 0x90, 0x8e, 0x94, 0xea,
	 0x4d, 0xf2, 0x8d, 0x08, 0x4f, 0x32, 0xec, 0xcf, 0x03, 0x49, 0x1c,
	 0x71, 0xf7, 0x54, 0xb4, 0x07, 0x55, 0x77, 0xa2, 0x85, 0x52}};

bool tls_ecp_kat(int group, const unsigned char d[32], const unsigned char *u,
		 const unsigned char *want, size_t want_len)
{
	mbedtls_ecp_keypair k;
	mbedtls_ecp_point p;
	unsigned char out[65];
	size_t len;
	bool ok;

	mbedtls_ecp_keypair_init(&k);
	mbedtls_ecp_point_init(&p);
	ok = mbedtls_ecp_read_key((mbedtls_ecp_group_id)group, &k, d, 32) == 0 &&
		(u ? mbedtls_ecp_point_read_binary(&k.grp, &p, u, 32)
		   : mbedtls_ecp_copy(&p, &k.grp.G)) == 0 &&
		mbedtls_ecp_mul(&k.grp, &p, &k.d, &p, mbedtls_psa_get_random,
				MBEDTLS_PSA_RANDOM_STATE) == 0 &&
		mbedtls_ecp_point_write_binary(&k.grp, &p, MBEDTLS_ECP_PF_UNCOMPRESSED, &len, out,
					       sizeof(out)) == 0 &&
		len == want_len && memcmp(out, want, len) == 0;
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_keypair_free(&k);
	return ok;
}

bool tls_x25519_selftest(void)
{
	return tls_ecp_kat(MBEDTLS_ECP_DP_CURVE25519, kat[0], kat[1], kat[2], 32);
}
