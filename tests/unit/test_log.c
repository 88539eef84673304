/* libcommon log: "ident: message[: strerror]" as one line on stderr, errno preserved. */
#include "common.h"
#include "harness.h"

#include <unistd.h>

static char captured[2048];

/* Run fn with stderr on a pipe; return what it wrote. */
static const char *capture(void (*fn)(void))
{
	int p[2], saved = dup(2);
	ssize_t n;

	if (pipe(p) < 0)
		return "pipe failed";
	dup2(p[1], 2);
	close(p[1]);
	fn();
	dup2(saved, 2);
	close(saved);
	n = read(p[0], captured, sizeof(captured) - 1);
	close(p[0]);
	captured[n > 0 ? n : 0] = '\0';
	return captured;
}

static void plain(void)
{
	log_msg(LOG_ERR, "hello %d", 7);
}

static void with_errno(void)
{
	errno = EACCES;
	log_errno(LOG_WARNING, "open %s", "/etc/hosts.allow");
}

static void errno_kept(void)
{
	errno = EACCES;
	log_errno(LOG_DEBUG, "%s", "x");
	if (errno != EACCES)
		log_msg(LOG_ERR, "errno changed");
}

static void long_message(void)
{
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(LOG_ERR, "%s", big);
}

int main(void)
{
	const char *out;

	UNIT_MODULE("log");
	log_open("tcpd", false, LOG_DAEMON);
	CHECK_STR("ident prefix and newline", capture(plain), "tcpd: hello 7\n");
	CHECK_STR("errno text appended", capture(with_errno),
		  "tcpd: open /etc/hosts.allow: Permission denied\n");
	CHECK_STR("errno preserved across log_errno", capture(errno_kept),
		  "tcpd: x: Permission denied\n");
	out = capture(long_message);
	CHECK("an overlong message is cut but still one terminated line",
	      strlen(out) < 1100 && out[strlen(out) - 1] == '\n' &&
		      strchr(out, '\n') == out + strlen(out) - 1);
	CHECK_STR("log_ident", log_ident(), "tcpd");
	return unit_done();
}
