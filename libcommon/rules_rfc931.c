/* The ident lookup (RFC 931/1413) behind user@host patterns, the rfc931 option and %u:
 * connect from our address to the client's port 113, ask "their-port , our-port", accept
 * "their-port , our-port : USERID : os : user". Bounded by the timeout in every step;
 * any failure means "unknown". */
#include "common.h"
#include "rules.h"
#include "scan.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#define IDENT_PORT 113

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = {fd, events, 0};
	long long left;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return false;
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return true;
		if (r == 0 || errno != EINTR)
			return false;
	}
}

static unsigned port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons((uint16_t)port);
}

void rules_rfc931(const struct sockaddr *peer, const struct sockaddr *local, socklen_t len,
		  unsigned timeout, char *user, size_t size)
{
	struct sockaddr_storage there, here;
	long long deadline = now_ms() + (long long)timeout * 1000;
	char req[32], buf[512];
	size_t got = 0;
	unsigned rport, lport;
	struct scan sc;
	char name[256];
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	str_copy(user, size, RULES_UNKNOWN);
	if ((peer->sa_family != AF_INET && peer->sa_family != AF_INET6) || len > sizeof(there))
		return;
	memcpy(&there, peer, len);
	memcpy(&here, local, len);
	set_port(&there, IDENT_PORT);
	set_port(&here, 0);
	fd = socket(peer->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (bind(fd, (struct sockaddr *)&here, len) < 0)
		goto out;
	if (connect(fd, (struct sockaddr *)&there, len) < 0) {
		if (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline))
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
			goto out;
	}
	snprintf(req, sizeof(req), "%u , %u\r\n", port_of(peer), port_of(local));
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		ssize_t n;

		if (!wait_fd(fd, POLLIN, deadline))
			goto out;
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	/* libwrap's sscanf format "%u , %u : USERID :%*[^:]:%255s", step by step */
	scan_init(&sc, buf);
	rport = (unsigned)scan_num(&sc, 10);
	scan_lit(&sc, " , ");
	lport = (unsigned)scan_num(&sc, 10);
	scan_lit(&sc, " : USERID :");
	scan_skip_until(&sc, ':');
	scan_lit(&sc, ":");
	scan_word(&sc, name, sizeof(name));
	if (sc.ok && rport == port_of(peer) && lport == port_of(local)) {
		name[strcspn(name, "\r")] = '\0';
		str_copy(user, size, name);
	}
out:
	close(fd);
}
