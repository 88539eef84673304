/* Addresses as libwrap reads them: glibc's inet_addr (octal and hex parts, the a.b.c and a.b
 * short forms, 255.255.255.255 indistinguishable from the error), the four-run dot_quad
 * check, and numeric IPv6 through getaddrinfo, whatever the libc. */
#include "common.h"
#include "rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>

/* One part: C-style base (0x hex, 0 octal, else decimal), as strtoul(s, &end, 0). */
static int parse_part(const char **sp, unsigned long *val)
{
	const char *s = *sp;
	unsigned long long v = 0; /* wide enough on 32-bit targets too */
	int base = 10, digits = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++, digits++) {
		int d;

		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > 0xffffffffUL)
			return -1; /* saturate: glibc rejects anything above 32 bits */
		v = v * (unsigned)base + (unsigned)d;
	}
	if (v > 0xffffffffUL || digits == 0)
		return -1;
	*sp = s;
	*val = (unsigned long)v;
	return 0;
}

/* The usual a.b.c.d (decimal, no leading zeros, each <= 255): what nearly every table holds,
 * parsed without the general path's bases and short forms. -1: not that form. */
static int plain_quad(const char *s, unsigned int *addr)
{
	uint32_t v = 0;

	for (int part = 0; part < 4; part++) {
		unsigned n, d;

		if ((d = (unsigned)(*s - '0')) > 9)
			return -1;
		n = d;
		s++;
		if ((d = (unsigned)(*s - '0')) <= 9) {
			if (n == 0)
				return -1; /* a leading zero is octal: the general path */
			n = n * 10 + d;
			s++;
			if ((d = (unsigned)(*s - '0')) <= 9) {
				n = n * 10 + d;
				s++;
			}
		}
		if (n > 255)
			return -1;
		v = v << 8 | n;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	if (*s != '\0' || v == 0xffffffffU)
		return -1;
	*addr = htonl(v);
	return 0;
}

int rules_inet_addr(const char *s, unsigned int *addr)
{
	static const unsigned long max[4] = {0xffffffffUL, 0xffffffUL, 0xffffUL, 0xffUL};
	unsigned long parts[4], val;
	int n = 0;
	uint32_t result;

	for (;;) {
		if (parse_part(&s, &val) < 0)
			return -1;
		if (*s == '.') {
			if (n > 2 || val > 0xff)
				return -1;
			parts[n++] = val;
			s++;
			continue;
		}
		break;
	}
	/* glibc ignores trailing white space and whatever follows it */
	if (*s != '\0' && !isspace((unsigned char)*s))
		return -1;
	if (val > max[n])
		return -1;
	result = (uint32_t)val;
	for (int i = 0; i < n; i++)
		result |= (uint32_t)parts[i] << (24 - 8 * i);
	if (result == 0xffffffffU)
		return -1; /* INADDR_NONE: libwrap cannot tell it from an error */
	*addr = htonl(result);
	return 0;
}

int rules_dot_quad(const char *s, unsigned int *addr)
{
	int runs = 0, in_run = 0;

	if (plain_quad(s, addr) == 0)
		return 0; /* four runs by construction */
	for (const char *p = s; *p; p++) {
		if (*p == '.')
			in_run = 0;
		else if (!in_run) {
			in_run = 1;
			runs++;
		}
	}
	if (runs != 4)
		return -1;
	return rules_inet_addr(s, addr);
}

int rules_inet6(const char *s, unsigned char out[16])
{
	struct addrinfo hints, *res;

	if (!ENABLE_IPV6)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	if (getaddrinfo(s, NULL, &hints, &res) != 0)
		return -1;
	memcpy(out, &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr, 16);
	freeaddrinfo(res);
	return 0;
}
