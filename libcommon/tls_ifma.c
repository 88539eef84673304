/* Modular exponentiation with AVX-512 IFMA (52-bit multiply-add) for RSA's private
 * operation, on x86_64 CPUs that have it (tls_ifma_usable); tls_rsa.c calls it in place of
 * mbedtls_mpi_exp_mod.
 *
 * Why: an RSA-2048 signature is two 1024-bit exponentiations, 1.4 ms in mbedtls's generic
 * bignums here, and it is most of an RSA handshake's cost; OpenSSL (stunnel) does them with
 * this instruction set. Numbers are held as 52-bit digits in the 64-bit lanes of 256-bit
 * vectors (Zen 4 runs two 256-bit multiply-adds a cycle, or one 512-bit: the same work, and
 * 256-bit lanes fit 1,024 bits exactly), and multiplied with "almost Montgomery"
 * multiplication (amm: results below 2m, never fully reduced until the end), operand
 * scanning one digit of b at a time. Each step's quotient digit q depends on the previous
 * step, so one multiplication is a chain of latencies: tls_ifma_exp runs two independent
 * exponentiations (the two CRT halves) in the same loop, so the CPU works on one while the
 * other waits. tests/bench/rsa_sign.c measures a whole signature.
 *
 * Constant time in the secret values: a fixed window (every window multiplies, a zero one by
 * the table's 1), table entries selected by masked moves over the whole table, no branch
 * or memory index on a digit or an exponent bit; the final subtraction by mask. */
#include "common.h"
#include "tls_ifma.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define IFMA __attribute__((target("avx512f,avx512vl,avx512ifma,bmi2"), always_inline)) inline
#define IFMA_FN __attribute__((target("avx512f,avx512vl,avx512ifma,bmi2")))
#define MASK52 ((1ULL << 52) - 1)
#define WIN 5 /* window bits for long exponents */

/* a modulus in 52-bit digits: n digits in nv 256-bit vectors (the lanes above n zero) */
struct mod52 {
	uint64_t m[IFMA_MAXV * 8] __attribute__((aligned(64)));
	uint64_t rr[IFMA_MAXV * 8] __attribute__((aligned(64))); /* R^2 mod m, R = 2^(52n) */
	uint64_t k0; /* -m^-1 mod 2^52 */
	int n, nv;
};
_Static_assert(offsetof(struct mod52, rr) == IFMA_RR_OFFSET, "IFMA_RR_OFFSET");

typedef ifma_num num52;

int tls_ifma_usable(void)
{
	static int known = -1;
	unsigned a, b, c, d;

	if (known >= 0)
		return known;
	known = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return 0;
	/* the kernel saves the opmask and all 512 bits of the vector registers */
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 0xe6) != 0xe6)
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	known = (b & bit_AVX512F) && (b & bit_AVX512VL) && (b & bit_AVX512IFMA) && (b & bit_BMI2);
	return known;
}

/* 64-bit limbs (little-endian, nl of them) to n 52-bit digits, the rest of the lanes 0 */
void tls_ifma_from_limbs(uint64_t *d, const uint64_t *limb, size_t nl, int n)
{
	memset(d, 0, sizeof(num52));
	for (int i = 0; i < n; i++) {
		size_t bit = (size_t)i * 52, w = bit / 64, s = bit % 64;
		uint64_t v = w < nl ? limb[w] >> s : 0;

		if (s > 12 && w + 1 < nl)
			v |= limb[w + 1] << (64 - s);
		d[i] = v & MASK52;
	}
}

/* n 52-bit digits (normalised) to nl 64-bit limbs */
void tls_ifma_to_limbs(uint64_t *limb, size_t nl, const uint64_t *d, int n)
{
	memset(limb, 0, nl * sizeof(*limb));
	for (int i = 0; i < n; i++) {
		size_t bit = (size_t)i * 52, w = bit / 64, s = bit % 64;

		if (w < nl)
			limb[w] |= d[i] << s;
		if (s > 12 && w + 1 < nl)
			limb[w + 1] |= d[i] >> (64 - s);
	}
}

