/* atd's control socket. The protocol is libcommon/ctl.h's (a request line; answer lines
 * "1 text", "2 text", then "X code"), with a job's text after the request line (the client
 * then shuts down its sending side) and "B LEN" followed by LEN raw bytes for a file's
 * contents. Who asks is SO_PEERCRED's answer, never the request's. Every client is
 * non-blocking, bounded (CONFIG_AT_MAX_JOB) and has a deadline, so none can stall atd. */
#include "atq-lite.h"
#include "ctl.h"
#include "fdio.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 8
#define MAX_PER_USER 2 /* so that one user cannot hold every slot (root is not counted) */
#define CLIENT_DEADLINE_MS 5000
/* a request with its job text, and an answer (at -c of several jobs): the bounds of a
 * client's memory in atd */
#define MAX_REQUEST ((size_t)CONFIG_AT_MAX_JOB + AT_REQUEST_MAX)
#define MAX_ANSWER (2 * (size_t)CONFIG_AT_MAX_JOB)

void at_socket_path(char *out, size_t size)
{
	if (str_printf(out, size, "%s/%s", paths_get(PATHS_RUN_DIR), AT_SOCKET_NAME) < 0)
		die(1, "%s: path too long", paths_get(PATHS_RUN_DIR));
}

static int unix_addr(const char *path, struct sockaddr_un *su)
{
	memset(su, 0, sizeof(*su));
	su->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(su->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(su->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Feed one complete answer to out; the exit code or -1 (EPROTO) when it is cut short. */
static int parse_answer(char *p, size_t n, struct at_sink *out)
{
	char *end = p + n;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		*nl = '\0';
		if (p[0] == 'X' && p[1] == ' ')
			return atoi(p + 2);
		if (p[0] == 'B' && p[1] == ' ') {
			unsigned long len = strtoul(p + 2, NULL, 10);

			if (len > (size_t)(end - nl - 1))
				break;
			out->blob(out, nl + 1, len);
			p = nl + 1 + len;
			continue;
		}
		if ((p[0] == '1' || p[0] == '2') && p[1] == ' ')
			out->line(out, p[0] - '0', p + 2);
		p = nl + 1;
	}
	errno = EPROTO;
	return -1;
}

int at_call(const char *path, const char *req, const char *payload, size_t plen,
	    struct at_sink *out)
{
	struct sockaddr_un su;
	char *buf = NULL;
	size_t have = 0, cap = 0;
	int fd, rc, e;

	if (unix_addr(path, &su) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* an atd that closes on us (full, or this user's connections all taken) is an
	 * error to report (EPIPE), not a signal to die of */
	signal(SIGPIPE, SIG_IGN);
	if (connect(fd, (struct sockaddr *)&su, sizeof(su)) < 0 ||
	    fd_write_all(fd, req, strlen(req)) < 0 || fd_write_all(fd, "\n", 1) < 0 ||
	    fd_write_all(fd, payload, plen) < 0 || shutdown(fd, SHUT_WR) < 0)
		goto fail;
	for (;;) {
		ssize_t n;

		if (have + 4096 > cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!b)
				goto fail;
			buf = b;
		}
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	rc = parse_answer(buf, have, out);
	free(buf);
	return rc;
fail:
	e = errno;
	close(fd);
	free(buf);
	errno = e;
	return -1;
}

/* --- server side --------------------------------------------------------------------- */

struct client {
	int fd;
	struct at_cred who;
	char *in, *out;
	size_t inlen, incap, outlen, outoff;
	long long deadline_ms;
	bool overflow; /* the answer outgrew MAX_ANSWER (or memory): an error instead */
	bool draining; /* refused: its input is read and dropped until EOF, then closed */
};

struct atd_ctl {
	int fd;
	struct client c[MAX_CLIENTS];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct atd_ctl *atd_ctl_open(const char *path)
{
	struct atd_ctl *c = xcalloc(1, sizeof(*c));
	struct sockaddr_un su;
	char dir[sizeof(su.sun_path)];

	for (int i = 0; i < MAX_CLIENTS; i++)
		c->c[i].fd = -1;
	if (unix_addr(path, &su) < 0)
		die_errno(1, "%s", path);
	str_copy(dir, sizeof(dir), path);
	*strrchr(dir, '/') = '\0';
	if (dir[0] && mkdir(dir, 0755) < 0 && errno != EEXIST)
		die_errno(1, "%s", dir);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		die_errno(1, "socket");
	unlink(path); /* a stale one from an atd that died: the spool lock says none runs */
	/* everyone may connect: what each may do is decided by SO_PEERCRED */
	if (bind(c->fd, (struct sockaddr *)&su, sizeof(su)) < 0 || chmod(path, 0666) < 0 ||
	    listen(c->fd, 16) < 0)
		die_errno(1, "control socket %s", path);
	return c;
}

void atd_ctl_close_fds(struct atd_ctl *c)
{
	close(c->fd);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (c->c[i].fd >= 0)
			close(c->c[i].fd);
}

int atd_ctl_pollfds(struct atd_ctl *c, struct pollfd *p, int max)
{
	int n = 0;

	p[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
	for (int i = 0; i < MAX_CLIENTS && n < max; i++)
		if (c->c[i].fd >= 0)
			p[n++] = (struct pollfd){.fd = c->c[i].fd,
						 .events = c->c[i].out ? POLLOUT : POLLIN};
	return n;
}

int atd_ctl_timeout(const struct atd_ctl *c)
{
	long long first = -1, now = now_ms();

	for (int i = 0; i < MAX_CLIENTS; i++)
		if (c->c[i].fd >= 0 && (first < 0 || c->c[i].deadline_ms < first))
			first = c->c[i].deadline_ms;
	if (first < 0)
		return -1;
	return first <= now ? 0 : (int)(first - now);
}

static void drop(struct client *k)
{
	close(k->fd);
	free(k->in);
	free(k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

static void accept_one(struct atd_ctl *c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), slot = -1;
	struct client *k;

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
		if (c->c[i].fd < 0)
			slot = i;
	if (slot < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		close(fd); /* full: the client sees a closed connection and says so */
		return;
	}
	for (int i = 0, mine = 0; i < MAX_CLIENTS; i++)
		if (cr.uid != 0 && c->c[i].fd >= 0 && c->c[i].who.uid == cr.uid &&
		    ++mine >= MAX_PER_USER) {
			close(fd);
			return;
		}
	k = &c->c[slot];
	k->fd = fd;
	k->who.uid = cr.uid;
	k->who.gid = cr.gid;
	/* the groups the submitter has now, as root's own submission keeps its getgroups() */
	k->who.ngroups = ctl_peer_groups(fd, cr.uid, cr.gid, k->who.groups,
					 (int)(sizeof(k->who.groups) / sizeof(gid_t)));
	if (k->who.ngroups < 0)
		k->who.ngroups = 0;
	k->deadline_ms = now_ms() + CLIENT_DEADLINE_MS;
}

/* the answer, built in memory and sent when the socket takes it */
static void reply_add(struct client *k, const char *a, size_t alen, const char *b, size_t blen)
{
	char *n;

	if (k->overflow)
		return;
	if (k->outlen + alen + blen > MAX_ANSWER ||
	    !(n = realloc(k->out, k->outlen + alen + blen + 1))) {
		k->overflow = true;
		return;
	}
	k->out = n;
	memcpy(k->out + k->outlen, a, alen);
	memcpy(k->out + k->outlen + alen, b, blen);
	k->outlen += alen + blen;
}

static void sink_line(struct at_sink *s, int stream, const char *text)
{
	char pre[3] = {(char)('0' + stream), ' ', '\0'};

	reply_add(s->ctx, pre, 2, text, strlen(text));
	reply_add(s->ctx, "\n", 1, "", 0);
}

static void sink_blob(struct at_sink *s, const char *data, size_t len)
{
	char pre[32];
	int n = snprintf(pre, sizeof(pre), "B %zu\n", len);

	reply_add(s->ctx, pre, (size_t)n, data, len);
}

static void answer(struct client *k, int dirfd, bool *wake)
{
	char *nl = memchr(k->in, '\n', k->inlen), end[32];
	struct at_sink s = {sink_line, sink_blob, k};
	int code = 1, n;

	k->out = xstrdup("");
	if (!nl || nl - k->in >= AT_REQUEST_MAX) {
		at_say(&s, 2, "at: bad request");
	} else {
		*nl = '\0';
		if (strcmp(k->in, "wake") == 0) {
			*wake = true;
			code = 0;
		} else {
			code = at_serve(dirfd, &k->who, k->in, nl + 1,
					k->inlen - (size_t)(nl + 1 - k->in), &s);
			*wake |= strncmp(k->in, "submit ", 7) == 0 && code == 0;
		}
	}
	if (k->overflow) { /* never a part of an answer taken for the whole */
		static const char msg[] = "2 at: answer too large\nX 1\n";

		free(k->out);
		k->out = xstrdup(msg);
		k->outlen = sizeof(msg) - 1;
		return;
	}
	n = snprintf(end, sizeof(end), "X %d\n", code);
	reply_add(k, end, (size_t)n, "", 0);
}

static void client_io(struct client *k, int dirfd, bool *wake)
{
	if (k->draining) { /* closing with unread input would reset: the answer is lost */
		char sink[4096];
		ssize_t r = 1;

		/* a few reads a turn: a fast writer must not hold atd here (its deadline ends it) */
		for (int i = 0; i < 16 && (r = read(k->fd, sink, sizeof(sink))) > 0; i++)
			;
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			drop(k);
		return;
	}
	if (k->out) {
		ssize_t w = write(k->fd, k->out + k->outoff, k->outlen - k->outoff);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (w <= 0 || (k->outoff += (size_t)w) == k->outlen)
			drop(k);
		return;
	}
	for (;;) {
		ssize_t r;

		if (k->inlen > MAX_REQUEST) {
			static const char msg[] = "2 at: job too large\nX 1\n";

			/* the answer fits any socket buffer; then the rest of the input goes */
			if (write(k->fd, msg, sizeof(msg) - 1) < 0)
				errno = 0;
			free(k->in);
			k->in = NULL;
			k->inlen = k->incap = 0;
			k->draining = true;
			client_io(k, dirfd, wake);
			return;
		}
		if (k->inlen + 4096 > k->incap) {
			size_t ncap = k->incap ? k->incap * 2 : 4096;
			char *b;

			if (ncap > MAX_REQUEST + 4096)
				ncap = MAX_REQUEST + 4096; /* one read past the bound tells */
			if (!(b = realloc(k->in, ncap))) {
				drop(k);
				return;
			}
			k->in = b;
			k->incap = ncap;
		}
		r = read(k->fd, k->in + k->inlen, k->incap - k->inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			drop(k);
			return;
		}
		if (r == 0)
			break;
		k->inlen += (size_t)r;
	}
	answer(k, dirfd, wake);
}

void atd_ctl_handle(struct atd_ctl *c, int dirfd, bool *wake)
{
	long long now = now_ms();
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	if (poll(&p, 1, 0) > 0)
		accept_one(c);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *k = &c->c[i];
		struct pollfd q = {.fd = k->fd, .events = POLLIN | POLLOUT};

		if (k->fd < 0)
			continue;
		if (k->deadline_ms <= now) {
			drop(k);
			continue;
		}
		if (poll(&q, 1, 0) > 0)
			client_io(k, dirfd, wake);
	}
}
