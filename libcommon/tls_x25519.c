/* X25519's field arithmetic for mbedtls's Montgomery ladder (MBEDTLS_ECP_INTERNAL_ALT with
 * MBEDTLS_ECP_DOUBLE_ADD_MXZ_ALT and MBEDTLS_ECP_NORMALIZE_MXZ_ALT, set in
 * gatebox_mbedtls_config.h on 64-bit targets with unsigned __int128).
 *
 * Why: X25519 is the group OpenSSL, browsers and curl offer first, and mbedtls computes it on
 * its generic bignums (a multiplication, then a reduction, each with allocations and
 * length bookkeeping): 0.45 ms per scalar multiplication here, two per handshake (our
 * key share, the shared secret), against 0.02 ms in OpenSSL. mbedtls keeps its ladder, the
 * coordinate randomisation and every check; only the ladder step (5M + 4S) and the final
 * X/Z run here, in radix 2^51 (five 64-bit limbs, 128-bit products: curve25519-donna-c64's
 * representation), converted from and to the mpi limbs at each step. Everything is
 * branch-free in the secret values; outputs are fully reduced, as mbedtls's own are.
 * Checked against RFC 7748's vectors (5.2, and 1000 rounds of 5.2's iteration); every
 * process that loads a TLS unit checks the first of them once (tls_x25519_selftest), so a
 * miscompiled build refuses TLS instead of failing handshakes at random. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "common.h"

#include "tls.h"

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
int mbedtls_internal_ecp_double_add_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
					mbedtls_ecp_point *S, const mbedtls_ecp_point *P,
					const mbedtls_ecp_point *Q, const mbedtls_mpi *d);
int mbedtls_internal_ecp_normalize_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *P);

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

/* h = f * g (curve25519-donna-c64's schoolbook product): limbs of f and g below 2^54, so
 * each 128-bit column (its products that wrapped past 2^255 taken times 19) stays below
 * 2^115; h's limbs end below 2^52 */
static void fe_mul(fe h, const fe f, const fe g)
{
	uint64_t g19[5];
	u128 t[5];

	for (int i = 1; i < 5; i++)
		g19[i] = 19 * g[i];
	t[0] = (u128)f[0] * g[0] + (u128)f[1] * g19[4] + (u128)f[2] * g19[3] + (u128)f[3] * g19[2] +
		(u128)f[4] * g19[1];
	t[1] = (u128)f[0] * g[1] + (u128)f[1] * g[0] + (u128)f[2] * g19[4] + (u128)f[3] * g19[3] +
		(u128)f[4] * g19[2];
	t[2] = (u128)f[0] * g[2] + (u128)f[1] * g[1] + (u128)f[2] * g[0] + (u128)f[3] * g19[4] +
		(u128)f[4] * g19[3];
	t[3] = (u128)f[0] * g[3] + (u128)f[1] * g[2] + (u128)f[2] * g[1] + (u128)f[3] * g[0] +
		(u128)f[4] * g19[4];
	t[4] = (u128)f[0] * g[4] + (u128)f[1] * g[3] + (u128)f[2] * g[2] + (u128)f[3] * g[1] +
		(u128)f[4] * g[0];
	for (int i = 0; i < 4; i++) {
		t[i + 1] += (uint64_t)(t[i] >> 51);
		h[i] = (uint64_t)t[i] & MASK51;
	}
	h[4] = (uint64_t)t[4] & MASK51;
	h[0] += 19 * (uint64_t)(t[4] >> 51);
	h[1] += h[0] >> 51;
	h[0] &= MASK51;
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

/* R = 2P, S = P + Q with d = X(P - Q): mbedtls's ecp_double_add_mxz, same formulas
 * (A holds (486662 + 2) / 4); R and S may be P and Q */
int mbedtls_internal_ecp_double_add_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
					mbedtls_ecp_point *S, const mbedtls_ecp_point *P,
					const mbedtls_ecp_point *Q, const mbedtls_mpi *d)
{
	fe px, pz, qx, qz, x1, pp, pm, qp, qm, t0, t1, t2, t3, e, rx, rz, sx, sz;
	int ret;

	fe_load(px, &P->X);
	fe_load(pz, &P->Z);
	fe_load(qx, &Q->X);
	fe_load(qz, &Q->Z);
	fe_load(x1, d);
	fe_add(pp, px, pz);
	fe_sub(pm, px, pz);
	fe_add(qp, qx, qz);
	fe_sub(qm, qx, qz);
	fe_mul(t3, qm, pp);
	fe_mul(t2, qp, pm);
	fe_mul(t0, pp, pp);
	fe_mul(t1, pm, pm);
	fe_mul(rx, t0, t1);
	fe_sub(e, t0, t1);
	fe_mul_small(rz, e, (uint64_t)limb(&grp->A, 0));
	fe_add(rz, rz, t1);
	fe_mul(rz, rz, e);
	fe_add(sx, t3, t2);
	fe_mul(sx, sx, sx);
	fe_sub(sz, t3, t2);
	fe_mul(sz, sz, sz);
	fe_mul(sz, sz, x1);
	if ((ret = fe_store(&R->X, rx)) != 0 || (ret = fe_store(&R->Z, rz)) != 0 ||
	    (ret = fe_store(&S->X, sx)) != 0 || (ret = fe_store(&S->Z, sz)) != 0)
		return ret;
	return 0;
}

/* X = X / Z, Z = 1; Z^-1 = Z^(p - 2), p - 2 = 2^255 - 21: every bit set from 254 down to
 * 0 but bits 4 and 2 (a public exponent: the branch is on the index only) */
int mbedtls_internal_ecp_normalize_mxz(const mbedtls_ecp_group *grp, mbedtls_ecp_point *P)
{
	fe z, t, x;
	int ret;

	(void)grp;
	/* Z = 0, the point at infinity, has no inverse: mbedtls's own code fails there too */
	if (mbedtls_mpi_cmp_int(&P->Z, 0) == 0)
		return MBEDTLS_ERR_MPI_NOT_ACCEPTABLE;
	fe_load(z, &P->Z);
	memcpy(t, z, sizeof(t));
	for (int i = 253; i >= 0; i--) {
		fe_mul(t, t, t);
		if (i != 4 && i != 2)
			fe_mul(t, t, z);
	}
	fe_load(x, &P->X);
	fe_mul(x, x, t);
	if ((ret = fe_store(&P->X, x)) != 0)
		return ret;
	return mbedtls_mpi_lset(&P->Z, 1);
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