int tls_ifma_digits(size_t bits)
{
	/* R = 2^(52n) above 4m keeps every amm result below 2m; n + 1 lanes in 3 or 6 vectors */
	int n = (int)((bits + 2 + 51) / 52), nv = (n + 3) / 4;

	return nv == 5 || nv == 10 ? n : -1;
}

size_t tls_ifma_mod_size(void)
{
	return sizeof(struct mod52);
}

/* m as digits (odd, tls_ifma_digits(bits) of them) and R^2 mod m as digits */
void tls_ifma_mod_init(void *mod, const uint64_t *m, const uint64_t *rr, int n)
{
	struct mod52 *md = mod;
	uint64_t inv = m[0];

	memcpy(md->m, m, sizeof(md->m));
	memcpy(md->rr, rr, sizeof(md->rr));
	md->n = n;
	md->nv = (n + 3) / 4;
	for (int i = 0; i < 5; i++) /* Newton: 3 correct bits, doubled each round */
		inv *= 2 - m[0] * inv;
	md->k0 = (0 - inv) & MASK52;
}

/* Every lane's excess above 52 bits carried into the next one, in vectors: one pass moves
 * each lane's carry up a lane, which leaves lanes at most 2^52 + 2^12; the carries that
 * still ripple (a lane above 2^52 - 1 generates one, a lane of exactly 2^52 - 1 passes one
 * on) are found all at once by adding bit masks as integers, as a carry-lookahead adder
 * does: with g the generating lanes and p the passing ones, the lanes that receive a carry
 * are ((g << 1) + p) ^ p. The value fits n digits, so nothing leaves the top lane. */
static IFMA void normalise(uint64_t *r, __m256i *t, const int nv)
{
	const __m256i mask = _mm256_set1_epi64x((long long)MASK52), zero = _mm256_setzero_si256();
	__m256i c[IFMA_MAXV * 2];
	uint64_t g = 0, p = 0, in;

#pragma GCC unroll 12
	for (int v = 0; v < nv; v++) {
		c[v] = _mm256_srli_epi64(t[v], 52);
		t[v] = _mm256_and_si256(t[v], mask);
	}
	t[0] = _mm256_add_epi64(t[0], _mm256_alignr_epi64(c[0], zero, 3));
#pragma GCC unroll 12
	for (int v = 1; v < nv; v++)
		t[v] = _mm256_add_epi64(t[v], _mm256_alignr_epi64(c[v], c[v - 1], 3));
#pragma GCC unroll 12
	for (int v = 0; v < nv; v++) {
		g |= (uint64_t)_mm256_cmpgt_epu64_mask(t[v], mask) << (4 * v);
		p |= (uint64_t)_mm256_cmpeq_epu64_mask(t[v], mask) << (4 * v);
	}
	in = ((g << 1) + p) ^ p;
#pragma GCC unroll 12
	for (int v = 0; v < nv; v++) {
		__m256i x = _mm256_mask_sub_epi64(t[v], (__mmask8)(in >> (4 * v)) & 0xf, t[v],
						  _mm256_set1_epi64x(-1));

		_mm256_store_si256((__m256i *)(r + 4 * v), _mm256_and_si256(x, mask));
	}
	if (nv % 2) /* to the whole 512-bit vector that tables and selections copy */
		_mm256_store_si256((__m256i *)(r + 4 * nv), zero);
}

/* the same for the 2,048-bit products (the public operation and the reductions, a few dozen
 * per signature, not the thousands of the private one): the carries in scalar, one lane
 * after the other, in 1 kB less code than the vector form unrolled for 10 vectors */
static IFMA_FN __attribute__((noinline)) void normalise_small(uint64_t *r, const __m256i *t, int nv)
{
	uint64_t c = 0;

	for (int v = 0; v < nv; v++)
		_mm256_store_si256((__m256i *)(r + 4 * v), t[v]);
	for (int j = 0; j < 4 * nv; j++) {
		uint64_t x = r[j] + c;

		r[j] = x & MASK52;
		c = x >> 52;
	}
	if (nv % 2)
		_mm256_store_si256((__m256i *)(r + 4 * nv), _mm256_setzero_si256());
}

