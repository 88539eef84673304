/* Included first by build/.../mbedtls/rsa_gatebox.c, mbedtls's rsa.c as
 * scripts/patch-mbedtls-rsa rewrites it: its exponentiations go through libcommon/tls_rsa.c,
 * the two of the CRT in one call (so both can run at once). Same contract as
 * mbedtls_mpi_exp_mod: 0 or an MBEDTLS_ERR_MPI_* code. Only struct tags here: rsa.c's
 * own includes come after this one. */
#ifndef GATEBOX_RSA_HOOKS_H
#define GATEBOX_RSA_HOOKS_H

struct mbedtls_mpi;
struct mbedtls_rsa_context;

/* TP = T^DP mod P and TQ = T^DQ mod Q, P and Q the context's primes */
int gatebox_rsa_crt_exp(struct mbedtls_mpi *TP, struct mbedtls_mpi *TQ, const struct mbedtls_mpi *T,
			const struct mbedtls_mpi *DP, const struct mbedtls_mpi *DQ,
			struct mbedtls_rsa_context *ctx);
/* mbedtls_mpi_exp_mod's replacement */
int gatebox_mpi_exp_mod(struct mbedtls_mpi *X, const struct mbedtls_mpi *A,
			const struct mbedtls_mpi *E, const struct mbedtls_mpi *N,
			struct mbedtls_mpi *prec_RR);
/* mbedtls_mpi_mod_mpi's and mbedtls_mpi_core_get_mont_r2_unsafe's (the blinding, the CRT
 * recombination, the unblinding: long divisions in mbedtls) */
int gatebox_mpi_mod_mpi(struct mbedtls_mpi *X, const struct mbedtls_mpi *A,
			const struct mbedtls_mpi *N);
int gatebox_mpi_core_get_mont_r2_unsafe(struct mbedtls_mpi *X, const struct mbedtls_mpi *N);

#endif
