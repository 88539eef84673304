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
	return !str_ieq(s, RULES_UNKNOWN) && !str_ieq(s, RULES_PARANOID);
}

/* A token with any byte outside "0123456789./" may name a host, so it is also compared
 * with the name (which may cost a lookup). */
static bool not_inaddr(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == '/'))
			return true;
	return false;
}

/* The bytes rules_split_at must look at; all others are skipped by one table lookup each
 * (this runs over every rule of every table). */
static const unsigned char split_byte[256] = {
	['\0'] = 1, ['['] = 1, [']'] = 1, [':'] = 1, ['@'] = 1, ['/'] = 1,
};

char *rules_split_at(char *string, int delim)
{
	int bracket = 0;

	for (char *cp = string;; cp++) {
		while (!split_byte[(unsigned char)*cp])
			cp++;
		if (*cp == delim && bracket == 0) {
			*cp = '\0';
			return cp + 1;
		}
		switch (*cp) {
		case '\0':
			return NULL;
		case '[':
			bracket++;
			break;
		case ']':
			bracket--;
			break;
		default:
			break;
		}
	}
}

/* list separators: blank, tab, CR, LF and comma (a table: this runs for every byte) */
static const unsigned char sep_byte[256] = {
	[' '] = 1, [','] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1};
#define is_sep(c) (sep_byte[(unsigned char)(c)])

/* Byte classes of a rule line for rules_parse_line. */
enum { B_PLAIN, B_SEP, B_OPEN, B_CLOSE, B_COLON, B_END };
static const unsigned char line_byte[256] = {
	[' '] = B_SEP,	[','] = B_SEP,	 ['\t'] = B_SEP,  ['\r'] = B_SEP, ['\n'] = B_SEP,
	['['] = B_OPEN, [']'] = B_CLOSE, [':'] = B_COLON, ['\0'] = B_END,
};

int rules_parse_line(char *line, struct rules_line *out)
{
	char **tok = out->daemons, *p = line;
	size_t n = 0;
	int depth = 0; /* rules_split_at's bracket count, restarted after the first ':' */
	bool second = false;
	unsigned char c;

	out->opts = NULL;
	for (;;) {
		while ((c = line_byte[(unsigned char)*p]) == B_SEP)
			p++;
		if (c == B_END)
			break;
		if (c == B_COLON && depth == 0) {
			*p++ = '\0';
			if (second) {
				out->nclients = n;
				out->opts = p;
				return 0;
			}
			second = true;
			out->ndaemons = n;
			tok = out->clients;
			n = 0;
			continue;
		}
		if (n < RULES_TOKENS_MAX)
			tok[n++] = p;
		/* the token: plain bytes fast, brackets counted, a ':' inside brackets kept */
		for (;; p++) {
			c = line_byte[(unsigned char)*p];
			if (c == B_PLAIN)
				continue;
			if (c == B_OPEN)
				depth++;
			else if (c == B_CLOSE)
				depth--;
			else if (c != B_COLON || depth == 0)
				break;
		}
		if (c == B_SEP)
			*p++ = '\0';
	}
	if (!second) {
		/* no separator: undo the cuts so the caller sees the line unchanged */
		for (char *q = line; q < p; q++)
			if (*q == '\0')
				*q = ' ';
		return -1;
	}
	out->nclients = n;
	return 0;
}

/* A keyword test that rejects on the first byte before comparing the rest. */
#define KW(tok, word) ((((tok)[0] | 0x20) == ((word)[0] | 0x20)) && str_ieq((tok), (word)))