/* One step of an almost-Montgomery product (amm_n): acc += a*bi + m*q, with q making lane 0
 * a multiple of 2^52, then divided by 2^52 (lane 0 dropped, the rest shifted down a lane).
 * The low halves of the products go in before the shift, the high halves (one lane up, so
 * aligned once shifted) after it. Lane 0, whose quotient digit is the serial part, is kept
 * whole in scalar (*t0): with 128-bit products of a0 and m0 the next lane 0 needs the vector
 * only for lane 1's low halves, read right after the shift, so the chain from one q to the
 * next does not wait for the high halves; the vector's own lane 0 is left out of date
 * (dropped at the next shift, replaced by t0 at the end). Measured on Zen 4, two products
 * of 20 digits interleaved: 631 cycles (the form before, with a spare lane and lane 0 read
 * back from the vector at every step, on 512-bit vectors: about 900). Tried and dropped:
 * a*bi's halves made apart and added (shorter chains: one product alone 511 -> 418
 * cycles, but two interleaved 631 -> 760, and 1.8 kB more code). */
static IFMA void step(__m256i *acc, uint64_t *t0, const uint64_t *a, uint64_t bi,
		      const struct mod52 *md, const int nv)
{
	const __m256i zero = _mm256_setzero_si256(), B = _mm256_set1_epi64x((long long)bi);
	const __m256i *A = (const __m256i *)a, *M = (const __m256i *)md->m;
	const unsigned __int128 ab = (unsigned __int128)a[0] * bi;
	const uint64_t x = *t0 + ((uint64_t)ab & MASK52);
	const uint64_t q = (x * md->k0) & MASK52;
	const __m256i Q = _mm256_set1_epi64x((long long)q);
	const unsigned __int128 mq = (unsigned __int128)md->m[0] * q;
	const uint64_t up = ((x + ((uint64_t)mq & MASK52)) >> 52) + (uint64_t)(ab >> 52) +
		(uint64_t)(mq >> 52);

#pragma GCC unroll 12
	for (int v = 0; v < nv; v++) {
		acc[v] = _mm256_madd52lo_epu64(acc[v], B, A[v]);
		acc[v] = _mm256_madd52lo_epu64(acc[v], Q, M[v]);
	}
#pragma GCC unroll 12
	for (int v = 0; v < nv - 1; v++)
		acc[v] = _mm256_alignr_epi64(acc[v + 1], acc[v], 1);
	acc[nv - 1] = _mm256_alignr_epi64(zero, acc[nv - 1], 1);
	*t0 = up + (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(acc[0]));
#pragma GCC unroll 12
	for (int v = 0; v < nv; v++) {
		acc[v] = _mm256_madd52hi_epu64(acc[v], B, A[v]);
		acc[v] = _mm256_madd52hi_epu64(acc[v], Q, M[v]);
	}
}

/* r = a*b/R mod m (below 2m) for cnt independent operand sets at once (1 or 2): the
 * compiler interleaves the two chains. Digits in nv 256-bit vectors (4 digits each, as
 * many lanes as digits: no spare lane), a step per digit of b. Instantiated per count and
 * vector count (AMM), every loop unrolled so the accumulators stay in registers; a and m
 * are read as memory operands. */
