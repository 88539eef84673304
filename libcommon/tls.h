/* The mbedtls wrapper: a TLS server's credentials loaded once, and per connection the
 * handshake and the proxy between the TLS connection and a plaintext fd. With CONFIG_TLS=n
 * every entry point is a stub and no mbedtls code is compiled or linked (libcommon/tls*.c
 * are built only with CONFIG_TLS=y).
 *
 * Process model: tls_server_new runs in socketd (root, at unit load); tls_accept and
 * tls_proxy run in the connection's own process, a fork of socketd, so a slow or hostile
 * client only ever stalls itself. Every random byte is read from getrandom(2) when it is
 * needed (PSA's external RNG), so a fork shares no generator state with its parent. */
#ifndef GATEBOX_TLS_H
#define GATEBOX_TLS_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_settings {
	const char *cert; /* PEM chain, leaf first */
	const char *key; /* PEM, RSA or EC, unencrypted */
	const char *client_ca; /* PEM: require and verify a client certificate; NULL: none */
	int min_version; /* 12 or 13 */
	const uint16_t *ciphers; /* IANA ids, 0-terminated; NULL: every one compiled in */
	const uint16_t *groups; /* TLS group ids, 0-terminated; NULL: X25519, P-256 */
};

/* What the service's environment gets about its connection */
struct tls_info {
	char version[16]; /* "TLSv1.3" */
	char cipher[64]; /* IANA name: "TLS_AES_256_GCM_SHA384" */
	/* with a client certificate (else empty) */
	char subject[512]; /* "CN=alice, O=example" */
	char cn[256];
	char sha256[65]; /* of the certificate's DER, lower-case hex */
};

struct tls_server;
struct tls_conn;

#if ENABLE_TLS
/* mbedtls's allocator (tls_alloc.c); tls_alloc_cache() keeps freed small blocks for reuse
 * from then on (a connection's process) */
void *tls_calloc(size_t n, size_t size);
void tls_free(void *p);
void tls_alloc_cache(void);
/* Known answers, checked once per process at the first load: X25519 gives RFC 7748's
 * (tls_x25519.c), P-256 RFC 6979's (tls_p256.c); tls_ecp_kat(GROUP, d, u or NULL for the
 * generator, want, its length): d times that point, uncompressed, is want */
bool tls_x25519_selftest(void);
bool tls_p256_selftest(void);
/* RSA's exponentiations on AVX-512 IFMA (tls_rsa.c): true when this CPU has it and its
 * results matched mbedtls's (checked at the first call); false: mbedtls's own */
bool tls_rsa_selftest(void);
/* an RSA key's moduli converted for it once, before the forks (no-op for others) */
struct mbedtls_pk_context;
void tls_rsa_warm(const struct mbedtls_pk_context *pk);
bool tls_ecp_kat(int group, const unsigned char d[32], const unsigned char *u,
		 const unsigned char *want, size_t want_len);
/* "mbedtls 3.6.6": the library's own version string, for --version. */
const char *tls_library_version(void);
/* Load and check the credentials: NULL with the reason in err (naming the file). */
struct tls_server *tls_server_new(const struct tls_settings *ts, char *err, size_t errsize);
void tls_server_free(struct tls_server *srv);
/* Just before the fork of a connection's process: an RSA key gets a fresh blinding pair
 * (made BLIND_BATCH at a time), so the child neither makes its own nor shares one. */
void tls_server_fork_prepare(struct tls_server *srv);
/* Zeroise the private key: a connection's process calls it for every server but its own,
 * and for its own once the handshake is over (no renegotiation needs it again). */
void tls_server_forget_key(struct tls_server *srv);
/* The leaf certificate: subject and notAfter (seconds since the epoch, UTC) */
void tls_server_cert(const struct tls_server *srv, char *subject, size_t size,
		     long long *not_after);
/* The handshake on fd (made non-blocking) within timeout_ms: the connection, or NULL with
 * the reason in err. */
struct tls_conn *tls_accept(struct tls_server *srv, int fd, int timeout_ms, struct tls_info *info,
			    char *err, size_t errsize);
/* Relay between the connection and plain (a stream socket) until both directions have
 * ended, or either side fails or hangs up: end of data from the client (close_notify or
 * FIN) becomes shutdown(SHUT_WR) of plain, end of data from plain becomes close_notify and
 * shutdown(SHUT_WR) of the TCP side. 0, or -1 with the reason in err. */
int tls_proxy(struct tls_conn *c, int plain, char *err, size_t errsize);
void tls_conn_free(struct tls_conn *c);
#else
static inline const char *tls_library_version(void)
{
	return 0;
}
static inline struct tls_server *tls_server_new(const struct tls_settings *ts, char *err,
						size_t errsize)
{
	(void)ts;
	if (errsize)
		*err = '\0';
	return 0;
}
static inline void tls_server_free(struct tls_server *srv)
{
	(void)srv;
}
static inline void tls_server_forget_key(struct tls_server *srv)
{
	(void)srv;
}
static inline void tls_server_fork_prepare(struct tls_server *srv)
{
	(void)srv;
}
static inline void tls_server_cert(const struct tls_server *srv, char *subject, size_t size,
				   long long *not_after)
{
	(void)srv;
	if (size)
		*subject = '\0';
	*not_after = 0;
}
static inline struct tls_conn *tls_accept(struct tls_server *srv, int fd, int timeout_ms,
					  struct tls_info *info, char *err, size_t errsize)
{
	(void)srv, (void)fd, (void)timeout_ms, (void)info;
	if (errsize)
		*err = '\0';
	return 0;
}
static inline int tls_proxy(struct tls_conn *c, int plain, char *err, size_t errsize)
{
	(void)c, (void)plain;
	if (errsize)
		*err = '\0';
	return -1;
}
static inline void tls_conn_free(struct tls_conn *c)
{
	(void)c;
}
#endif

#endif
