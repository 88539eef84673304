/* P-256's point doubling and mixed addition for mbedtls's comb multiplication
 * (MBEDTLS_ECP_DOUBLE_JAC_ALT and MBEDTLS_ECP_ADD_MIXED_ALT beside tls_x25519.c's hooks, on
 * 64-bit targets with unsigned __int128).
 *
 * Why: every ECDHE over P-256 costs two scalar multiplications and every ECDSA signature
 * one, and mbedtls does each field operation of them on its generic bignums: 0.18 ms for
 * our key share, 0.51 for the shared secret, against 0.03 in OpenSSL. mbedtls keeps the comb
 * method, its constant-time table lookups, the coordinate randomisation, the normalisation
 * and every check; only the two formulas run here, mbedtls's own (dbl-1998-cmo-2 with
 * a = -3, and GECC 3.22 with its special cases in the same order), in Montgomery form mod p
 * with four 64-bit limbs, converted from and to the mpi limbs at each call. Branch-free in
 * the secret values; outputs fully reduced, as mbedtls's are. Checked against RFC 6979's
 * P-256 key (d times G) once per process at the first load (tls_p256_selftest), and against
 * mbedtls's generic code on random points and scalars while it was written. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "common.h"
#include "tls.h"

#include <mbedtls/ecp.h>
#include <mbedtls/psa_util.h>

#if defined(MBEDTLS_ECP_INTERNAL_ALT)

#include <stdint.h>

typedef uint64_t fp[4];
typedef unsigned __int128 u128;

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1; -p^-1 mod 2^64 is 1; RR = 2^512 mod p */
static const fp P = {0xffffffffffffffff, 0x00000000ffffffff, 0, 0xffffffff00000001};
static const fp RR = {3, 0xfffffffbffffffff, 0xfffffffffffffffe, 0x00000004fffffffd};
static const fp ONE = {1, 0, 0, 0};

int mbedtls_internal_ecp_double_jac(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
				    const mbedtls_ecp_point *Pt);
int mbedtls_internal_ecp_add_mixed(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
				   const mbedtls_ecp_point *Pt, const mbedtls_ecp_point *Q);
int mbedtls_internal_ecp_normalize_jac(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt);
int mbedtls_internal_ecp_normalize_jac_many(const mbedtls_ecp_group *grp, mbedtls_ecp_point *T[],
					    size_t t_len);

/* r = t - p if t (with its carry bit c) is at least p, else t: t < 2p */
static void fp_reduce_once(fp r, const uint64_t t[4], uint64_t c)
{
	uint64_t d[4], borrow = 0, keep;

	for (int i = 0; i < 4; i++) {
		u128 x = (u128)t[i] - P[i] - borrow;

		d[i] = (uint64_t)x;
		borrow = (uint64_t)(x >> 64) & 1;
	}
	/* keep t when it is below p: no carry out and a borrow */
	keep = 0 - (borrow & (c ^ 1));
	for (int i = 0; i < 4; i++)
		r[i] = (t[i] & keep) | (d[i] & ~keep);
}

/* r = a * b / 2^256 mod p (CIOS), a and b below p */
static void fp_mul(fp r, const fp a, const fp b)
{
	uint64_t t[6] = {0};

	for (int i = 0; i < 4; i++) {
		u128 c = 0;
		uint64_t m;

		for (int j = 0; j < 4; j++) {
			c += (u128)a[j] * b[i] + t[j];
			t[j] = (uint64_t)c;
			c >>= 64;
		}
		c += t[4];
		t[4] = (uint64_t)c;
		t[5] = (uint64_t)(c >> 64);
		m = t[0]; /* times -1/p mod 2^64, which is 1 */
		c = ((u128)m * P[0] + t[0]) >> 64;
		for (int j = 1; j < 4; j++) {
			c += (u128)m * P[j] + t[j];
			t[j - 1] = (uint64_t)c;
			c >>= 64;
		}
		c += t[4];
		t[3] = (uint64_t)c;
		t[4] = t[5] + (uint64_t)(c >> 64);
	}
	fp_reduce_once(r, t, t[4]);
}

static void fp_add(fp r, const fp a, const fp b)
{
	uint64_t t[4];
	u128 c = 0;

	for (int i = 0; i < 4; i++) {
		c += (u128)a[i] + b[i];
		t[i] = (uint64_t)c;
		c >>= 64;
	}
	fp_reduce_once(r, t, (uint64_t)c);
}

static void fp_sub(fp r, const fp a, const fp b)
{
	uint64_t borrow = 0, mask;
	u128 c = 0;

	for (int i = 0; i < 4; i++) {
		u128 x = (u128)a[i] - b[i] - borrow;

		r[i] = (uint64_t)x;
		borrow = (uint64_t)(x >> 64) & 1;
	}
	mask = 0 - borrow; /* went below 0: add p back */
	for (int i = 0; i < 4; i++) {
		c += (u128)r[i] + (P[i] & mask);
		r[i] = (uint64_t)c;
		c >>= 64;
	}
}

