/* Socket addresses as unit files write them (systemd.socket(5) ListenStream= forms): "port",
 * "addr:port", "[v6]:port", "/path" (AF_UNIX), "@name" (abstract). Parsing and printing,
 * and the listeners built from them. */
#ifndef GATEBOX_NET_H
#define GATEBOX_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool any_port_only; /* "port" alone: the IPv6 any address (dual stack unless v6only) */
};

/* 0, or -1 with errno EINVAL (not an address) */
int net_parse(const char *text, bool ipv6, struct net_addr *out);
/* "127.0.0.1:22", "[::1]:22", "/run/x", "@abstract"; v4-mapped shown as IPv4 */
void net_format(const struct sockaddr *sa, socklen_t len, char *out, size_t size);
/* The address alone, for REMOTE_ADDR ("::ffff:1.2.3.4" shown as "1.2.3.4"). */
void net_format_host(const struct sockaddr *sa, socklen_t len, char *out, size_t size);
unsigned net_port(const struct sockaddr *sa);
/* Same IPv4 or IPv6 host address (ports and scopes ignored); false for other families. */
bool net_same_host(const struct sockaddr *a, const struct sockaddr *b);

struct net_listen_opts {
	int type; /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	int backlog; /* SOMAXCONN by default */
	int v6only; /* -1 default (both), 0, 1 */
	bool reuseport, freebind, keepalive, nodelay, transparent;
	const char *device; /* BindToDevice= */
	int mode; /* SocketMode= for AF_UNIX, -1 to keep */
	long long uid, gid; /* SocketUser=/Group= for AF_UNIX, -1 to keep */
	int dir_mode; /* DirectoryMode= for parent dirs, -1: 0755 */
};

/* socket, options, bind (unlinking a stale AF_UNIX socket file), listen. CLOEXEC and
 * non-blocking. fd, or -1 with errno. */
int net_listen(const struct net_addr *a, const struct net_listen_opts *o);

#endif
