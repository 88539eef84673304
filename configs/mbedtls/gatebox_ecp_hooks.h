/* Included first by build/.../mbedtls/ecp_gatebox.c, mbedtls's ecp.c as
 * scripts/patch-mbedtls-ecp rewrites it: its Montgomery-ladder multiplication is
 * libcommon/tls_x25519.c's on 64-bit targets. Only struct tags here: ecp.c's own includes
 * come after. */
#ifndef GATEBOX_ECP_HOOKS_H
#define GATEBOX_ECP_HOOKS_H

struct mbedtls_ecp_group;
struct mbedtls_ecp_point;
struct mbedtls_mpi;

/* R = m*P, m and P checked by the caller; 0 or an MBEDTLS_ERR_* code, as mbedtls's
 * ecp_mul_mxz */
int gatebox_ecp_mul_mxz(const struct mbedtls_ecp_group *grp, struct mbedtls_ecp_point *R,
			const struct mbedtls_mpi *m, const struct mbedtls_ecp_point *P);

#endif
