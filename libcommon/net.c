/* Addresses and listeners (see net.h). */
#include "common.h"
#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v;

	if (opt_ulong(s, 10, 1, 65535, &v) < 0)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int net_parse(const char *text, bool ipv6, struct net_addr *out)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&out->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&out->ss;
	struct sockaddr_un *su = (struct sockaddr_un *)(void *)&out->ss;
	char host[128];
	const char *colon;
	unsigned port;

	memset(out, 0, sizeof(*out));
	if (text[0] == '/' || text[0] == '@') {
		size_t n = strlen(text);

		if (n >= sizeof(su->sun_path) || (text[0] == '@' && n < 2)) {
			errno = EINVAL;
			return -1;
		}
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, text, n);
		if (text[0] == '@') {
			su->sun_path[0] = '\0'; /* abstract: no terminator, length counts */
			out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		} else {
			out->len = (socklen_t)sizeof(*su);
		}
		return 0;
	}
	if (parse_port(text, &port) == 0) {
		out->any_port_only = true;
		if (ipv6) {
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = in6addr_any;
			s6->sin6_port = htons((uint16_t)port);
			out->len = sizeof(*s6);
		} else {
			s4->sin_family = AF_INET;
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
			s4->sin_port = htons((uint16_t)port);
			out->len = sizeof(*s4);
		}
		return 0;
	}
	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (!ipv6 || !end || end[1] != ':' || (size_t)(end - text - 1) >= sizeof(host) ||
		    parse_port(end + 2, &port) < 0)
			goto bad;
		memcpy(host, text + 1, (size_t)(end - text - 1));
		host[end - text - 1] = '\0';
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*s6);
		return 0;
	}
	colon = strrchr(text, ':');
	if (!colon || (size_t)(colon - text) >= sizeof(host) || parse_port(colon + 1, &port) < 0)
		goto bad;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		goto bad;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	out->len = sizeof(*s4);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

unsigned net_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

bool net_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)(const void *)a)->sin_addr,
			      &((const struct sockaddr_in *)(const void *)b)->sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr, 16) == 0;
	return false;
}

/* dotted quad, as inet_ntop writes it, without its printf (once or twice per connection) */
static void format_ipv4(const unsigned char *b, char *out, size_t size)
{
	char *p = out, *end = out + size;

	if (size < 16)
		return; /* out[0] is already '\0' */
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = str_put_uint(p, end, b[i]);
	}
}

void net_format_host(const struct sockaddr *sa, socklen_t len, char *out, size_t size)
{
	(void)len;
	out[0] = '\0';
	if (sa->sa_family == AF_INET) {
		format_ipv4((const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)
				    ->sin_addr,
			    out, size);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			format_ipv4(&a->s6_addr[12], out, size);
		else
			inet_ntop(AF_INET6, a, out, (socklen_t)size);
	}
}

void net_format(const struct sockaddr *sa, socklen_t len, char *out, size_t size)
{
	char host[64];

	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *su = (const struct sockaddr_un *)(const void *)sa;
		size_t n = len > offsetof(struct sockaddr_un, sun_path)
			? len - offsetof(struct sockaddr_un, sun_path)
			: 0;

		if (n && su->sun_path[0] == '\0')
			snprintf(out, size, "@%.*s", (int)(n - 1), su->sun_path + 1);
		else
			snprintf(out, size, "%s", su->sun_path);
		return;
	}
	net_format_host(sa, len, host, sizeof(host));
	if (sa->sa_family == AF_INET6 && !strchr(host, '.'))
		snprintf(out, size, "[%s]:%u", host, net_port(sa));
	else
		snprintf(out, size, "%s:%u", host, net_port(sa));
}

static int mkdirs(const char *path, int mode)
{
	char dir[108], *p;

	str_copy(dir, sizeof(dir), path);
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, (mode_t)mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

int net_listen(const struct net_addr *a, const struct net_listen_opts *o)
{
	int family = a->ss.ss_family, one = 1, fd, e;
	const struct sockaddr_un *su = (const struct sockaddr_un *)(const void *)&a->ss;

	fd = socket(family, o->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (family != AF_UNIX) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (o->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
			goto fail;
		if (o->freebind &&
		    setsockopt(fd, family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
			       family == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND, &one,
			       sizeof(one)) < 0)
			goto fail;
		if (family == AF_INET6 && o->v6only >= 0 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &o->v6only, sizeof(o->v6only)) < 0)
			goto fail;
		if (o->device && *o->device &&
		    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->device,
			       (socklen_t)strlen(o->device)) < 0)
			goto fail;
		if (o->keepalive && setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) < 0)
			goto fail;
		if (o->nodelay && o->type == SOCK_STREAM &&
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			goto fail;
	} else if (su->sun_path[0] == '/') {
		struct stat st;

		if (mkdirs(su->sun_path, o->dir_mode >= 0 ? o->dir_mode : 0755) < 0)
			goto fail;
		/* a stale socket from an earlier run is ours to replace; anything else is not */
		if (lstat(su->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(su->sun_path);
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		goto fail;
	if (family == AF_UNIX && su->sun_path[0] == '/') {
		if (o->mode >= 0 && chmod(su->sun_path, (mode_t)o->mode) < 0)
			goto fail;
		if ((o->uid >= 0 || o->gid >= 0) &&
		    chown(su->sun_path, (uid_t)o->uid, (gid_t)o->gid) < 0)
			goto fail;
	}
	if (o->type != SOCK_DGRAM && listen(fd, o->backlog > 0 ? o->backlog : SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}
