/* The request's endpoints, evaluated lazily as libwrap's eval.c does: the address text when
 * first asked, the host name only when a rule or an expansion needs it (reverse lookup, then
 * the double-reverse check that turns a lying name into "paranoid"), the ident user only
 * for user@host patterns, rfc931 and %u. */
#include "common.h"
#include "net.h"
#include "rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>
#include <unistd.h>

void rules_sanitize(char *s)
{
	static const char ok[] = "1234567890!@%-_=+:,./"
				 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

	for (s += strspn(s, ok); *s; s += strspn(s, ok))
		*s = '_';
}

static void copy_sanitized(char *dst, const char *src)
{
	str_copy(dst, RULES_STRING_MAX, src);
	rules_sanitize(dst);
}

void rules_request_init(struct rules_request *rq, const char *daemon,
			const struct rules_hooks *hooks, void *ctx)
{
	memset(rq, 0, sizeof(*rq));
	copy_sanitized(rq->daemon, daemon ? daemon : RULES_UNKNOWN);
	rq->client.rq = rq;
	rq->server.rq = rq;
	rq->fd = -1;
	rq->rfc931_timeout = 10;
	rq->allow_severity = LOG_INFO;
	rq->deny_severity = LOG_WARNING;
	rq->hooks = hooks;
	rq->ctx = ctx;
}

void rules_set_user(struct rules_request *rq, const char *user)
{
	copy_sanitized(rq->user, user);
}

void rules_host_set_sockaddr(struct rules_host *h, const struct sockaddr *sa, socklen_t len)
{
	if (len > sizeof(h->sa))
		len = sizeof(h->sa);
	memcpy(&h->sa, sa, len);
	h->salen = len;
	h->addr[0] = '\0';
	h->name[0] = '\0';
	h->v4_state = 0;
}

void rules_host_set_addr_text(struct rules_host *h, const char *addr)
{
	copy_sanitized(h->addr, addr);
	h->salen = 0;
	h->v4_state = 0;
}

int rules_host_v4(struct rules_host *h, unsigned int *addr)
{
	if (h->v4_state == 0) {
		const char *s = rules_host_addr(h);

		if (s[0] == ':' && str_nieq(s, "::ffff:", 7) && rules_dot_quad(s + 7, &h->v4) == 0)
			h->v4_state = 1;
		else
			h->v4_state = rules_dot_quad(s, &h->v4) == 0 ? 1 : -1;
	}
	*addr = h->v4;
	return h->v4_state > 0 ? 0 : -1;
}

void rules_host_set_name(struct rules_host *h, const char *name)
{
	copy_sanitized(h->name, name);
}

unsigned rules_host_port(const struct rules_host *h)
{
	if (h->salen == 0)
		return 0;
	if (h->sa.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)&h->sa)->sin_port);
	if (h->sa.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)&h->sa)->sin6_port);
	return 0;
}

const char *rules_host_addr(struct rules_host *h)
{
	if (h->addr[0] == '\0') {
		if (h->salen == 0 ||
		    getnameinfo((struct sockaddr *)&h->sa, h->salen, h->addr, sizeof(h->addr), NULL,
				0, NI_NUMERICHOST) != 0)
			str_copy(h->addr, sizeof(h->addr), RULES_UNKNOWN);
	}
	return h->addr;
}

/* The IPv4 address inside a v4-mapped IPv6 peer, so name checks use the real family. */
static void unmapped(const struct rules_host *h, struct sockaddr_storage *out, socklen_t *len)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)&h->sa;

	memcpy(out, &h->sa, h->salen);
	*len = h->salen;
	if (h->sa.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;
		struct in_addr a;

		memcpy(&a, &s6->sin6_addr.s6_addr[12], 4);
		memset(out, 0, sizeof(*out));
		s4->sin_family = AF_INET;
		s4->sin_addr = a;
		s4->sin_port = s6->sin6_port;
		*len = sizeof(*s4);
	}
}

