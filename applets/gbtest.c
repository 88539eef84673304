/* A hidden applet for the test suite only (CONFIG_TESTING): shows how the multiplexer
 * called it and exercises libcommon's messages and paths from the real binary.
 *   gbtest [ARG...]     prints "applet=NAME argv0=ARGV0" and "arg=X" per argument
 *   gbtest exit N       exits with status N
 *   gbtest warn TEXT    logs TEXT with strerror(ENOENT) appended, exits 1
 *   gbtest paths        prints every path with its current value */
//applet:gbtest GBTEST
//usage:gbtest Usage: gbtest [ARG...] | exit N | warn TEXT | paths
//usage:gbtest Test-suite applet: prints how it was called.
//config:config GBTEST
//config:	bool "gbtest: test-suite applet (prints how it was called)"
//config:	depends on TESTING
//config:	default y
#include "common.h"
#include "applet.h"

int gbtest_main(int argc, char **argv)
{
	unsigned long code;

	if (argc == 3 && strcmp(argv[1], "exit") == 0) {
		if (opt_ulong(argv[2], 10, 0, 255, &code) < 0)
			die(EXIT_USAGE, "exit: bad status '%s'", argv[2]);
		return (int)code;
	}
	if (argc == 3 && strcmp(argv[1], "warn") == 0) {
		errno = ENOENT;
		log_errno(LOG_WARNING, "%s", argv[2]);
		return 1;
	}
	if (argc == 2 && strcmp(argv[1], "paths") == 0) {
		for (int id = 0; id < PATHS_COUNT; id++)
			printf("%s=%s\n", paths_env_name(id), paths_get(id));
		return 0;
	}
	printf("applet=%s argv0=%s\n", applet_name, argv[0]);
	for (int i = 1; i < argc; i++)
		printf("arg=%s\n", argv[i]);
	return 0;
}
