/* libcommon str: bounded copies report truncation, tokens split like the rule files need. */
#include "common.h"
#include "harness.h"

int main(void)
{
	char buf[8], line[64];
	char *cur, *tok;

	UNIT_MODULE("str");
	CHECK("copy that fits returns 0", str_copy(buf, sizeof(buf), "abc") == 0);
	CHECK_STR("copy that fits is whole", buf, "abc");
	errno = 0;
	CHECK("copy of exactly size-1 bytes fits", str_copy(buf, sizeof(buf), "1234567") == 0);
	CHECK("copy of size bytes is truncated", str_copy(buf, sizeof(buf), "12345678") == -1);
	CHECK("truncation sets ENOBUFS", errno == ENOBUFS);
	CHECK_STR("truncated copy keeps a terminated prefix", buf, "1234567");
	CHECK("copy into size 0 fails", str_copy(buf, 0, "x") == -1);

	str_copy(buf, sizeof(buf), "ab");
	CHECK("append that fits", str_append(buf, sizeof(buf), "cd") == 0);
	CHECK_STR("append result", buf, "abcd");
	CHECK("append that overflows", str_append(buf, sizeof(buf), "efgh") == -1);
	CHECK_STR("overflowing append keeps a prefix", buf, "abcdefg");

	CHECK("printf that fits", str_printf(buf, sizeof(buf), "%d-%s", 42, "x") == 0);
	CHECK_STR("printf result", buf, "42-x");
	CHECK("printf that overflows", str_printf(buf, sizeof(buf), "%s", "123456789") == -1);

	str_copy(line, sizeof(line), " \t sshd : ALL \r\n");
	CHECK_STR("trim strips blanks, CR and LF on both ends", str_trim(line), "sshd : ALL");
	str_copy(line, sizeof(line), "   ");
	CHECK_STR("trim of blanks only is empty", str_trim(line), "");

	str_copy(line, sizeof(line), ", a,,b \t c,");
	cur = line;
	tok = str_token(&cur, ", \t");
	CHECK_STR("token 1 skips leading separators", tok, "a");
	tok = str_token(&cur, ", \t");
	CHECK_STR("token 2 after a run of separators", tok, "b");
	tok = str_token(&cur, ", \t");
	CHECK_STR("token 3", tok, "c");
	CHECK("no token after trailing separator", str_token(&cur, ", \t") == NULL);
	CHECK("still none when asked again", str_token(&cur, ", \t") == NULL);

	CHECK_STR("basename of a path", str_basename("/usr/sbin/in.telnetd"), "in.telnetd");
	CHECK_STR("basename of a bare name", str_basename("tcpd"), "tcpd");
	CHECK_STR("basename of a trailing slash is empty", str_basename("/usr/"), "");
	CHECK("starts: yes", str_starts("gatebox-aarch64", "gatebox"));
	CHECK("starts: no", !str_starts("gate", "gatebox"));

	{
		char b[12], *p = b, *end = b + sizeof(b);

		p = str_put_uint(str_put(p, end, "port="), end, 65535);
		CHECK_STR("put and put_uint build a string", b, "port=65535");
		CHECK("put returns the end of the string", p == b + 10);
		p = str_put_uint(p, end, 123);
		CHECK_STR("put_uint stops one short of the end, terminated", b, "port=655351");
		CHECK("... and returns end - 1", p == end - 1);
		CHECK_STR("put_uint of 0", (str_put_uint(b, end, 0), b), "0");
		CHECK_STR("put_uint of the largest 32-bit value (an unsigned long everywhere)",
			  (str_put_uint(b, end, 4294967295UL), b), "4294967295");
		CHECK_STR("put into a buffer of one byte is empty", (str_put(b, b + 1, "x"), b),
			  "");
	}
	return unit_done();
}