static IFMA void amm_n(const int cnt, uint64_t *r[2], const uint64_t *a[2], const uint64_t *b[2],
		       const struct mod52 *md[2], const int nv)
{
	__m256i acc[2][IFMA_MAXV * 2];
	uint64_t t0[2] = {0, 0};
	const int n = md[0]->n;

#pragma GCC unroll 2
	for (int s = 0; s < cnt; s++) {
#pragma GCC unroll 12
		for (int v = 0; v < nv; v++)
			acc[s][v] = _mm256_setzero_si256();
	}
	for (int i = 0; i < n; i++) {
#pragma GCC unroll 2
		for (int s = 0; s < cnt; s++)
			step(acc[s], &t0[s], a[s], b[s][i], md[s], nv);
	}
#pragma GCC unroll 2
	for (int s = 0; s < cnt; s++) {
		/* lane 0 is t0 (the vector's lacks the carries of lane 0 before it) */
		acc[s][0] = _mm256_mask_set1_epi64(acc[s][0], 1, (long long)t0[s]);
		if (nv == 5)
			normalise(r[s], acc[s], nv);
		else
			normalise_small(r[s], acc[s], nv);
	}
}

typedef void amm_fn(uint64_t *r[2], const uint64_t *a[2], const uint64_t *b[2],
		    const struct mod52 *md[2]);
#define AMM(CNT, NV)                                                                          \
	static IFMA_FN void amm_##CNT##_##NV(uint64_t *r[2], const uint64_t *a[2],            \
					     const uint64_t *b[2], const struct mod52 *md[2]) \
	{                                                                                     \
		amm_n(CNT, r, a, b, md, NV);                                                  \
	}
/* the sizes of RSA-2048, the common key (each instance is 1 to 2 kB of code): its primes
 * (1,024 bits, 5 vectors) two at a time (one at a time goes through the pair, both
 * halves the same: the reductions mod p and q, a few per signature), its modulus (10
 * vectors); tls_ifma_digits turns the others away, to mbedtls */
AMM(1, 10)
AMM(2, 5)

/* table[idx] into r, reading every entry (constant time in idx); a vector at a time, so its
 * running value stays in a register */
static IFMA void select_entry(uint64_t *r, const uint64_t (*table)[IFMA_MAXV * 8], int entries,
			      uint64_t idx, int nv)
{
	const __m512i want = _mm512_set1_epi64((long long)idx);

	for (int v = 0; v < nv; v++) {
		__m512i out = _mm512_setzero_si512();

		for (int k = 0; k < entries; k++) {
			__mmask8 hit = _mm512_cmpeq_epi64_mask(want, _mm512_set1_epi64(k));

			out = _mm512_mask_load_epi64(out, hit, table[k] + 8 * v);
		}
		_mm512_store_si512((__m512i *)(r + 8 * v), out);
	}
}

/* bits [pos, pos+w) of the exponent (limbs), 0 past its end */
static uint64_t window(const uint64_t *e, size_t nl, size_t pos, int w)
{
	size_t i = pos / 64, s = pos % 64;
	uint64_t v = i < nl ? e[i] >> s : 0;

	if (s + (size_t)w > 64 && i + 1 < nl)
		v |= e[i + 1] << (64 - s);
	return v & ((1u << w) - 1);
}

/* r < m exactly: r (below m+1 after the conversion out) minus m where that does not borrow */
static void reduce_final(uint64_t *r, const struct mod52 *md)
{
	uint64_t d[IFMA_MAXV * 8], borrow = 0, keep;

	for (int j = 0; j < md->n; j++) {
		uint64_t x = r[j] - md->m[j] - borrow;

		d[j] = x & MASK52;
		borrow = x >> 63;
	}
	keep = 0 - borrow; /* borrow: r < m, keep r */
	for (int j = 0; j < md->n; j++)
		r[j] = (r[j] & keep) | (d[j] & ~keep);
}

#define TABLE_MAX (1 << WIN)

/* cnt exponentiations base[s]^e[s] mod md[s] (digits; exponents as limbs, bits long at
 * most), interleaved; every modulus has the same digit count */
