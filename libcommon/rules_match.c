/* Pattern matching of hosts_access(5): lists with EXCEPT, daemon and client tokens, host
 * patterns (netgroups, /file lists, KNOWN, LOCAL, net/mask, names and addresses) and the
 * string match with its wildcard, suffix, prefix and [v6] forms. */
#include "common.h"
#include "rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>

#define LIST_SEPS ", \t\r\n"

static bool hostname_known(const char *s)
{
	return strcasecmp(s, RULES_UNKNOWN) != 0 && strcasecmp(s, RULES_PARANOID) != 0;
}

/* A token with any byte outside "0123456789./" may name a host, so it is also compared
 * with the name (which may cost a lookup). */
static bool not_inaddr(const char *s)
{
	return s[strspn(s, "01234567890./")] != '\0';
}

char *rules_split_at(char *string, int delim)
{
	int bracket = 0;

	for (char *cp = string; *cp; cp++) {
		if (*cp == '[')
			bracket++;
		else if (*cp == ']')
			bracket--;
		else if (bracket == 0 && *cp == delim) {
			*cp = '\0';
			return cp + 1;
		}
	}
	return NULL;
}

size_t rules_list_split(char *list, char **tok, size_t max)
{
	char *cur = list, *t;
	size_t n = 0;

	while (n < max && (t = str_token(&cur, LIST_SEPS)) != NULL)
		tok[n++] = t;
	return n;
}

/* Reads tokens left to right: the first match skips to the next EXCEPT, and the list then
 * matches unless the rest matches (so EXCEPT nests to the right). */
int rules_list_match_tokens(char **tok, size_t n, struct rules_request *rq,
			    int (*match)(char *tok, struct rules_request *rq))
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(tok[i], "EXCEPT") == 0)
			return RULES_NO;
		if (match(tok[i], rq)) {
			size_t j = i + 1;

			while (j < n && strcasecmp(tok[j], "EXCEPT") != 0)
				j++;
			if (j == n)
				return RULES_YES;
			return rules_list_match_tokens(tok + j + 1, n - j - 1, rq, match)
				? RULES_NO
				: RULES_YES;
		}
	}
	return RULES_NO;
}

int rules_list_match(char *list, struct rules_request *rq,
		     int (*match)(char *tok, struct rules_request *rq))
{
	char *tok[RULES_LINE_MAX / 2]; /* tokens are separated: at most half a line of them */

	return rules_list_match_tokens(tok, rules_list_split(list, tok, RULES_LINE_MAX / 2), rq,
				       match);
}

/* '*' and '?' over the whole string, case-insensitively; no character classes. */
static bool glob_match(const char *s, const char *p)
{
	const char *star = NULL, *retry = NULL;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			retry = s;
		} else if (*p == '?' ||
			   (*p && tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static bool v6_equal(const char *tok, const char *string)
{
	size_t len = strlen(tok);
	char inner[RULES_STRING_MAX];
	unsigned char a[16], b[16];

	if (len < 2 || len - 2 >= sizeof(inner))
		return false;
	memcpy(inner, tok + 1, len - 2);
	inner[len - 2] = '\0';
	/* the pattern's scope must name a real interface, but scopes are not compared */
	return rules_inet6(inner, a) == 0 && rules_inet6(string, b) == 0 && memcmp(a, b, 16) == 0;
}

int rules_string_match(const char *tok, const char *string)
{
	size_t tl = strlen(tok), sl;
	unsigned int dummy;

	if (strncasecmp(string, "::ffff:", 7) == 0 && rules_dot_quad(string + 7, &dummy) == 0)
		string += 7; /* IPv4-mapped: compare as IPv4 */
	sl = strlen(string);
	if (strchr(tok, '*') || strchr(tok, '?'))
		return glob_match(string, tok);
	if (tok[0] == '.')
		return sl > tl && strcasecmp(tok, string + (sl - tl)) == 0;
	if (strcasecmp(tok, "ALL") == 0)
		return RULES_YES;
	if (strcasecmp(tok, "KNOWN") == 0)
		return strcasecmp(string, RULES_UNKNOWN) != 0;
	if (tl > 0 && tok[tl - 1] == '.')
		return strncasecmp(tok, string, tl) == 0;
	if (ENABLE_IPV6 && tok[0] == '[' && tl > 1 && tok[tl - 1] == ']')
		return v6_equal(tok, string);
	return strcasecmp(tok, string) == 0;
}

static int cidr_mask(const char *s, unsigned int *mask)
{
	long bits = strtol(s, NULL, 10); /* atoi: "/8x" is /8 */

	if (bits < 1 || bits > 32)
		return -1;
	*mask = htonl(0xffffffffU << (32 - bits));
	return 0;
}

static int masked_match4(const char *net_tok, const char *mask_tok, const char *string)
{
	unsigned int net, mask, addr;

	if (rules_dot_quad(string, &addr) < 0)
		return RULES_NO;
	if (rules_dot_quad(net_tok, &net) < 0 ||
	    (rules_dot_quad(mask_tok, &mask) < 0 && cidr_mask(mask_tok, &mask) < 0))
		return RULES_NO; /* silent in tcpd; tcpdchk reports it */
	return (addr & mask) == net;
}

static int masked_match6(const char *net_tok, const char *mask_tok, const char *string)
{
	size_t len = strlen(net_tok);
	char inner[RULES_STRING_MAX];
	unsigned char net[16], addr[16];
	long bits;

	if (len < 2 || net_tok[0] != '[' || net_tok[len - 1] != ']' || len - 2 >= sizeof(inner))
		return RULES_NO;
	memcpy(inner, net_tok + 1, len - 2);
	inner[len - 2] = '\0';
	if (rules_inet6(string, addr) < 0 || rules_inet6(inner, net) < 0)
		return RULES_NO;
	bits = strtol(mask_tok, NULL, 10);
	if (bits < 0 || bits > 128)
		return RULES_NO;
	/* only the prefix bits count: host bits in the net are ignored (unlike IPv4) */
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char m = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));

		if ((addr[i] & m) != (net[i] & m))
			return RULES_NO;
	}
	return RULES_YES;
}

