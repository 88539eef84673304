/* Modular exponentiation with AVX-512 IFMA (tls_ifma.c), for tls_rsa.c: numbers as 52-bit
 * digits in arrays of IFMA_MAXV * 8 uint64_t, 64-byte aligned. x86_64 builds only. */
#ifndef GATEBOX_TLS_IFMA_H
#define GATEBOX_TLS_IFMA_H

#include <stddef.h>
#include <stdint.h>

#define IFMA_MAXV 6 /* room for 48 digits (6 vectors of 8, 12 of 4) */

typedef uint64_t ifma_num[IFMA_MAXV * 8] __attribute__((aligned(64)));

/* the CPU has AVX-512F and IFMA and the kernel saves their registers */
int tls_ifma_usable(void);
/* the digit count for a modulus of that many bits; -1 for sizes without an instance (only
 * 17 to 20 and 37 to 40 digits, in 5 and 10 vectors of 4: 831 to 1,038 and 1,871 to 2,078
 * bits, RSA-2048's primes and modulus) */
int tls_ifma_digits(size_t bits);
void tls_ifma_from_limbs(uint64_t *d, const uint64_t *limb, size_t nl, int n);
void tls_ifma_to_limbs(uint64_t *limb, size_t nl, const uint64_t *d, int n);
/* a modulus: opaque, tls_ifma_mod_size() bytes, 64-byte aligned; m odd, rr = 2^(104n) mod m,
 * which tls_ifma_mul takes as an operand at IFMA_RR_OFFSET bytes into it */
#define IFMA_RR_OFFSET (IFMA_MAXV * 8 * 8)
size_t tls_ifma_mod_size(void);
void tls_ifma_mod_init(void *mod, const uint64_t *m, const uint64_t *rr, int n);
/* out[s] = base[s]^e[s] mod mod[s] for s < cnt (2, both moduli with the same digit count,
 * at least 10; or 1 for moduli of more than IFMA_PAIRED_DIGITS: RSA-2048's primes always
 * come in pairs, and one instance less is 1 kB less code): bases below their modulus,
 * exponents as 64-bit limbs (enl[s] of them) at most bits long. Constant time in the bases
 * and exponents. */
#define IFMA_PAIRED_DIGITS 20
void tls_ifma_exp(int cnt, uint64_t *out[2], const uint64_t *base[2], const uint64_t *e[2],
		  const size_t enl[2], size_t bits, const void *mod[2]);
/* one almost-Montgomery product r = a*b/R mod m, below 2m when a < 2m and b < 2m, or a any
 * n digits and b < m; and r below 2m reduced below m */
void tls_ifma_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const void *mod);
void tls_ifma_reduce(uint64_t *r, const void *mod);

#endif
