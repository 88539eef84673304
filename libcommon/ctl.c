/* The control protocol (see ctl.h). */
#include "common.h"
#include "ctl.h"
#include "opt.h"
#include "sup.h"

#include <signal.h>

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* sock: to the control socket, where a manager that closed on us (busy, or this user's
 * connections all taken) is an error to report (EPIPE), not a SIGPIPE to die of */
static int write_all(int fd, const char *p, size_t n, bool sock)
{
	while (n > 0) {
		ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ctl_call(const char *path, const char *request, int out_fd, int err_fd)
{
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	char buf[8192], line[8192];
	size_t have = 0, rlen = strlen(request);
	int fd, code = -1;

	if (strlen(path) >= sizeof(su.sun_path) || rlen + 1 > CTL_REQUEST_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(su.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&su, sizeof(su)) < 0 ||
	    write_all(fd, request, rlen, true) < 0 || write_all(fd, "\n", 1, true) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		char *p = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		while (n > 0) {
			size_t take;

			nl = memchr(p, '\n', (size_t)n);
			take = nl ? (size_t)(nl - p) + 1 : (size_t)n;
			if (have + take >= sizeof(line))
				take = sizeof(line) - 1 - have; /* an overlong line is cut */
			memcpy(line + have, p, take);
			have += take;
			p += take;
			n -= (ssize_t)take;
			if (!nl && have < sizeof(line) - 1)
				break;
			line[have] = '\0';
			if (line[0] == 'X' && line[1] == ' ')
				code = atoi(line + 2);
			else if ((line[0] == '1' || line[0] == '2') && line[1] == ' ')
				write_all(line[0] == '1' ? out_fd : err_fd, line + 2, have - 2,
					  false);
			have = 0;
		}
	}
	close(fd);
	if (code < 0)
		errno = EPROTO;
	return code;
}

void ctl_reply_printf(struct ctl_reply *r, int stream, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vformat(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* one protocol line per text line (an empty text is one empty line) */
	for (char *p = text, first = 1; first || *p; first = 0) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (r->len + len + 4 > r->cap) {
			size_t ncap = r->cap ? r->cap * 2 : 1024;
			char *b;

			while (ncap < r->len + len + 4)
				ncap *= 2;
			if (!(b = realloc(r->buf, ncap)))
				return;
			r->buf = b;
			r->cap = ncap;
		}
		r->buf[r->len++] = stream == 2 ? '2' : '1';
		r->buf[r->len++] = ' ';
		memcpy(r->buf + r->len, p, len);
		r->len += len;
		r->buf[r->len++] = '\n';
		p += len + (nl ? 1 : 0);
	}
}

int ctl_reply_finish(struct ctl_reply *r)
{
	char end[32];
	size_t n = (size_t)snprintf(end, sizeof(end), "X %d\n", r->code);

	if (r->len + n > r->cap) {
		char *b = realloc(r->buf, r->len + n);

		if (!b)
			return -1;
		r->buf = b;
		r->cap = r->len + n;
	}
	memcpy(r->buf + r->len, end, n);
	r->len += n;
	return 0;
}

void ctl_reply_free(struct ctl_reply *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int ctl_request_parse(char *line, struct ctl_request *q, const char **err, char *bad, size_t size)
{
	char *cur = line, *tok;

	memset(q, 0, sizeof(*q));
	q->lines = 10;
	q->sig = SIGTERM;
	q->whom = "all";
	bad[0] = '\0';
	while ((tok = str_token(&cur, " \t\r\n")) != NULL) {
		unsigned long v;

		if (!q->verb) {
			q->verb = tok;
		} else if (tok[0] != '-') {
			if (q->argc == 64) {
				*err = "Too many arguments.";
				return -1;
			}
			q->argv[q->argc++] = tok;
		} else if (strcmp(tok, "--all") == 0) {
			q->all = true;
		} else if (strcmp(tok, "--value") == 0) {
			q->value = true;
		} else if (strcmp(tok, "--no-block") == 0) {
			q->no_block = true;
		} else if (strcmp(tok, "--quiet") == 0) {
			q->quiet = true;
		} else if (strncmp(tok, "--type=", 7) == 0) {
			q->type = tok + 7;
		} else if (strncmp(tok, "--state=", 8) == 0) {
			q->state = tok + 8;
		} else if (strncmp(tok, "--property=", 11) == 0) {
			q->prop = tok + 11;
		} else if (strncmp(tok, "--kill-whom=", 12) == 0 &&
			   (strcmp(tok + 12, "main") == 0 || strcmp(tok + 12, "all") == 0)) {
			q->whom = tok + 12;
		} else if (strncmp(tok, "--lines=", 8) == 0 &&
			   opt_ulong(tok + 8, 10, 0, 1000, &v) == 0) {
			q->lines = (unsigned)v;
		} else if (strncmp(tok, "--signal=", 9) == 0 && sup_signal_parse(tok + 9) > 0) {
			q->sig = sup_signal_parse(tok + 9);
		} else {
			*err = "Bad option";
			str_copy(bad, size, tok);
			return -1;
		}
	}
	if (!q->verb) {
		*err = "Too few arguments.";
		return -1;
	}
	return 0;
}

int ctl_peer_groups(int fd, uid_t uid, gid_t gid, gid_t *groups, int max)
{
	socklen_t len = (socklen_t)((size_t)max * sizeof(gid_t));
	struct passwd *pw;
	int n = max;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		return (int)(len / sizeof(gid_t));
	if (!(pw = getpwuid(uid)) || getgrouplist(pw->pw_name, gid, groups, &n) < 0)
		return -1; /* none, or more than max */
	return n;
}