size_t rules_list_split(char *list, char **tok, size_t max)
{
	char *p = list;
	size_t n = 0;

	while (n < max) {
		while (is_sep(*p))
			p++;
		if (!*p)
			break;
		tok[n++] = p;
		while (*p && !is_sep(*p))
			p++;
		if (!*p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Reads tokens left to right: the first match skips to the next EXCEPT, and the list then
 * matches unless the rest matches (so EXCEPT nests to the right). */
int rules_list_match_tokens(char **tok, size_t n, struct rules_request *rq,
			    int (*match)(char *tok, struct rules_request *rq))
{
	for (size_t i = 0; i < n; i++) {
		if (KW(tok[i], "EXCEPT"))
			return RULES_NO;
		if (match(tok[i], rq)) {
			size_t j = i + 1;

			while (j < n && !KW(tok[j], "EXCEPT"))
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
	size_t tl = 0, sl;
	unsigned int dummy;

	if (string[0] == ':' && str_nieq(string, "::ffff:", 7) &&
	    rules_dot_quad(string + 7, &dummy) == 0)
		string += 7; /* IPv4-mapped: compare as IPv4 */
	for (; tok[tl]; tl++) /* length and wildcards in one pass */
		if (tok[tl] == '*' || tok[tl] == '?')
			return glob_match(string, tok);
	if (tok[0] == '.') {
		sl = strlen(string);
		return sl > tl && str_ieq(tok, string + (sl - tl));
	}
	if (KW(tok, "ALL"))
		return RULES_YES;
	if (KW(tok, "KNOWN"))
		return !str_ieq(string, RULES_UNKNOWN);
	if (tl > 0 && tok[tl - 1] == '.')
		return str_nieq(tok, string, tl);
	if (ENABLE_IPV6 && tok[0] == '[' && tl > 1 && tok[tl - 1] == ']')
		return v6_equal(tok, string);
	return str_ieq(tok, string);
}

static int cidr_mask(const char *s, unsigned int *mask)
{
	/* libwrap's atoi: "/8x" is /8, and an int's overflow wraps ("/4294967304" is /8) */
	long bits = (int)strtoll(s, NULL, 10);

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
	bits = (int)strtoll(mask_tok, NULL, 10); /* libwrap's atoi, wrapping as an int */
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

	if (string[0] == ':' && str_nieq(string, "::ffff:", 7) &&
	    rules_dot_quad(string + 7, &dummy) == 0)
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
static int cidr_mask(const char *s, unsigned int *mask);

/* Tokens made only of digits and dots (1), or of digits and dots around one '/' (2): the
 * bulk of large tables. 0 for anything else. */
static int numeric_class(const char *tok, const char **slash, size_t *len)
{
	int cls = 1;
	const char *p;

	*slash = NULL;
	for (p = tok; *p; p++) {
		if ((*p >= '0' && *p <= '9') || *p == '.')
			continue;
		if (*p == '/' && !*slash && p != tok) {
			*slash = p;
			cls = 2;
			continue;
		}
		return 0;
	}
	*len = (size_t)(p - tok);
	return cls;
}

/* The general path decided in one step for numeric tokens: no name lookup (numeric tokens
 * never trigger one), no keyword can match, string_match reduces to byte comparisons. */
static int numeric_match(char *tok, int cls, const char *slash, size_t tl, struct rules_host *h)
{
	const char *s = rules_host_addr(h);
	unsigned int dummy;
	size_t sl;

	if (s[0] == ':' && str_nieq(s, "::ffff:", 7) && rules_dot_quad(s + 7, &dummy) == 0)
		s += 7;
	if (cls == 2) {
		/* masked_match4 on the unwrapped address, with that address parsed once */
		char *cut = tok + (slash - tok);
		const char *m = slash + 1;
		unsigned int addr, net, mask;
		int r;

		if (rules_host_v4(h, &addr) < 0)
			return RULES_NO;
		*cut = '\0';
		r = rules_dot_quad(tok, &net);
		*cut = '/';
		if (r < 0)
			return RULES_NO;
		if (m[0] >= '0' && m[0] <= '9' &&
		    (m[1] == '\0' || (m[1] >= '0' && m[1] <= '9' && !m[2]))) {
			unsigned bits = m[1] ? (unsigned)(m[0] - '0') * 10 + (unsigned)(m[1] - '0')
					     : (unsigned)(m[0] - '0');

			if (bits < 1 || bits > 32)
				return RULES_NO;
			mask = htonl(0xffffffffU << (32 - bits));
		} else if (rules_dot_quad(m, &mask) < 0 && cidr_mask(m, &mask) < 0) {
			return RULES_NO;
		}
		return (addr & mask) == net;
	}
	if (tok[0] == '.') {
		sl = strlen(s);
		return sl > tl && strcmp(tok, s + (sl - tl)) == 0;
	}
	if (tok[tl - 1] == '.')
		return strncmp(tok, s, tl) == 0;
	return strcmp(tok, s) == 0;
}

int rules_host_match(char *tok, struct rules_host *h)
{
	char *mask;
	const char *slash;
	size_t tl;
	int cls;

	if (((tok[0] >= '0' && tok[0] <= '9') || tok[0] == '.') &&
	    (cls = numeric_class(tok, &slash, &tl)) != 0)
		return numeric_match(tok, cls, slash, tl, h);

	if (tok[0] == '@')
		return rules_netgroup_match(tok + 1, rules_host_name(h));
	if (tok[0] == '/')
		return hostfile_match(tok, h, 0);
	if (KW(tok, "KNOWN")) {
		const char *name = rules_host_name(h);

		return !str_ieq(rules_host_addr(h), RULES_UNKNOWN) && hostname_known(name);
	}
	if (KW(tok, "LOCAL")) {
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

	if (tok[0] < '0' || tok[0] > '9' || opt_ulong(tok, 10, 0, 65535, &v) < 0)
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
	/* ALL (no '@' to split off, not a port, matches any name): decided without the walk */
	if ((tok[0] | 0x20) == 'a' && (tok[1] | 0x20) == 'l' && (tok[2] | 0x20) == 'l' && !tok[3])
		return RULES_YES;
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
	const char *slash;
	char *host;
	size_t tl;
	int r, cls;

	if (((tok[0] >= '0' && tok[0] <= '9') || tok[0] == '.') &&
	    (cls = numeric_class(tok, &slash, &tl)) != 0)
		return numeric_match(tok, cls, slash, tl, &rq->client); /* no '@': a plain host */
	host = tok[0] ? rules_split_at(tok + 1, '@') : NULL;
	if (!host)
		return rules_host_match(tok, &rq->client);
	r = rules_host_match(host, &rq->client);
	if (r && rq->decide_only) {
		rq->undecided = true; /* the user is the ident server's to say */
		r = 0;
	} else if (r) {
		r = rules_string_match(tok, rules_user(rq));
	}
	host[-1] = '@';
	return r;
}
