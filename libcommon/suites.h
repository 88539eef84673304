/* The words of the TLS keys of a .socket unit (TLSCiphers=, TLSGroups=, TLSMinVersion=) and
 * the IANA numbers they stand for. Pure table work with no TLS library behind it, so the
 * parser is fuzzed in every build; only socketd's TLS path references it (with CONFIG_TLS=n
 * --gc-sections drops it). The suites and groups are those configs/mbedtls compiles in. */
#ifndef GATEBOX_SUITES_H
#define GATEBOX_SUITES_H

#include <stddef.h>
#include <stdint.h>

#define SUITES_MAX 16 /* entries of a list, its terminating 0 not counted */

/* TLSCiphers=: IANA (TLS_AES_128_GCM_SHA256) or OpenSSL (ECDHE-RSA-AES128-GCM-SHA256) names,
 * case-insensitive, separated by ':', ',' or blanks; ids gets them in order, 0-terminated
 * (max counts the 0). Returns the count, or -1 with the first unknown word (or "" for an
 * empty or too long list) in bad. Duplicates are dropped. */
int suites_parse_ciphers(const char *text, uint16_t *ids, size_t max, char *bad, size_t badsize);
/* TLSGroups=: X25519, P-256 (also secp256r1, prime256v1); as suites_parse_ciphers */
int suites_parse_groups(const char *text, uint16_t *ids, size_t max, char *bad, size_t badsize);
/* TLSMinVersion=: "1.2" or "1.3" (or "TLSv1.2", "TLSv1.3"): 12 or 13; -1 otherwise */
int suites_parse_version(const char *text);
/* The IANA name of a suite or group, or NULL */
const char *suites_cipher_name(uint16_t id);
const char *suites_group_name(uint16_t id);
/* Is the suite a TLS 1.3 one (0x13xx)? Those carry no key exchange of their own. */
static inline int suites_is_tls13(uint16_t id)
{
	return (id >> 8) == 0x13;
}

#endif