int rules_masked_match(char *net_tok, char *mask_tok, const char *string)
{
	unsigned int dummy;

	if (strncasecmp(string, "::ffff:", 7) == 0 && rules_dot_quad(string + 7, &dummy) == 0)
		return masked_match4(net_tok, mask_tok, string + 7); /* IPv4 rules only */
	if (net_tok[0] == '[')
		return ENABLE_IPV6 ? masked_match6(net_tok, mask_tok, string) : RULES_NO;
	return masked_match4(net_tok, mask_tok, string);
}

/* /path: whitespace-separated host patterns, no comments, no EXCEPT; nested files work. */
static int hostfile_match(const char *path, struct rules_host *h, int depth)
{
	char tok[RULES_LINE_MAX];
	FILE *fp;
	int match = RULES_NO, c;

	if (depth > 16)
		return RULES_NO; /* a file that lists itself would recurse forever */
	fp = fopen(path, "re");
	if (!fp) {
		if (errno != ENOENT && h->rq)
			rules_warn(h->rq, "open %s: %s", path, strerror(errno));
		return RULES_NO;
	}
	while (!match) {
		size_t n = 0;

		while ((c = getc(fp)) != EOF && isspace(c))
			;
		if (c == EOF)
			break;
		do {
			if (n < sizeof(tok) - 1)
				tok[n++] = (char)c;
		} while ((c = getc(fp)) != EOF && !isspace(c));
		tok[n] = '\0';
		if (tok[0] == '/')
			match = hostfile_match(tok, h, depth + 1);
		else
			match = rules_host_match(tok, h);
	}
	fclose(fp);
	return match;
}

int rules_netgroup_match(const char *group, const char *host);

int rules_host_match(char *tok, struct rules_host *h)
{
	char *mask;

	if (tok[0] == '@')
		return rules_netgroup_match(tok + 1, rules_host_name(h));
	if (tok[0] == '/')
		return hostfile_match(tok, h, 0);
	if (strcasecmp(tok, "KNOWN") == 0) {
		const char *name = rules_host_name(h);

		return strcasecmp(rules_host_addr(h), RULES_UNKNOWN) != 0 && hostname_known(name);
	}
	if (strcasecmp(tok, "LOCAL") == 0) {
		const char *name = rules_host_name(h);

		return strchr(name, '.') == NULL && hostname_known(name);
	}
	if ((mask = rules_split_at(tok, '/')) != NULL) {
		int r = rules_masked_match(tok, mask, rules_host_addr(h));

		mask[-1] = '/'; /* tokens are restored: /file lists and the cache reuse them */
		return r;
	}
	return rules_string_match(tok, rules_host_addr(h)) ||
		(not_inaddr(tok) && rules_string_match(tok, rules_host_name(h)));
}

/* Debian's match_port: a daemon token that is a decimal number up to 65535 is a port. */
static bool is_port_token(const char *tok, unsigned *port)
{
	unsigned long v;

	if (opt_ulong(tok, 10, 0, 65535, &v) < 0)
		return false;
	*port = (unsigned)v;
	return true;
}

static int daemon_match(const char *tok, struct rules_request *rq)
{
	unsigned port;

	if (is_port_token(tok, &port))
		return rq->server.salen != 0 && rules_host_port(&rq->server) == port;
	return rules_string_match(tok, rq->daemon);
}

int rules_server_match(char *tok, struct rules_request *rq)
{
	char *host = tok[0] ? rules_split_at(tok + 1, '@') : NULL;
	int r;

	if (!host)
		return daemon_match(tok, rq);
	r = daemon_match(tok, rq) && rules_host_match(host, &rq->server);
	host[-1] = '@';
	return r;
}

int rules_client_match(char *tok, struct rules_request *rq)
{
	char *host = tok[0] ? rules_split_at(tok + 1, '@') : NULL;
	int r;

	if (!host)
		return rules_host_match(tok, &rq->client);
	r = rules_host_match(host, &rq->client) && rules_string_match(tok, rules_user(rq));
	host[-1] = '@';
	return r;
}