static bool fp_is_zero(const fp a)
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static uint64_t limb(const mbedtls_mpi *x, size_t i)
{
	return i < x->n ? x->p[i] : 0;
}

/* an mpi in [0, p) into Montgomery form */
static void fp_load(fp r, const mbedtls_mpi *x)
{
	fp t = {limb(x, 0), limb(x, 1), limb(x, 2), limb(x, 3)};

	fp_mul(r, t, RR);
}

static int fp_store(mbedtls_mpi *x, const fp a)
{
	fp t;
	int ret;

	fp_mul(t, a, ONE);
	if ((ret = mbedtls_mpi_grow(x, 4)) != 0)
		return ret;
	x->s = 1;
	memcpy(x->p, t, sizeof(t));
	for (size_t i = 4; i < x->n; i++)
		x->p[i] = 0;
	return 0;
}

static int store_point(mbedtls_ecp_point *R, const fp x, const fp y, const fp z)
{
	int ret;

	if ((ret = fp_store(&R->X, x)) != 0 || (ret = fp_store(&R->Y, y)) != 0)
		return ret;
	return fp_store(&R->Z, z);
}

/* (x, y, z) = 2 (x, y, z), a = -3; a zero point (z = 0) stays zero */
static void dbl(fp x, fp y, fp z)
{
	fp t1, t2, t3, m, s, u;

	fp_mul(t1, z, z);
	fp_add(t2, x, t1);
	fp_sub(t3, x, t1);
	fp_mul(t1, t2, t3);
	fp_add(m, t1, t1);
	fp_add(m, m, t1); /* M = 3 (X + Z^2)(X - Z^2) */
	fp_mul(t2, y, y);
	fp_add(t2, t2, t2); /* 2 Y^2 */
	fp_mul(s, x, t2);
	fp_add(s, s, s); /* S = 4 X Y^2 */
	fp_mul(u, t2, t2);
	fp_add(u, u, u); /* U = 8 Y^4 */
	fp_mul(t3, m, m);
	fp_sub(t3, t3, s);
	fp_sub(t3, t3, s); /* T = M^2 - 2 S */
	fp_sub(s, s, t3);
	fp_mul(s, s, m);
	fp_sub(s, s, u); /* M (S - T) - U */
	fp_mul(z, y, z);
	fp_add(z, z, z); /* 2 Y Z */
	memcpy(x, t3, sizeof(fp));
	memcpy(y, s, sizeof(fp));
}

int mbedtls_internal_ecp_double_jac(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
				    const mbedtls_ecp_point *Pt)
{
	fp x, y, z;

	(void)grp;
	fp_load(x, &Pt->X);
	fp_load(y, &Pt->Y);
	fp_load(z, &Pt->Z);
	dbl(x, y, z);
	return store_point(R, x, y, z);
}

/* R = P + Q, Q affine (Z = 1) or zero: mbedtls's ecp_add_mixed, the same special cases
 * (none of which happens in the comb's steps, as mbedtls explains there) */
int mbedtls_internal_ecp_add_mixed(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
				   const mbedtls_ecp_point *Pt, const mbedtls_ecp_point *Q)
{
	fp px, py, pz, qx, qy, t0, t1, t2, t3, x, y, z;

	(void)grp;
	if (Q->Z.p == NULL)
		return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	if (mbedtls_mpi_cmp_int(&Pt->Z, 0) == 0)
		return mbedtls_ecp_copy(R, Q);
	if (mbedtls_mpi_cmp_int(&Q->Z, 0) == 0)
		return mbedtls_ecp_copy(R, Pt);
	if (mbedtls_mpi_cmp_int(&Q->Z, 1) != 0)
		return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	fp_load(px, &Pt->X);
	fp_load(py, &Pt->Y);
	fp_load(pz, &Pt->Z);
	fp_load(qx, &Q->X);
	fp_load(qy, &Q->Y);
	fp_mul(t0, pz, pz);
	fp_mul(t1, t0, pz);
	fp_mul(t0, t0, qx);
	fp_mul(t1, t1, qy);
	fp_sub(t0, t0, px); /* H */
	fp_sub(t1, t1, py); /* r */
	if (fp_is_zero(t0)) {
		if (!fp_is_zero(t1))
			return mbedtls_ecp_set_zero(R); /* P = -Q */
		dbl(px, py, pz); /* P = Q */
		return store_point(R, px, py, pz);
	}
	fp_mul(z, pz, t0);
	fp_mul(t2, t0, t0);
	fp_mul(t3, t2, t0);
	fp_mul(t2, t2, px);
	fp_add(t0, t2, t2);
	fp_mul(x, t1, t1);
	fp_sub(x, x, t0);
	fp_sub(x, x, t3);
	fp_sub(t2, t2, x);
	fp_mul(t2, t2, t1);
	fp_mul(t3, t3, py);
	fp_sub(y, t2, t3);
	return store_point(R, x, y, z);
}

