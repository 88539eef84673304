/* The multiplexer: runs the applet named by basename(argv[0]), by the path the kernel was
 * asked to execute (a symlink /usr/sbin/tcpd started by inetd with argv[0] "in.telnetd"),
 * or by argv[1] after "gatebox". Also --list, --install [-s] DIR, --help, --version. */
#include "common.h"
#include "applet.h"
#include "tls.h"

#include <sys/auxv.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *usage;
};

/* Sorted by name (scripts/gen-applets); the NULL sentinel keeps the array non-empty. */
static const struct applet applets[] = {
#define APPLET(name, fn, usage) {name, fn, usage},
#include "applets.h"
#undef APPLET
	{NULL, NULL, NULL}};
#define APPLET_COUNT (sizeof(applets) / sizeof(applets[0]) - 1)

const char *applet_name = "gatebox";
static const struct applet *current;

static int by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct applet *)elem)->name);
}

static const struct applet *find_applet(const char *name)
{
	return bsearch(name, applets, APPLET_COUNT, sizeof(applets[0]), by_name);
}

void applet_usage(FILE *f)
{
	fputs(current && current->usage[0] ? current->usage : "No help available.\n", f);
}

void applet_usage_exit(int code)
{
	applet_usage(stderr);
	exit(code);
}

static void print_version(void);

static int run(const struct applet *a, int argc, char **argv)
{
	current = a;
	applet_name = a->name;
	log_open(a->name, false, LOG_DAEMON);
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		applet_usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		print_version(); /* what an admin checks instead of `ldd sshd | grep libwrap` */
		return 0;
	}
	return a->main(argc, argv);
}

static void print_list(FILE *f, const char *sep)
{
	for (const struct applet *a = applets; a->name; a++)
		fprintf(f, "%s%s", a->name, sep);
}

static void gatebox_help(FILE *f)
{
	fprintf(f,
		"gatebox %s: host security for small Linux systems without systemd\n\n"
		"Usage: gatebox APPLET [ARGS...]   or   APPLET [ARGS...] through a link\n"
		"       gatebox --list             the compiled-in applets, one per line\n"
		"       gatebox --install [-s] DIR link every applet into DIR (-s: symbolic)\n"
		"       gatebox --version          version and compiled-in features\n"
		"       gatebox APPLET --help      the applet's usage\n\n"
		"Applets: ",
		GATEBOX_VERSION);
	print_list(f, " ");
	fputc('\n', f);
}

static void print_version(void)
{
	const char *tls = tls_library_version();

	printf("gatebox %s\n", GATEBOX_VERSION);
	printf("applets: ");
	print_list(stdout, " ");
	/* TCP wrappers are always in: tcpd, tcpdmatch and socketd's TCPWrap= share them */
	printf("\nfeatures: tcp-wrappers%s%s%s%s\n", ENABLE_RULES_OPTIONS ? " hosts-options" : "",
	       ENABLE_IPV6 ? " ipv6" : "", tls ? " tls=" : "", tls ? tls : "");
	printf("paths: units=%s run=%s hosts.allow=%s hosts.deny=%s spool=%s\n",
	       paths_default(PATHS_UNIT_DIR), paths_default(PATHS_RUN_DIR),
	       paths_default(PATHS_HOSTS_ALLOW), paths_default(PATHS_HOSTS_DENY),
	       paths_default(PATHS_SPOOL_DIR));
}

/* An existing DIR/name may be replaced only if it already is gatebox: a hard link to this
 * binary, or a symlink that resolves to it. Anything else belongs to someone else. */
static int is_gatebox(const char *path, const struct stat *self)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

static int install_links(const char *dir, bool symbolic)
{
	char self[PATH_MAX], path[PATH_MAX];
	struct stat self_st, st;
	ssize_t n;
	int rc = 0;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		log_errno(LOG_ERR, "can't find my own binary (/proc/self/exe)");
		return 1;
	}
	self[n] = '\0';
	if (stat(self, &self_st) < 0) {
		log_errno(LOG_ERR, "%s", self);
		return 1;
	}
	for (const struct applet *a = applets; a->name; a++) {
		if (str_printf(path, sizeof(path), "%s/%s", dir, a->name) < 0) {
			log_msg(LOG_ERR, "%s/%s: path too long", dir, a->name);
			rc = 1;
			continue;
		}
		if (lstat(path, &st) == 0) {
			if (!is_gatebox(path, &self_st)) {
				log_msg(LOG_ERR,
					"%s: exists and is not a link to gatebox; not replaced",
					path);
				rc = 1;
				continue;
			}
			if (unlink(path) < 0) {
				log_errno(LOG_ERR, "%s", path);
				rc = 1;
				continue;
			}
		}
		if ((symbolic ? symlink(self, path) : link(self, path)) < 0) {
			log_errno(LOG_ERR, "%s", path);
			rc = 1;
		}
	}
	return rc;
}

static int gatebox_main(int argc, char **argv)
{
	const char *opt = argc > 1 ? argv[1] : NULL;

	if (!opt) {
		gatebox_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
		gatebox_help(stdout);
		return 0;
	}
	if (strcmp(opt, "--list") == 0) {
		print_list(stdout, "\n");
		return 0;
	}
	if (strcmp(opt, "--version") == 0) {
		print_version();
		return 0;
	}
	if (strcmp(opt, "--install") == 0) {
		bool symbolic = argc > 2 && strcmp(argv[2], "-s") == 0;
		int dir_at = symbolic ? 3 : 2;

		if (argc != dir_at + 1) {
			log_msg(LOG_ERR, "usage: gatebox --install [-s] DIR");
			return EXIT_USAGE;
		}
		return install_links(argv[dir_at], symbolic);
	}
	if (opt[0] == '-') {
		log_msg(LOG_ERR, "unknown option %s (try --help)", opt);
		return EXIT_USAGE;
	}
	const struct applet *a = find_applet(opt);
	if (!a) {
		log_msg(LOG_ERR, "applet not found: %s", opt);
		return 127;
	}
	return run(a, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	const char *name = str_basename(argc > 0 && argv[0] ? argv[0] : "gatebox");
	const struct applet *a = find_applet(name);
	const char *execfn;

	if (a)
		return run(a, argc, argv);
	if (str_starts(name, "gatebox"))
		return gatebox_main(argc, argv);
	/* inetd style: exec("/usr/sbin/tcpd", {"in.telnetd", NULL}): the link name is the applet */
	execfn = (const char *)getauxval(AT_EXECFN);
	if (execfn && (a = find_applet(str_basename(execfn))) != NULL)
		return run(a, argc, argv);
	if (execfn && str_starts(str_basename(execfn), "gatebox"))
		return gatebox_main(argc, argv);
	log_msg(LOG_ERR, "applet not found: %s", name);
	return 127;
}
