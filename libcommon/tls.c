/* The mbedtls wrapper (see tls.h): credentials, the handshake under a deadline, and the
 * two-way plaintext proxy with half-close. Returns errors in caller buffers; prints nothing. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* the RSA blinding pairs (blind_refill) */
#include "common.h"
#include "suites.h"
#include "tls.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#define TLS_FILE_MAX (256 * 1024) /* a PEM chain or key larger than this is not one */
#define TLS_IO_BUF 16384 /* one full record per read and per write */
#define TLS_DRAIN_MS 60000 /* after the service ended, for the client to take the rest */
#define BLIND_BATCH 32 /* RSA blinding pairs made at a time, with one modular inversion */

struct tls_server {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt chain, ca;
	mbedtls_pk_context key;
	int ciphers[SUITES_MAX + 1];
	uint16_t groups[SUITES_MAX + 1];
	/* RSA keys: blinding pairs (Vi, Vf) not yet given to a connection's process */
	mbedtls_mpi vi[BLIND_BATCH], vf[BLIND_BATCH];
	int blinds;
};

struct tls_conn {
	mbedtls_ssl_context ssl;
	int fd;
};

/* PSA's RNG (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG): the kernel's, on every call, so a fork of a
 * process that used it continues no shared state */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *ctx,
					     uint8_t *out, size_t size, size_t *len);
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *ctx,
					     uint8_t *out, size_t size, size_t *len)
{
	size_t got = 0;

	(void)ctx;
	while (got < size) {
		ssize_t n = getrandom(out + got, size - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PSA_ERROR_INSUFFICIENT_ENTROPY;
		got += (size_t)n;
	}
	*len = got;
	return PSA_SUCCESS;
}

/* the whole file, NUL-terminated (PEM parsers want the NUL counted in the length) */
static unsigned char *read_file(const char *path, size_t *len, const char *what, char *err,
				size_t errsize)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	unsigned char *buf = NULL;
	struct stat sb;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &sb) < 0) {
		str_printf(err, errsize, "%s %s: %s", what, path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > TLS_FILE_MAX) {
		str_printf(err, errsize, "%s %s: not a regular file of at most %d bytes", what,
			   path, TLS_FILE_MAX);
		goto fail;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		str_printf(err, errsize, "%s %s: %s", what, path, strerror(errno));
		goto fail;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			str_printf(err, errsize, "%s %s: %s", what, path,
				   n < 0 ? strerror(errno) : "file shrank while read");
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got + 1;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static bool load_certs(mbedtls_x509_crt *crt, const char *path, const char *what, char *err,
		       size_t errsize)
{
	size_t len;
	unsigned char *buf = read_file(path, &len, what, err, errsize);
	int r;

	if (!buf)
		return false;
	r = mbedtls_x509_crt_parse(crt, buf, len);
	free(buf);
	if (r != 0) {
		/* > 0: that many certificates of the file failed to parse */
		str_printf(err, errsize, "%s %s: %s (mbedtls %s0x%04x)", what, path,
			   r > 0 ? "some certificates are not valid X.509"
				 : "not a PEM or DER certificate",
			   r < 0 ? "-" : "", (unsigned)(r < 0 ? -r : r));
		return false;
	}
	return true;
}

static bool load_key(struct tls_server *srv, const char *path, char *err, size_t errsize)
{
	size_t len;
	unsigned char *buf = read_file(path, &len, "TLSKey=", err, errsize);
	int r;

	if (!buf)
		return false;
	r = mbedtls_pk_parse_key(&srv->key, buf, len, NULL, 0, mbedtls_psa_get_random,
				 MBEDTLS_PSA_RANDOM_STATE);
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	if (r != 0) {
		str_printf(
			err, errsize,
			"TLSKey= %s: not an unencrypted PEM or DER RSA or EC P-256 key (mbedtls -0x%04x)",
			path, (unsigned)-r);
		return false;
	}
	if (mbedtls_pk_check_pair(&srv->chain.pk, &srv->key, mbedtls_psa_get_random,
				  MBEDTLS_PSA_RANDOM_STATE) != 0) {
		str_printf(err, errsize,
			   "TLSKey= %s does not match the certificate of TLSCertificate=", path);
		return false;
	}
	tls_rsa_warm(&srv->key);
	return true;
}

/* the suites asked for, or every one compiled in, kept to the versions allowed */
static bool set_versions_and_suites(struct tls_server *srv, const struct tls_settings *ts,
				    char *err, size_t errsize)
{
	const int *all = mbedtls_ssl_list_ciphersuites();
	bool v12 = false, v13 = false;
	size_t n = 0;

	for (size_t i = 0; ts->ciphers ? ts->ciphers[i] != 0 : all[i] != 0; i++) {
		uint16_t id = ts->ciphers ? ts->ciphers[i] : (uint16_t)all[i];

		if (ts->min_version == 13 && !suites_is_tls13(id))
			continue;
		if (n < SUITES_MAX)
			srv->ciphers[n++] = id;
		v13 |= suites_is_tls13(id);
		v12 |= !suites_is_tls13(id);
	}
	srv->ciphers[n] = 0;
	if (n == 0) {
		str_printf(err, errsize, "TLSCiphers= has no TLS 1.3 suite but TLSMinVersion=1.3");
		return false;
	}
	/* mbedtls offers TLS 1.3 whenever it is allowed, even with no 1.3 suite to use (the
	 * handshake then fails): the versions follow the suites */
	mbedtls_ssl_conf_min_tls_version(
		&srv->conf, v12 ? MBEDTLS_SSL_VERSION_TLS1_2 : MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_max_tls_version(
		&srv->conf, v13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2);
	mbedtls_ssl_conf_ciphersuites(&srv->conf, srv->ciphers);
	return true;
}

/* Signature algorithms, ours and the client's: mbedtls's default list offers RSA-PSS only
 * with MBEDTLS_X509_RSASSA_PSS_SUPPORT (PSS-signed certificates, which we do not need),
 * and TLS 1.3 with an RSA key signs with nothing else. */
static const uint16_t sig_algs[] = {
	MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
	MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,	   MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
	MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,	   MBEDTLS_TLS1_3_SIG_NONE};

struct tls_server *tls_server_new(const struct tls_settings *ts, char *err, size_t errsize)
{
	static int ecp_checked; /* the curves' known answers: 0 not yet, 1 right, -1 wrong */
	struct tls_server *srv = calloc(1, sizeof(*srv));
	static const uint16_t default_groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
						  MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, 0};
	const uint16_t *groups = ts->groups ? ts->groups : default_groups;
	size_t n = 0;

	if (!srv) {
		str_printf(err, errsize, "%s", strerror(errno));
		return NULL;
	}
	mbedtls_ssl_config_init(&srv->conf);
	mbedtls_x509_crt_init(&srv->chain);
	mbedtls_x509_crt_init(&srv->ca);
	mbedtls_pk_init(&srv->key);
	for (int i = 0; i < BLIND_BATCH; i++) {
		mbedtls_mpi_init(&srv->vi[i]);
		mbedtls_mpi_init(&srv->vf[i]);
	}
	/* no generator state is created: the RNG is getrandom (see above) */
	if (psa_crypto_init() != PSA_SUCCESS) {
		str_printf(err, errsize, "PSA crypto initialisation failed");
		goto fail;
	}
	if (!ecp_checked) {
		ecp_checked = tls_x25519_selftest() && tls_p256_selftest() ? 1 : -1;
		(void)tls_rsa_selftest(); /* either way RSA is right: decided before any fork */
	}
	if (ecp_checked < 0) {
		str_printf(err, errsize,
			   "X25519/P-256 self-test failed: this build's TLS is broken");
		goto fail;
	}
	if (!load_certs(&srv->chain, ts->cert, "TLSCertificate=", err, errsize) ||
	    !load_key(srv, ts->key, err, errsize))
		goto fail;
	if (ts->client_ca && !load_certs(&srv->ca, ts->client_ca, "TLSClientCA=", err, errsize))
		goto fail;
	if (mbedtls_ssl_config_defaults(&srv->conf, MBEDTLS_SSL_IS_SERVER,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0 ||
	    mbedtls_ssl_conf_own_cert(&srv->conf, &srv->chain, &srv->key) != 0) {
		str_printf(err, errsize, "TLS configuration failed");
		goto fail;
	}
	mbedtls_ssl_conf_rng(&srv->conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
	if (!set_versions_and_suites(srv, ts, err, errsize))
		goto fail;
	for (; n < SUITES_MAX && groups[n]; n++)
		srv->groups[n] = groups[n];
	srv->groups[n] = 0;
	mbedtls_ssl_conf_groups(&srv->conf, srv->groups);
	mbedtls_ssl_conf_sig_algs(&srv->conf, sig_algs);
	mbedtls_ssl_conf_tls13_key_exchange_modes(&srv->conf,
						  MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL);
	if (ts->client_ca) {
		mbedtls_ssl_conf_ca_chain(&srv->conf, &srv->ca, NULL);
		mbedtls_ssl_conf_authmode(&srv->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	} else {
		mbedtls_ssl_conf_authmode(&srv->conf, MBEDTLS_SSL_VERIFY_NONE);
	}
	return srv;
fail:
	tls_server_free(srv);
	return NULL;
}

/* The pairs a connection's process does not need: all but the one in the key */
static void blind_drop(struct tls_server *srv)
{
	for (int i = 0; i < BLIND_BATCH; i++) {
		mbedtls_mpi_free(&srv->vi[i]); /* zeroises */
		mbedtls_mpi_free(&srv->vf[i]);
	}
	srv->blinds = 0;
}

/* mbedtls's own (library/bignum_internal.h; rsa.c's public operation uses it): variable
 * time in the exponent only, which is E, public: 0.05 ms where mbedtls_mpi_exp_mod, which
 * treats every exponent as a secret 64-bit one, takes 0.19 */
int mbedtls_mpi_exp_mod_unsafe(mbedtls_mpi *X, const mbedtls_mpi *A, const mbedtls_mpi *E,
			       const mbedtls_mpi *N, mbedtls_mpi *prec_RR);

/* BLIND_BATCH pairs as mbedtls makes one, Vf random and Vi = Vf^-e mod N, with one
 * inversion for them all (Montgomery's trick: invert the product, then peel each factor
 * off with two multiplications). mbedtls inverts per pair: 0.8 ms of constant-time
 * inversion for RSA-2048, in every connection's process, whose fresh key has none. */
static int blind_refill(struct tls_server *srv, mbedtls_rsa_context *rsa)
{
	mbedtls_mpi *vi = srv->vi, *vf = srv->vf, inv, t;
	int r = 0, j;

	mbedtls_mpi_init(&inv);
	mbedtls_mpi_init(&t);
	/* vi[j] = vf[0] * ... * vf[j] mod N for now */
	for (j = 0; j < BLIND_BATCH && r == 0; j++) {
		r = mbedtls_mpi_fill_random(&vf[j], mbedtls_rsa_get_len(rsa) - 1,
					    mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
		if (r == 0 && j == 0)
			r = mbedtls_mpi_copy(&vi[0], &vf[0]);
		else if (r == 0 && (r = mbedtls_mpi_mul_mpi(&vi[j], &vi[j - 1], &vf[j])) == 0)
			r = mbedtls_mpi_mod_mpi(&vi[j], &vi[j], &rsa->N);
	}
	if (r == 0)
		r = mbedtls_mpi_inv_mod(&inv, &vi[BLIND_BATCH - 1], &rsa->N);
	/* inv = (vf[0] ... vf[j])^-1: vf[j]^-1 = inv * vf[0] ... vf[j-1], then drop vf[j] */
	for (j = BLIND_BATCH - 1; j >= 0 && r == 0; j--) {
		if (j == 0)
			r = mbedtls_mpi_copy(&t, &inv);
		else if ((r = mbedtls_mpi_mul_mpi(&t, &inv, &vi[j - 1])) == 0 &&
			 (r = mbedtls_mpi_mod_mpi(&t, &t, &rsa->N)) == 0 &&
			 (r = mbedtls_mpi_mul_mpi(&inv, &inv, &vf[j])) == 0)
			r = mbedtls_mpi_mod_mpi(&inv, &inv, &rsa->N);
		if (r == 0)
			r = mbedtls_mpi_exp_mod_unsafe(&vi[j], &t, &rsa->E, &rsa->N, &rsa->RN);
	}
	mbedtls_mpi_free(&inv);
	mbedtls_mpi_free(&t);
	if (r != 0)
		blind_drop(srv);
	else
		srv->blinds = BLIND_BATCH;
	return r;
}

void tls_server_fork_prepare(struct tls_server *srv)
{
	mbedtls_rsa_context *rsa;

	if (!srv || mbedtls_pk_get_type(&srv->key) != MBEDTLS_PK_RSA)
		return;
	rsa = mbedtls_pk_rsa(srv->key);
	/* the last child's pair leaves the key (zeroised); without a new one (a failed
	 * refill: never seen) the child makes its own, as mbedtls does */
	mbedtls_mpi_free(&rsa->Vi);
	mbedtls_mpi_free(&rsa->Vf);
	if (srv->blinds == 0 && blind_refill(srv, rsa) != 0)
		return;
	srv->blinds--;
	mbedtls_mpi_swap(&rsa->Vi, &srv->vi[srv->blinds]);
	mbedtls_mpi_swap(&rsa->Vf, &srv->vf[srv->blinds]);
}

void tls_server_free(struct tls_server *srv)
{
	if (!srv)
		return;
	blind_drop(srv);
	mbedtls_ssl_config_free(&srv->conf);
	mbedtls_x509_crt_free(&srv->chain);
	mbedtls_x509_crt_free(&srv->ca);
	mbedtls_pk_free(&srv->key);
	free(srv);
}

void tls_server_forget_key(struct tls_server *srv)
{
	if (!srv)
		return;
	mbedtls_pk_free(&srv->key); /* zeroises what it frees */
	blind_drop(srv);
}

void tls_server_cert(const struct tls_server *srv, char *subject, size_t size, long long *not_after)
{
	const mbedtls_x509_time *t = &srv->chain.valid_to;
	struct tm tm = {.tm_year = t->year - 1900,
			.tm_mon = t->mon - 1,
			.tm_mday = t->day,
			.tm_hour = t->hour,
			.tm_min = t->min,
			.tm_sec = t->sec};

	if (mbedtls_x509_dn_gets(subject, size, &srv->chain.subject) < 0 && size)
		subject[0] = '\0';
	*not_after = (long long)timegm(&tm);
}

static int net_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
						     : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int net_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);

	if (n >= 0)
		return (int)n; /* 0: EOF, which mbedtls reports as MBEDTLS_ERR_SSL_CONN_EOF */
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

static void cork(int fd, int on)
{
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* why a client certificate was refused, in words */
static void verify_words(uint32_t flags, char *err, size_t errsize)
{
	static const struct {
		uint32_t flag;
		const char *text;
	} words[] = {
		{MBEDTLS_X509_BADCERT_EXPIRED, "expired"},
		{MBEDTLS_X509_BADCERT_FUTURE, "not valid yet"},
		{MBEDTLS_X509_BADCERT_NOT_TRUSTED, "not issued by TLSClientCA="},
		{MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE,
		 "key usage does not allow client authentication"},
		{MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
			 MBEDTLS_X509_BADCERT_BAD_KEY,
		 "unsupported signature or key"},
	};
	size_t used;

	str_copy(err, errsize, "client certificate refused:");
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (flags & words[i].flag) {
			str_append(err, errsize, " ");
			str_append(err, errsize, words[i].text);
			flags &= ~words[i].flag;
		}
	used = strlen(err);
	if (flags)
		str_printf(err + used, errsize - used, " (flags 0x%x)", (unsigned)flags);
}

static void handshake_words(struct tls_conn *c, int r, char *err, size_t errsize)
{
	const char *why;

	switch (r) {
	case MBEDTLS_ERR_SSL_INVALID_RECORD:
	case MBEDTLS_ERR_SSL_DECODE_ERROR:
		why = "not a TLS ClientHello (garbage or another protocol)";
		break;
	case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
		why = "no TLS version in common";
		break;
	case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE:
		why = "no cipher suite, group or signature algorithm in common";
		break;
	case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
		why = "no client certificate";
		break;
	case MBEDTLS_ERR_SSL_CONN_EOF:
		why = "the client closed the connection";
		break;
	case MBEDTLS_ERR_NET_CONN_RESET:
		why = "connection reset by the client";
		break;
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		why = "the client sent a fatal alert (it refused the certificate?)";
		break;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		verify_words(mbedtls_ssl_get_verify_result(&c->ssl), err, errsize);
		return;
	case MBEDTLS_ERR_SSL_BAD_CERTIFICATE:
		why = "the client certificate is malformed or missing";
		break;
	default:
		why = NULL;
	}
	if (why)
		str_printf(err, errsize, "%s (mbedtls -0x%04x)", why, (unsigned)-r);
	else
		str_printf(err, errsize, "mbedtls error -0x%04x", (unsigned)-r);
}

static void peer_info(struct tls_conn *c, struct tls_info *info)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&c->ssl);
	const char *name = suites_cipher_name(
		(uint16_t)mbedtls_ssl_get_ciphersuite_id_from_ssl(&c->ssl));
	unsigned char md[32];

	memset(info, 0, sizeof(*info));
	str_copy(info->version, sizeof(info->version), mbedtls_ssl_get_version(&c->ssl));
	str_copy(info->cipher, sizeof(info->cipher),
		 name ? name : mbedtls_ssl_get_ciphersuite(&c->ssl));
	if (!crt)
		return;
	if (mbedtls_x509_dn_gets(info->subject, sizeof(info->subject), &crt->subject) < 0)
		info->subject[0] = '\0';
	for (const mbedtls_x509_name *n = &crt->subject; n; n = n->next) {
		size_t len = 0;

		if (!n->oid.p || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0)
			continue;
		/* the last CN wins, as most verifiers read it; unprintable bytes become '?' so
		 * the value is safe in any environment */
		for (size_t i = 0; i < n->val.len && len + 1 < sizeof(info->cn); i++) {
			unsigned char ch = n->val.p[i];

			info->cn[len++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		info->cn[len] = '\0';
	}
	if (mbedtls_sha256(crt->raw.p, crt->raw.len, md, 0) == 0)
		for (size_t i = 0; i < sizeof(md); i++)
			str_printf(info->sha256 + 2 * i, 3, "%02x", md[i]);
}

struct tls_conn *tls_accept(struct tls_server *srv, int fd, int timeout_ms, struct tls_info *info,
			    char *err, size_t errsize)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	long long deadline = mono_ms() + timeout_ms;
	int r, fl = fcntl(fd, F_GETFL);

	if (!c || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		str_printf(err, errsize, "%s: %s", c ? "fcntl" : "calloc", strerror(errno));
		free(c);
		return NULL;
	}
	c->fd = fd;
	blind_drop(srv); /* other connections' pairs: this one has its own in the key */
	tls_alloc_cache();
	mbedtls_ssl_init(&c->ssl);
	if (mbedtls_ssl_setup(&c->ssl, &srv->conf) != 0) {
		str_printf(err, errsize, "out of memory for the TLS context");
		goto fail;
	}
	mbedtls_ssl_set_bio(&c->ssl, &c->fd, net_send, net_recv, NULL);
	/* mbedtls sends each handshake message as it is made, and TCP_NODELAY makes each a
	 * segment of its own (six for a TLS 1.3 server's flight): corked, a flight leaves as
	 * one when the handshake waits for the client (a failure for a non-TCP fd is moot) */
	while (cork(fd, 1), (r = mbedtls_ssl_handshake(&c->ssl)) != 0) {
		struct pollfd p = {.fd = fd};
		long long left = deadline - mono_ms();

		cork(fd, 0);
		if (r == MBEDTLS_ERR_SSL_WANT_READ)
			p.events = POLLIN;
		else if (r == MBEDTLS_ERR_SSL_WANT_WRITE)
			p.events = POLLOUT;
		else {
			handshake_words(c, r, err, errsize);
			goto fail;
		}
		if (left <= 0 || (r = poll(&p, 1, (int)left)) == 0) {
			str_printf(err, errsize, "handshake timed out after %d ms", timeout_ms);
			goto fail;
		}
		if (r < 0 && errno != EINTR) {
			str_printf(err, errsize, "poll: %s", strerror(errno));
			goto fail;
		}
	}
	cork(fd, 0);
	peer_info(c, info);
	return c;
fail:
	tls_conn_free(c);
	return NULL;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	mbedtls_ssl_free(&c->ssl);
	free(c);
}

struct half {
	unsigned char buf[TLS_IO_BUF];
	size_t len, off;
	bool open; /* its source may still send */
};

/* TLS -> plain: returns -1 on a fatal error (err set), else adds what to poll for */
static int tls_to_plain(struct tls_conn *c, struct half *h, int plain, short *nev, short *pev,
			bool *progress, char *err, size_t errsize)
{
	if (h->open && h->len == 0) {
		int r = mbedtls_ssl_read(&c->ssl, h->buf, sizeof(h->buf));

		if (r > 0) {
			h->len = (size_t)r;
			h->off = 0;
			*progress = true;
		} else if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
			   r == MBEDTLS_ERR_SSL_CONN_EOF) {
			/* the client has said all it will say: so does plain's reader */
			h->open = false;
			shutdown(plain, SHUT_WR);
			*progress = true;
		} else if (r == MBEDTLS_ERR_SSL_WANT_READ) {
			*nev |= POLLIN;
		} else if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
			*nev |= POLLOUT;
		} else {
			str_printf(err, errsize, "reading from the client: mbedtls -0x%04x",
				   (unsigned)-r);
			return -1;
		}
	}
	if (h->len) {
		ssize_t n = send(plain, h->buf + h->off, h->len, MSG_NOSIGNAL);

		if (n > 0) {
			h->off += (size_t)n;
			h->len -= (size_t)n;
			*progress = true;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			*pev |= POLLOUT;
		} else {
			str_printf(err, errsize, "the service stopped reading: %s",
				   strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* plain -> TLS, and the close_notify once plain has ended */
static int plain_to_tls(struct tls_conn *c, struct half *h, int plain, bool *closing, short *nev,
			short *pev, bool *progress, char *err, size_t errsize)
{
	if (h->open && h->len == 0) {
		ssize_t n = recv(plain, h->buf, sizeof(h->buf), 0);

		if (n > 0) {
			h->len = (size_t)n;
			h->off = 0;
			*progress = true;
		} else if (n == 0 || errno == ECONNRESET) {
			h->open = false;
			*closing = true;
			*progress = true;
		} else if (errno == EAGAIN || errno == EINTR) {
			*pev |= POLLIN;
		} else {
			str_printf(err, errsize, "reading from the service: %s", strerror(errno));
			return -1;
		}
	}
	if (h->len) {
		int r = mbedtls_ssl_write(&c->ssl, h->buf + h->off, h->len);

		if (r > 0) {
			h->off += (size_t)r;
			h->len -= (size_t)r;
			*progress = true;
		} else if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
			*nev |= POLLOUT;
		} else if (r == MBEDTLS_ERR_SSL_WANT_READ) {
			*nev |= POLLIN;
		} else {
			str_printf(err, errsize, "writing to the client: mbedtls -0x%04x",
				   (unsigned)-r);
			return -1;
		}
	} else if (*closing) {
		int r = mbedtls_ssl_close_notify(&c->ssl);

		if (r == 0) {
			*closing = false;
			shutdown(c->fd, SHUT_WR);
			*progress = true;
		} else if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
			*nev |= POLLOUT;
		} else {
			*closing = false; /* the client is gone: nothing left to tell it */
			*progress = true;
		}
	}
	return 0;
}

int tls_proxy(struct tls_conn *c, int plain, char *err, size_t errsize)
{
	struct half *in = calloc(2, sizeof(*in)), *out;
	bool closing = false, plain_gone = false, hup[2] = {false, false};
	int fl = fcntl(plain, F_GETFL), rc = 0;
	long long drain_until = 0; /* the service is gone: its last words must be read by then */

	if (!in) {
		str_printf(err, errsize, "calloc: %s", strerror(errno));
		return -1;
	}
	out = in + 1;
	if (fl >= 0)
		fcntl(plain, F_SETFL, fl | O_NONBLOCK);
	in->open = out->open = true;
	for (;;) {
		struct pollfd p[2] = {{.fd = c->fd}, {.fd = plain_gone ? -1 : plain}};
		bool progress = false;

		if (tls_to_plain(c, in, plain, &p[0].events, &p[1].events, &progress, err,
				 errsize) < 0 ||
		    plain_to_tls(c, out, plain, &closing, &p[0].events, &p[1].events, &progress,
				 err, errsize) < 0) {
			rc = -1;
			break;
		}
		if (!in->open && !in->len && !out->open && !out->len && !closing)
			break;
		if (progress) {
			drain_until = 0; /* a client that reads gets its time again */
			continue;
		}
		/* plain is polled even with no events: its POLLHUP says the service is gone
		 * (both directions), which ends the relay although the client may linger. A side
		 * that hung up and is asked for nothing would wake poll at once, for ever (a
		 * spin): it is left out, and with both out nothing can happen any more */
		if (hup[1] && !out->open && !plain_gone) {
			/* the service is gone and all it said was read: what the client still
			 * sends has no reader, only the close_notify is left to finish */
			plain_gone = true;
			in->open = false;
			in->len = 0;
			continue;
		}
		for (int i = 0; i < 2; i++)
			if (hup[i] && !p[i].events)
				p[i].fd = -1;
		if (p[0].fd < 0 && p[1].fd < 0) {
			str_printf(err, errsize, "both sides hung up");
			rc = -1;
			break;
		}
		if (hup[1] && !drain_until)
			drain_until = mono_ms() + TLS_DRAIN_MS;
		{
			long long left = drain_until ? drain_until - mono_ms() : -1;
			int n = poll(p, 2, drain_until ? (left > 0 ? (int)left : 0) : -1);

			if (n == 0) {
				str_printf(
					err, errsize,
					"the client read nothing for %d s after the service ended",
					TLS_DRAIN_MS / 1000);
				rc = -1;
				break;
			}
			if (n < 0 && errno != EINTR) {
				str_printf(err, errsize, "poll: %s", strerror(errno));
				rc = -1;
				break;
			}
		}
		for (int i = 0; i < 2; i++)
			hup[i] |= (p[i].revents & (POLLHUP | POLLERR)) != 0;
		if ((p[0].revents & POLLHUP) && !(p[0].revents & POLLIN) && !in->open) {
			/* the client closed both ways: what is left for it has nowhere to go */
			if (out->len || closing || out->open)
				str_printf(err, errsize, "the client closed the connection");
			rc = out->len || closing || out->open ? -1 : 0;
			break;
		}
		if (p[0].revents & (POLLERR | POLLNVAL)) {
			str_printf(err, errsize, "the client connection failed");
			rc = -1;
			break;
		}
	}
	free(in);
	return rc;
}