/* Reverse lookup, then forward: the name must come back to this address, or it's paranoid. */
static void lookup_name(struct rules_host *h)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char name[NI_MAXHOST];
	struct addrinfo hints, *res, *ai;
	unsigned char dummy6[16];
	unsigned int dummy4;
	const char *fam;

	str_copy(h->name, sizeof(h->name), RULES_UNKNOWN);
	if (h->salen == 0 || (h->sa.ss_family != AF_INET && h->sa.ss_family != AF_INET6))
		return;
	if (h->rq && h->rq->no_lookups) { /* not now, and nothing kept: asked again later */
		h->rq->needs_lookup = true;
		h->name[0] = '\0';
		return;
	}
	unmapped(h, &ss, &len);
	if (getnameinfo((struct sockaddr *)&ss, len, name, sizeof(name), NULL, 0, NI_NAMEREQD) != 0)
		return;
	/* cut to what a rule sees first, as libwrap does, and verify that: a long name must
	 * not pass the check whole and then match as its first 127 bytes (".example.com") */
	name[RULES_STRING_MAX - 1] = '\0';
	if (rules_inet_addr(name, &dummy4) == 0 || rules_inet6(name, dummy6) == 0) {
		rules_warn(h->rq, "host name/name mismatch: reverse lookup results in non-FQDN %s",
			   name);
		str_copy(h->name, sizeof(h->name), RULES_PARANOID);
		return;
	}
	fam = ss.ss_family == AF_INET ? "AF_INET" : "AF_INET6";
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ss.ss_family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(name, NULL, &hints, &res) != 0) {
		rules_warn(h->rq, "can't verify hostname: getaddrinfo(%s, %s) failed", name, fam);
		str_copy(h->name, sizeof(h->name), RULES_PARANOID);
		return;
	}
	if ((!res->ai_canonname || strcasecmp(name, res->ai_canonname) != 0) &&
	    strcasecmp(name, "localhost") != 0) {
		rules_warn(h->rq, "host name/name mismatch: %s != %s", name,
			   res->ai_canonname ? res->ai_canonname : "(null)");
		freeaddrinfo(res);
		str_copy(h->name, sizeof(h->name), RULES_PARANOID);
		return;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (net_same_host(ai->ai_addr, (struct sockaddr *)&ss)) {
			freeaddrinfo(res);
			copy_sanitized(h->name, name);
			return;
		}
	}
	{
		char a[NI_MAXHOST] = "";

		getnameinfo((struct sockaddr *)&ss, len, a, sizeof(a), NULL, 0, NI_NUMERICHOST);
		rules_warn(h->rq, "host name/address mismatch: %s != %s", a,
			   res->ai_canonname ? res->ai_canonname : name);
	}
	freeaddrinfo(res);
	str_copy(h->name, sizeof(h->name), RULES_PARANOID);
}

const char *rules_host_name(struct rules_host *h)
{
	if (h->name[0] == '\0')
		lookup_name(h);
	return h->name[0] ? h->name : RULES_UNKNOWN;
}

const char *rules_host_info(struct rules_host *h)
{
	const char *name;

	if (h->name[0] == '\0')
		return rules_host_addr(h); /* no implicit lookups */
	name = rules_host_name(h);
	if (strcasecmp(name, RULES_UNKNOWN) != 0 && strcasecmp(name, RULES_PARANOID) != 0)
		return name;
	return rules_host_addr(h);
}

const char *rules_user(struct rules_request *rq)
{
	if (rq->user[0] == '\0') {
		str_copy(rq->user, sizeof(rq->user), RULES_UNKNOWN);
		if (!rq->dry_run && !rq->udp && rq->client.salen && rq->server.salen &&
		    rq->client.salen == rq->server.salen) {
			rules_rfc931((struct sockaddr *)&rq->client.sa,
				     (struct sockaddr *)&rq->server.sa, rq->client.salen,
				     rq->rfc931_timeout, rq->user, sizeof(rq->user));
			rules_sanitize(rq->user);
		}
	}
	return rq->user;
}

const char *rules_client(struct rules_request *rq)
{
	static char both[2 * RULES_STRING_MAX + 2];
	const char *info = rules_host_info(&rq->client);

	if (rq->user[0] == '\0' || strcasecmp(rq->user, RULES_UNKNOWN) == 0)
		return info; /* no implicit user lookups */
	str_printf(both, sizeof(both), "%s@%s", rq->user, info);
	return both;
}

const char *rules_server(struct rules_request *rq)
{
	static char both[2 * RULES_STRING_MAX + 2];
	const char *info = rules_host_info(&rq->server);

	if (strcasecmp(info, RULES_UNKNOWN) == 0)
		return rq->daemon;
	str_printf(both, sizeof(both), "%s@%s", rq->daemon, info);
	return both;
}

int rules_request_from_fd(struct rules_request *rq, int fd)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof(peer), llen = sizeof(local);
	int type = 0;
	socklen_t tlen = sizeof(type);

	rq->fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 && type == SOCK_DGRAM) {
		char c;

		rq->udp = true;
		/* the client of a datagram service is the sender of the first datagram */
		if (recvfrom(fd, &c, 1, MSG_PEEK, (struct sockaddr *)&peer, &plen) < 0)
			return -1;
	} else if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0) {
		return -1;
	}
	rules_host_set_sockaddr(&rq->client, (struct sockaddr *)&peer, plen);
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
		rules_host_set_sockaddr(&rq->server, (struct sockaddr *)&local, llen);
	return 0;
}

struct addrinfo *rules_find_host(struct rules_request *rq, const char *host)
{
	struct addrinfo hints, *res;
	unsigned int a4;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ENABLE_IPV6 ? AF_UNSPEC : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		/* names are case-insensitive; musl's hosts-file lookup is not */
		char lower[RULES_STRING_MAX];
		size_t i;

		for (i = 0; host[i] && i + 1 < sizeof(lower); i++)
			lower[i] = (char)tolower((unsigned char)host[i]);
		lower[i] = '\0';
		if (strcmp(lower, host) == 0 || getaddrinfo(lower, NULL, &hints, &res) != 0) {
			rules_warn(rq, "%s: host not found", host);
			return NULL;
		}
	}
	if (res->ai_canonname && strcasecmp(host, res->ai_canonname) != 0 &&
	    rules_inet_addr(host, &a4) < 0) {
		rules_warn(rq, "%s: hostname alias", host);
		rules_warn(rq, "(official name: %s)", res->ai_canonname);
	}
	return res;
}
