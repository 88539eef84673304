/* sd_notify datagrams (see notify.h). */
#include "common.h"
#include "notify.h"

/* an unsigned decimal of at most max, whole line: the value, or -1 */
static long long number(const char *v, size_t len, long long max)
{
	long long n = 0;

	if (len == 0 || len > 19)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
		if (n > max)
			return -1;
	}
	return n;
}

static bool key(const char *line, size_t len, const char *k, const char **val, size_t *vlen)
{
	size_t kl = strlen(k);

	if (len <= kl || memcmp(line, k, kl) != 0 || line[kl] != '=')
		return false;
	*val = line + kl + 1;
	*vlen = len - kl - 1;
	return true;
}

static bool is(const char *v, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(v, word, len) == 0;
}

int notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->errno_value = -1;
	m->watchdog_usec = -1;
	if (len && buf[len - 1] == '\0')
		len--;
	if (len >= NOTIFY_MAX || memchr(buf, '\0', len))
		return -1;
	while (len) {
		const char *nl = memchr(buf, '\n', len), *v;
		size_t ll = nl ? (size_t)(nl - buf) : len, vl;
		long long n;

		if (key(buf, ll, "READY", &v, &vl) && is(v, vl, "1"))
			m->ready = true;
		else if (key(buf, ll, "RELOADING", &v, &vl) && is(v, vl, "1"))
			m->reloading = true;
		else if (key(buf, ll, "STOPPING", &v, &vl) && is(v, vl, "1"))
			m->stopping = true;
		else if (key(buf, ll, "WATCHDOG", &v, &vl) && is(v, vl, "1"))
			m->watchdog = true;
		else if (key(buf, ll, "WATCHDOG", &v, &vl) && is(v, vl, "trigger"))
			m->watchdog_trigger = true;
		else if (key(buf, ll, "STATUS", &v, &vl)) {
			m->status = v;
			m->status_len = vl;
		} else if (key(buf, ll, "ERRNO", &v, &vl) && (n = number(v, vl, 4095)) >= 0)
			m->errno_value = (int)n;
		else if (key(buf, ll, "MAINPID", &v, &vl) && (n = number(v, vl, 0x3fffffff)) > 0)
			m->mainpid = (pid_t)n;
		else if (key(buf, ll, "WATCHDOG_USEC", &v, &vl) &&
			 (n = number(v, vl, 0x7fffffffffffLL)) > 0)
			m->watchdog_usec = n;
		if (!nl)
			break;
		buf = nl + 1;
		len -= ll + 1;
	}
	return 0;
}