/* r = a^(p - 2) = 1 / a (0 for 0): 255 squarings and a multiplication per set bit of the
 * public exponent, in place of mbedtls's constant-time binary GCD on its bignums */
static void fp_inv(fp r, const fp a)
{
	static const fp E = {0xfffffffffffffffd, 0x00000000ffffffff, 0, 0xffffffff00000001};
	fp t;

	memcpy(t, a, sizeof(t)); /* the top bit, 255, is set */
	for (int i = 254; i >= 0; i--) {
		fp_mul(t, t, t);
		if (E[i / 64] >> (i % 64) & 1)
			fp_mul(t, t, a);
	}
	memcpy(r, t, sizeof(t));
}

/* (X, Y, Z) = (X / Z^2, Y / Z^3, 1) with zi = 1 / Z */
static int normalize(mbedtls_ecp_point *pt, const fp zi)
{
	fp x, y, z2;
	int ret;

	fp_load(x, &pt->X);
	fp_load(y, &pt->Y);
	fp_mul(z2, zi, zi);
	fp_mul(x, x, z2);
	fp_mul(y, y, z2);
	fp_mul(y, y, zi);
	if ((ret = fp_store(&pt->X, x)) != 0 || (ret = fp_store(&pt->Y, y)) != 0)
		return ret;
	return mbedtls_mpi_lset(&pt->Z, 1);
}

/* mbedtls calls it for Z != 0 only */
int mbedtls_internal_ecp_normalize_jac(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt)
{
	fp z;

	(void)grp;
	fp_load(z, &pt->Z);
	fp_inv(z, z);
	return normalize(pt, z);
}

/* Montgomery's trick, as mbedtls's: one inversion for the whole table (a comb's 8 points) */
int mbedtls_internal_ecp_normalize_jac_many(const mbedtls_ecp_group *grp, mbedtls_ecp_point *T[],
					    size_t t_len)
{
	fp c[32], z, t;
	int ret = 0;

	(void)grp;
	if (t_len > sizeof(c) / sizeof(c[0]))
		return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	/* c[i] = Z_0 ... Z_i */
	fp_load(c[0], &T[0]->Z);
	for (size_t i = 1; i < t_len; i++) {
		fp_load(z, &T[i]->Z);
		fp_mul(c[i], c[i - 1], z);
	}
	if (fp_is_zero(c[t_len - 1]))
		return MBEDTLS_ERR_MPI_NOT_ACCEPTABLE; /* a zero point: mbedtls's inversion fails */
	fp_inv(t, c[t_len - 1]);
	/* t = 1 / (Z_0 ... Z_i): 1 / Z_i = t * c[i-1], then t * Z_i for the next */
	for (size_t i = t_len - 1; i > 0 && ret == 0; i--) {
		fp_mul(c[i], t, c[i - 1]);
		fp_load(z, &T[i]->Z);
		fp_mul(t, t, z);
		ret = normalize(T[i], c[i]);
	}
	return ret ? ret : normalize(T[0], t);
}

#endif

/* RFC 6979 A.2.5's key: d, and d times G (uncompressed: 04, x, y), big-endian */
static const unsigned char kat_d[32] = {0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16,
					0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93,
					0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12,
					0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21};
static const unsigned char kat_q[65] = {
	0x04, 0x60, 0xfe, 0xd4, 0xba, 0x25, 0x5a, 0x9d, 0x31, 0xc9, 0x61, 0xeb, 0x74,
	0xc6, 0x35, 0x6d, 0x68, 0xc0, 0x49, 0xb8, 0x92, 0x3b, 0x61, 0xfa, 0x6c, 0xe6,
	0x69, 0x62, 0x2e, 0x60, 0xf2, 0x9f, 0xb6, 0x79, 0x03, 0xfe, 0x10, 0x08, 0xb8,
	0xbc, 0x99, 0xa4, 0x1a, 0xe9, 0xe9, 0x56, 0x28, 0xbc, 0x64, 0xf2, 0xf1, 0xb2,
	0x0c, 0x2d, 0x7e, 0x9f, 0x51, 0x77, 0xa3, 0xc2, 0x94, 0xd4, 0x46, 0x22, 0x99};

bool tls_p256_selftest(void)
{
	return tls_ecp_kat(MBEDTLS_ECP_DP_SECP256R1, kat_d, NULL, kat_q, sizeof(kat_q));
}