static IFMA_FN void exp_n(int cnt, uint64_t *out[2], const uint64_t *base[2], const uint64_t *e[2],
			  const size_t enl[2], size_t bits, const struct mod52 *md[2], amm_fn *amm)
{
	static const num52 one = {1};
	uint64_t(*table[2])[IFMA_MAXV * 8];
	num52 acc[2], sel[2];
	uint64_t *r[2];
	const uint64_t *a[2], *b[2];
	const int w = bits > 64 ? WIN : 1, entries = 1 << w;
	uint64_t store[2][TABLE_MAX][IFMA_MAXV * 8] __attribute__((aligned(64)));

	for (int s = 0; s < cnt; s++)
		table[s] = store[s];
	/* table[0] = R mod m (1 in Montgomery form), table[1] = base * R mod m */
	for (int s = 0; s < cnt; s++) {
		r[s] = table[s][0], a[s] = md[s]->rr, b[s] = one;
	}
	amm(r, a, b, md);
	for (int s = 0; s < cnt; s++) {
		r[s] = table[s][1], a[s] = base[s], b[s] = md[s]->rr;
	}
	amm(r, a, b, md);
	for (int k = 2; k < entries; k++) {
		for (int s = 0; s < cnt; s++) {
			r[s] = table[s][k], a[s] = table[s][k - 1], b[s] = table[s][1];
		}
		amm(r, a, b, md);
	}
	for (int s = 0; s < cnt; s++)
		memcpy(acc[s], table[s][0], sizeof(num52));
	size_t top = (bits + (size_t)w - 1) / (size_t)w * (size_t)w;
	for (size_t pos = top; pos > 0;) {
		pos -= (size_t)w;
		for (int k = 0; k < w; k++) {
			for (int s = 0; s < cnt; s++) {
				r[s] = acc[s], a[s] = acc[s], b[s] = acc[s];
			}
			amm(r, a, b, md);
		}
		for (int s = 0; s < cnt; s++) {
			select_entry(sel[s], (const uint64_t(*)[IFMA_MAXV * 8]) table[s], entries,
				     window(e[s], enl[s], pos, w), (md[s]->nv + 1) / 2);
			r[s] = acc[s], a[s] = acc[s], b[s] = sel[s];
		}
		amm(r, a, b, md);
	}
	/* out of Montgomery form: times 1 */
	for (int s = 0; s < cnt; s++) {
		r[s] = out[s], a[s] = acc[s], b[s] = one;
	}
	amm(r, a, b, md);
	for (int s = 0; s < cnt; s++)
		reduce_final(out[s], md[s]);
	explicit_bzero(store, sizeof(store));
	explicit_bzero(acc, sizeof(acc));
	explicit_bzero(sel, sizeof(sel));
}

/* out[s] = base[s]^e[s] mod the moduli (cnt 1 or 2, the same digit count): digits below m
 * in, digits below m out */
void tls_ifma_exp(int cnt, uint64_t *out[2], const uint64_t *base[2], const uint64_t *e[2],
		  const size_t enl[2], size_t bits, const void *mod[2])
{
	const struct mod52 *md[2] = {mod[0], cnt > 1 ? mod[1] : mod[0]};

	if (cnt == 2 && md[0]->nv != 5) { /* no paired instance: one after the other */
		for (int s = 0; s < 2; s++) {
			uint64_t *o[2] = {out[s], out[s]};
			const uint64_t *b[2] = {base[s], base[s]}, *x[2] = {e[s], e[s]};
			const size_t l[2] = {enl[s], enl[s]};
			const struct mod52 *m[2] = {md[s], md[s]};

			exp_n(1, o, b, x, l, bits, m, amm_1_10);
		}
		return;
	}
	exp_n(cnt, out, base, e, enl, bits, md, md[0]->nv == 5 ? amm_2_5 : amm_1_10);
}

/* r = a*b/R mod m, below 2m (a below 2m, or any n digits when b is below m) */
void tls_ifma_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const void *mod)
{
	const struct mod52 *md[2] = {mod, mod};
	uint64_t *rr[2] = {r, r};
	const uint64_t *aa[2] = {a, a}, *bb[2] = {b, b};

	(md[0]->nv == 5 ? amm_2_5 : amm_1_10)(rr, aa, bb, md);
}

/* r below 2m to r below m */
void tls_ifma_reduce(uint64_t *r, const void *mod)
{
	reduce_final(r, mod);
}

#endif
