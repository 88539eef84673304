/* The per-connection service every server of tests/bench/socketd.sh starts: one short line
 * on stdout (the connection), then exit. Built static (musl-gcc -Os) so its own start-up
 * costs as little as possible and the same for all. */
#include <unistd.h>

int main(void)
{
	static const char line[] = "hello\n";

	return write(1, line, sizeof(line) - 1) == (ssize_t)(sizeof(line) - 1) ? 0 : 1;
}
