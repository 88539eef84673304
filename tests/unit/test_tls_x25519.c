/* X25519 through mbedtls (mbedtls_ecp_mul, which libcommon/tls_x25519.c's ladder serves on
 * 64-bit targets): RFC 7748's vectors (5.2's two, its iteration once and 1,000 times, 6.1's
 * key pairs and shared secret; each value also computed here with OpenSSL when the test
 * was written), against a plain RFC 7748 ladder on mbedtls's bignums for random scalars
 * and u-coordinates (non-canonical ones, at and above p, and with bit 255 set, among
 * them), both sides of a Diffie-Hellman exchange agreeing, and low-order points refused.
 * Random numbers from a fixed xorshift sequence, so a failure repeats. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "harness.h"

#include "config.h"

#if ENABLE_TLS
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>

#include <stdint.h>
#include <stdlib.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static int fill(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		state ^= state << 13, state ^= state >> 7, state ^= state << 17;
		out[i] = (unsigned char)(state >> 32);
	}
	return 0;
}

static void from_hex(unsigned char out[32], const char *hex)
{
	for (int i = 0; i < 32; i++) {
		char byte[3] = {hex[2 * i], hex[2 * i + 1], 0};

		out[i] = (unsigned char)strtoul(byte, NULL, 16);
	}
}

/* out = X25519(k, u) through mbedtls_ecp_mul: 0, or mbedtls's error */
static int x25519(unsigned char out[32], const unsigned char k[32], const unsigned char u[32])
{
	mbedtls_ecp_keypair key;
	mbedtls_ecp_point p;
	size_t len;
	int ret;

	mbedtls_ecp_keypair_init(&key);
	mbedtls_ecp_point_init(&p);
	/* read_key clamps the scalar, point_read_binary masks bit 255, as RFC 7748 decodes */
	ret = mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, &key, k, 32);
	if (ret == 0)
		ret = mbedtls_ecp_point_read_binary(&key.grp, &p, u, 32);
	if (ret == 0)
		ret = mbedtls_ecp_mul(&key.grp, &p, &key.d, &p, fill, NULL);
	if (ret == 0)
		ret = mbedtls_ecp_point_write_binary(&key.grp, &p, MBEDTLS_ECP_PF_COMPRESSED, &len,
						     out, 32);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_keypair_free(&key);
	return ret;
}

/* RFC 7748's ladder, section 5, on bignums mod p: the reference */
static int reference(unsigned char out[32], const unsigned char k_in[32],
		     const unsigned char u_in[32])
{
	unsigned char k[32], u[32];
	mbedtls_mpi p, x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb, t, kk;
	mbedtls_mpi *all[] = {&p,  &x1, &x2, &z2, &x3, &z3, &a, &aa, &b,
			      &bb, &e,	&c,  &d,  &da, &cb, &t, &kk};
	int swap = 0, ret = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		mbedtls_mpi_init(all[i]);
	memcpy(k, k_in, 32), memcpy(u, u_in, 32);
	k[0] &= 248, k[31] &= 127, k[31] |= 64;
	u[31] &= 127;
#define R(x) ret = ret ? ret : (x)
#define MODP(x) R(mbedtls_mpi_mod_mpi((x), (x), &p))
	R(mbedtls_mpi_lset(&p, 1));
	R(mbedtls_mpi_shift_l(&p, 255));
	R(mbedtls_mpi_sub_int(&p, &p, 19));
	R(mbedtls_mpi_read_binary_le(&kk, k, 32));
	R(mbedtls_mpi_read_binary_le(&x1, u, 32));
	MODP(&x1);
	R(mbedtls_mpi_lset(&x2, 1));
	R(mbedtls_mpi_lset(&z2, 0));
	R(mbedtls_mpi_copy(&x3, &x1));
	R(mbedtls_mpi_lset(&z3, 1));
	for (int i = 254; i >= 0 && ret == 0; i--) {
		int bit = mbedtls_mpi_get_bit(&kk, (size_t)i);

		swap ^= bit;
		if (swap)
			mbedtls_mpi_swap(&x2, &x3), mbedtls_mpi_swap(&z2, &z3);
		swap = bit;
		R(mbedtls_mpi_add_mpi(&a, &x2, &z2));
		R(mbedtls_mpi_mul_mpi(&aa, &a, &a));
		MODP(&aa);
		R(mbedtls_mpi_sub_mpi(&b, &x2, &z2));
		R(mbedtls_mpi_mul_mpi(&bb, &b, &b));
		MODP(&bb);
		R(mbedtls_mpi_sub_mpi(&e, &aa, &bb));
		R(mbedtls_mpi_add_mpi(&c, &x3, &z3));
		R(mbedtls_mpi_sub_mpi(&d, &x3, &z3));
		R(mbedtls_mpi_mul_mpi(&da, &d, &a));
		MODP(&da);
		R(mbedtls_mpi_mul_mpi(&cb, &c, &b));
		MODP(&cb);
		R(mbedtls_mpi_add_mpi(&t, &da, &cb));
		R(mbedtls_mpi_mul_mpi(&x3, &t, &t));
		MODP(&x3);
		R(mbedtls_mpi_sub_mpi(&t, &da, &cb));
		R(mbedtls_mpi_mul_mpi(&t, &t, &t));
		MODP(&t);
		R(mbedtls_mpi_mul_mpi(&z3, &x1, &t));
		MODP(&z3);
		R(mbedtls_mpi_mul_mpi(&x2, &aa, &bb));
		MODP(&x2);
		R(mbedtls_mpi_mul_int(&t, &e, 121665));
		R(mbedtls_mpi_add_mpi(&t, &t, &aa));
		R(mbedtls_mpi_mul_mpi(&z2, &e, &t));
		MODP(&z2);
	}
	if (swap)
		mbedtls_mpi_swap(&x2, &x3), mbedtls_mpi_swap(&z2, &z3);
	R(mbedtls_mpi_inv_mod(&t, &z2, &p));
	R(mbedtls_mpi_mul_mpi(&x2, &x2, &t));
	MODP(&x2);
	R(mbedtls_mpi_write_binary_le(&x2, out, 32));
#undef MODP
#undef R
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		mbedtls_mpi_free(all[i]);
	return ret;
}

