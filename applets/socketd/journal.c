/* The units' journal: each unit keeps its last log lines in a ring of its own (memory only,
 * up to SD_LOG_RING bytes), in journalctl's short format, for `svcctl status` to show under
 * the unit, as systemctl shows the journal. Service units get their lifecycle messages and
 * their StandardOutput=journal lines; socket units their listening, failures and refusals. */
#include "socketd.h"
#include "str.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void ring_add(struct sd_ring *r, const char *line, size_t len)
{
	if (len + 1 > SD_LOG_RING)
		len = SD_LOG_RING - 1;
	/* most units log a few lines: the ring grows to its bound as it fills */
	while (r->len + len + 1 > r->cap && r->cap < SD_LOG_RING) {
		r->cap = r->cap ? r->cap * 2 : 512;
		r->buf = xrealloc(r->buf, r->cap);
	}
	/* full: the oldest whole lines go */
	while (r->len + len + 1 > r->cap) {
		char *nl = memchr(r->buf, '\n', r->len);
		size_t drop = nl ? (size_t)(nl - r->buf) + 1 : r->len;

		memmove(r->buf, r->buf + drop, r->len - drop);
		r->len -= drop;
	}
	memcpy(r->buf + r->len, line, len);
	r->len += len;
	r->buf[r->len++] = '\n';
}

/* a journal "short" line: "Dec 04 18:03:00 host ident[pid]: text" */
void sd_ring_line(struct sd_ring *r, const char *ident, pid_t pid, const char *text, size_t len)
{
	char line[512], host[64] = "localhost";
	time_t t = time(NULL);
	struct tm tm;
	size_t n;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	localtime_r(&t, &tm);
	n = strftime(line, sizeof(line), "%b %d %H:%M:%S ", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s %s[%ld]: ", host, ident, (long)pid);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (len > sizeof(line) - n)
		len = sizeof(line) - n;
	memcpy(line + n, text, len);
	ring_add(r, line, n + len);
}

/* the last `lines` lines, after an empty line (systemctl status's layout) */
void sd_ring_show(const struct sd_ring *r, struct ctl_reply *out, size_t lines)
{
	size_t start = r->len, count = 0;

	if (!lines || !r->len)
		return;
	while (start > 0 && count <= lines) {
		start--;
		if (start == 0 || r->buf[start - 1] == '\n')
			if (++count == lines)
				break;
	}
	ctl_reply_printf(out, 1, "%s", "");
	while (start < r->len) {
		const char *nl = memchr(r->buf + start, '\n', r->len - start);
		size_t len = nl ? (size_t)(nl - (r->buf + start)) : r->len - start;

		ctl_reply_printf(out, 1, "%.*s", (int)len, r->buf + start);
		start += len + 1;
	}
}

void sd_ring_free(struct sd_ring *r)
{
	free(r->buf);
	*r = (struct sd_ring){0};
}

/* "UNIT: text" to socketd's log (prio < 0: not there) and "socketd[pid]: text" to the ring */
static void unit_vlog(struct sd_ring *r, const char *unit, int prio, pid_t pid, const char *fmt,
		      va_list ap)
{
	char text[400];
	int n = str_vformat(text, sizeof(text), fmt, ap);

	if (n < 0)
		return;
	if (prio >= 0)
		log_msg(prio, "%s: %s", unit, text);
	sd_ring_line(r, "socketd", pid ? pid : getpid(), text, (size_t)n);
}

void sd_unit_log(struct sd_unit *u, pid_t pid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	unit_vlog(&u->log, u->svc.name, LOG_INFO, pid, fmt, ap);
	va_end(ap);
}

void sd_socket_log(struct sd_socket *s, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	unit_vlog(&s->log, s->name, prio, 0, fmt, ap);
	va_end(ap);
}

/* systemd's words for a socket unit that started */
void sd_socket_listening(struct sd_socket *s, int prio)
{
	sd_socket_log(s, prio, "Listening on %s.", *s->description ? s->description : s->name);
}
