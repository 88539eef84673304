/* TLS key words of a socket unit (see suites.h). */
#include "common.h"
#include "suites.h"

struct name {
	uint16_t id;
	const char *iana, *alias, *alias2;
};

static const struct name ciphers[] = {
	{0x1301, "TLS_AES_128_GCM_SHA256", NULL, NULL},
	{0x1302, "TLS_AES_256_GCM_SHA384", NULL, NULL},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256", NULL, NULL},
	{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", NULL},
	{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", NULL},
	{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", NULL},
	{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", NULL},
	{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
	 NULL},
	{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
	 NULL},
	{0, NULL, NULL, NULL},
};

static const struct name groups[] = {
	{0x001d, "x25519", "X25519", NULL},
	{0x0017, "secp256r1", "P-256", "prime256v1"},
	{0, NULL, NULL, NULL},
};

static const struct name *lookup(const struct name *t, const char *word)
{
	for (; t->iana; t++)
		if (str_ieq(word, t->iana) || (t->alias && str_ieq(word, t->alias)) ||
		    (t->alias2 && str_ieq(word, t->alias2)))
			return t;
	return NULL;
}

static int parse_list(const struct name *t, const char *text, uint16_t *ids, size_t max, char *bad,
		      size_t badsize)
{
	char buf[1024], *cur = buf, *w;
	size_t n = 0;

	if (badsize)
		bad[0] = '\0';
	if (max == 0 || str_copy(buf, sizeof(buf), text) < 0)
		return -1;
	while ((w = str_token(&cur, ": ,\t")) != NULL) {
		const struct name *e = lookup(t, w);
		bool dup = false;

		if (!e) {
			str_copy(bad, badsize, w);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			dup |= ids[i] == e->id;
		if (dup)
			continue;
		if (n + 1 >= max)
			return -1;
		ids[n++] = e->id;
	}
	ids[n] = 0;
	return n ? (int)n : -1;
}

int suites_parse_ciphers(const char *text, uint16_t *ids, size_t max, char *bad, size_t badsize)
{
	return parse_list(ciphers, text, ids, max, bad, badsize);
}

int suites_parse_groups(const char *text, uint16_t *ids, size_t max, char *bad, size_t badsize)
{
	return parse_list(groups, text, ids, max, bad, badsize);
}

int suites_parse_version(const char *text)
{
	if (str_nieq(text, "TLSv", 4))
		text += 4;
	if (strcmp(text, "1.2") == 0)
		return 12;
	if (strcmp(text, "1.3") == 0)
		return 13;
	return -1;
}

static const char *name_of(const struct name *t, uint16_t id)
{
	for (; t->iana; t++)
		if (t->id == id)
			return t->iana;
	return NULL;
}

const char *suites_cipher_name(uint16_t id)
{
	return name_of(ciphers, id);
}

const char *suites_group_name(uint16_t id)
{
	return name_of(groups, id);
}
