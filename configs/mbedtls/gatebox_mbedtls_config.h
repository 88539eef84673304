/* gatebox's trimmed mbedtls 3.6 configuration (replaces mbedtls_config.h; build_info.h runs
 * check_config.h on it): exactly what socketd's TLS termination needs, a TLS 1.2 and 1.3
 * server with
 *   key exchange  ECDHE over P-256 or X25519 (no RSA key transport: no forward secrecy)
 *   ciphers       AES-128/256-GCM and ChaCha20-Poly1305 (AEAD only: no CBC, no MAC-then-encrypt)
 *   certificates  RSA (PKCS#1 v1.5 for 1.2, PSS for 1.3) and ECDSA P-256, client ones verified
 * and nothing else (no session cache or tickets: each connection is its own process; no
 * renegotiation, no DTLS, no PSK). Every random byte comes from getrandom(2) through PSA's
 * external RNG hook (tls.c): no DRBG state exists, so nothing random is shared by a fork.
 * Three hooks are ours, for speed: mbedtls's calloc/free (tls_alloc.c), X25519's field
 * arithmetic (tls_x25519.c, 64-bit targets) and the RSA blinding pairs (tls.c). */
#ifndef GATEBOX_MBEDTLS_CONFIG_H
#define GATEBOX_MBEDTLS_CONFIG_H

#define MBEDTLS_VERSION_C

/* platform */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE /* certificate validity */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG /* mbedtls_psa_external_get_random() in tls.c */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY /* calloc/free with a per-connection cache: tls_alloc.c */
#include <stddef.h>
void *tls_calloc(size_t n, size_t size);
void tls_free(void *p);
#define MBEDTLS_PLATFORM_CALLOC_MACRO tls_calloc
#define MBEDTLS_PLATFORM_FREE_MACRO tls_free

/* symmetric */
#define MBEDTLS_AES_C
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT /* GCM only ever encrypts with AES: no decryption tables */
#define MBEDTLS_AESNI_C /* x86_64 only (AES-NI and PCLMULQDQ, checked at run time) */
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
/* the rolled-up compression: 2.2 kB less, 325 -> 251 MB/s (measured with a scratch
 * program): a handshake hashes a few dozen to a hundred blocks with SHA-256 (none of its
 * records do: every suite is AEAD), so a few microseconds, against X25519's and RSA's
 * hundreds; it paid for this size's budget (TLS at most 160 KiB) when those got faster */
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA384_C /* the *-SHA384 suites, and certificates signed with SHA-384 */
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C /* TLS 1.3 key schedule (PSA) */

/* public key */
#define MBEDTLS_BIGNUM_C
/* RSA private operations: 3.6 scans the whole window table per lookup (constant time), so
 * past 4 it costs more than it saves (RSA-2048 sign: 1.62 ms at 4, 1.64 at 5, 1.74 at 6) */
#define MBEDTLS_MPI_WINDOW_SIZE 4
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 4
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1 /* precomputed tables: keygen and signing 3-4x faster */
#if defined(__SIZEOF_INT128__)
/* X25519's whole ladder in radix 2^51 (libcommon/tls_x25519.c, hooked in by
 * scripts/patch-mbedtls-ecp, not a setting here): each of the two scalar multiplications
 * of a handshake 0.45 -> 0.06 ms on x86_64 */
#define MBEDTLS_ECP_INTERNAL_ALT
/* and P-256's point doubling, mixed addition and normalisation (libcommon/tls_p256.c):
 * our key share 0.19 -> 0.10 ms, the shared secret 0.53 -> 0.27, an ECDSA signature
 * 0.25 -> 0.15 */
#define MBEDTLS_ECP_DOUBLE_JAC_ALT
#define MBEDTLS_ECP_ADD_MIXED_ALT
#define MBEDTLS_ECP_NORMALIZE_JAC_ALT
#define MBEDTLS_ECP_NORMALIZE_JAC_MANY_ALT
#define MBEDTLS_ECP_NO_FALLBACK /* both curves are always ours: mbedtls's steps compiled out */
#endif
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_REMOVE_INFO /* no text dumps of certificates; tls.c words the errors */

/* PSA: TLS 1.3 does its key schedule, key exchange and record protection through it, and
 * it is the RNG of everything else (mbedtls_psa_get_random) */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS /* no buffer is shared with another process */

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE /* OpenSSL and browsers send the dummy CCS */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* TLS 1.3 needs it; TLS_PEER_* come from it */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES /* clients say why they were refused */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384 /* a full record from any client */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 16384

/* only these suites are compiled in (the TLS 1.3 ones first, then 1.2 by strength) */
#define MBEDTLS_SSL_CIPHERSUITES                                                 \
	MBEDTLS_TLS1_3_AES_256_GCM_SHA384, MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256, \
		MBEDTLS_TLS1_3_AES_128_GCM_SHA256,                                  \
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                    \
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,                      \
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,              \
		MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,                \
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,                    \
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256

#endif