static int equals_hex(const unsigned char got[32], const char *hex)
{
	unsigned char want[32];

	from_hex(want, hex);
	return memcmp(got, want, 32) == 0;
}

int main(void)
{
	unsigned char k[32], u[32], out[32], ref[32], nine[32] = {9};

	UNIT_MODULE("tls_x25519");
	from_hex(k, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
	from_hex(u, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
	CHECK("RFC 7748 5.2, first vector",
	      x25519(out, k, u) == 0 &&
		      equals_hex(
			      out,
			      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
	from_hex(k, "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");
	from_hex(u, "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493");
	CHECK("RFC 7748 5.2, second vector (u with bit 255 set)",
	      x25519(out, k, u) == 0 &&
		      equals_hex(
			      out,
			      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));

	/* k = u = 9; then k = X25519(k, u), u = the old k */
	int ok = 1;
	memcpy(k, nine, 32), memcpy(u, nine, 32);
	for (int i = 1; i <= 1000 && ok; i++) {
		ok = x25519(out, k, u) == 0;
		memcpy(u, k, 32), memcpy(k, out, 32);
		if (i == 1)
			CHECK("RFC 7748 5.2, one iteration",
			      ok &&
				      equals_hex(
					      k,
					      "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c"
					      "60e80311ae3079"));
	}
	CHECK("RFC 7748 5.2, 1,000 iterations",
	      ok &&
		      equals_hex(
			      k,
			      "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));

	from_hex(k, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	CHECK("RFC 7748 6.1, Alice's public key",
	      x25519(out, k, nine) == 0 &&
		      equals_hex(
			      out,
			      "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
	from_hex(k, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	CHECK("RFC 7748 6.1, Bob's public key",
	      x25519(out, k, nine) == 0 &&
		      equals_hex(
			      out,
			      "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
	from_hex(u, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	CHECK("RFC 7748 6.1, the shared secret",
	      x25519(out, k, u) == 0 &&
		      equals_hex(
			      out,
			      "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));

	/* random scalars and u-coordinates against the bignum ladder: every 8th u non-canonical
	 * (p + small: the top limb all ones), every 8th + 1 with bit 255 set */
	ok = 1;
	for (int i = 0; i < 200 && ok; i++) {
		fill(NULL, k, 32), fill(NULL, u, 32);
		if (i % 8 == 0) {
			memset(u + 1, 0xff, 31);
			u[0] = (unsigned char)(0xed + i % 16), u[31] = 0x7f; /* p + 0 .. p + 15 */
		}
		if (i % 8 == 1)
			u[31] |= 0x80;
		int a = x25519(out, k, u), r = reference(ref, k, u);

		/* both refuse a low-order result, or both give the same u */
		ok = (a != 0 && r != 0) || (a == 0 && r == 0 && memcmp(out, ref, 32) == 0);
		if (!ok)
			printf("# x25519 differs at %d (%d, %d)\n", i, a, r);
	}
	CHECK("200 random scalars and u-coordinates as RFC 7748's ladder on bignums", ok);

	/* a Diffie-Hellman exchange: a*(b*9) = b*(a*9) */
	ok = 1;
	for (int i = 0; i < 20 && ok; i++) {
		unsigned char a[32], b[32], pa[32], pb[32], sa[32], sb[32];

		fill(NULL, a, 32), fill(NULL, b, 32);
		ok = x25519(pa, a, nine) == 0 && x25519(pb, b, nine) == 0 &&
			x25519(sa, a, pb) == 0 && x25519(sb, b, pa) == 0 && memcmp(sa, sb, 32) == 0;
	}
	CHECK("20 exchanges: both sides agree", ok);

	/* u = 0 and u = p (0 again, non-canonical): a low-order point, the result the point at
	 * infinity: refused, never an all-zero secret */
	memset(u, 0, 32);
	fill(NULL, k, 32);
	CHECK("u = 0 refused", x25519(out, k, u) != 0);
	memset(u, 0xff, 32);
	u[0] = 0xed, u[31] = 0x7f;
	CHECK("u = p refused", x25519(out, k, u) != 0);
	return unit_done();
}
#else
int main(void)
{
	printf("SKIP: unit/tls_x25519: built without TLS\n");
	return 0;
}
#endif
