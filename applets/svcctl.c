/* svcctl: the systemctl of socketd. The unit-file verbs work on their own, as systemctl's
 * client side does (enable, disable, is-enabled, list-unit-files, mask, unmask, cat), with
 * systemctl 252's words, messages and exit codes; --root=DIR works on an image being built.
 * The verbs that ask the manager go to socketd's control socket. */
//applet:svcctl SVCCTL
//usage:svcctl Usage: svcctl [OPTIONS] COMMAND [UNIT...]
//usage:svcctl Unit files (no socketd needed):
//usage:svcctl   enable [--now] UNIT...   disable [--now] UNIT...   is-enabled UNIT...
//usage:svcctl   mask UNIT...   unmask UNIT...   list-unit-files   cat UNIT...
//usage:svcctl Manager (socketd's control socket): start stop restart try-restart reload
//usage:svcctl   reload-or-restart status is-active is-failed list-units list-sockets
//usage:svcctl   daemon-reload daemon-reexec show kill reset-failed
//usage:svcctl Options: --root=DIR  -q|--quiet  --now  --no-pager  --no-block  --all
//usage:svcctl A unit name without a suffix means NAME.service.
//config:config SVCCTL
//config:	bool "svcctl: control socketd and its units (systemctl-style)"
//config:	default y
//config:	depends on SOCKETD
#include "common.h"
#include "applet.h"
#include "ctl.h"
#include "install.h"
#include "unit.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static struct {
	const char *root, *dir;
	bool quiet, now;
	char opts[512]; /* the options the manager verbs take, as the request carries them */
} g;

static void report(void *ctx, bool created, const char *link, const char *target)
{
	(void)ctx;
	if (created)
		fprintf(stderr, "Created symlink %s \xe2\x86\x92 %s.\n", link, target);
	else
		fprintf(stderr, "Removed \"%s\".\n", link);
}

/* an option for the manager: one word of the request (a space would split it) */
static void add_opt(const char *opt, const char *value)
{
	char word[256];

	str_printf(word, sizeof(word), " %s%s", opt, value ? value : "");
	if (strpbrk(word + 1, " \t\n") || str_append(g.opts, sizeof(g.opts), word) < 0)
		die(1, "bad option: %s%s", opt, value ? value : "");
}

/* The verbs that need socketd go to its control socket; without it they fail as systemctl
 * does without its manager (exit 1, a clear message). */
static int manager_call(int n, char **args, const char *verb)
{
	char path[108], request[CTL_REQUEST_MAX];
	int rc;

	if (str_printf(path, sizeof(path), "%s/%s", paths_get(PATHS_RUN_DIR), CTL_SOCKET_NAME) < 0)
		die(1, "%s: run directory path too long", verb);
	str_copy(request, sizeof(request), verb);
	str_append(request, sizeof(request), g.opts);
	for (int i = 0; i < n; i++) {
		char name[UNIT_NAME_MAX];

		install_unit_name(args[i], name, sizeof(name));
		if (str_append(request, sizeof(request), " ") < 0 ||
		    str_append(request, sizeof(request), name) < 0) {
			fprintf(stderr, "Too many arguments.\n");
			return 1;
		}
	}
	if (g.quiet)
		str_append(request, sizeof(request), " --quiet");
	fflush(stdout);
	rc = ctl_call(path, request, 1, 2);
	if (rc < 0) {
		fprintf(stderr, "Failed to connect to socketd at %s: %s\n", path, strerror(errno));
		fprintf(stderr, "(socketd is not running, or cannot be reached: can't operate)\n");
		return 1;
	}
	return rc;
}

static int verb_enable(int n, char **units, bool enable)
{
	int rc = 0;

	for (int i = 0; i < n; i++) {
		char name[UNIT_NAME_MAX], conflict[4096] = "";
		int r;

		install_unit_name(units[i], name, sizeof(name));
		if (enable) {
			r = install_enable(g.root, g.dir, name, report, NULL, conflict,
					   sizeof(conflict));
			if (r == 1) {
				fprintf(stderr,
					"The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\n"
					"Alias= settings in the [Install] section): they are not meant to be\n"
					"enabled. Such units are started by another unit, by activation (a socket),\n"
					"or by hand; a template unit is enabled with an instance name.\n");
				continue;
			}
		} else {
			r = install_disable(g.root, g.dir, name, report, NULL);
		}
		if (r < 0) {
			if (errno == ENOENT)
				fprintf(stderr, "Failed to %s unit, unit %s does not exist.\n",
					enable ? "enable" : "disable", name);
			else if (errno == ELOOP)
				fprintf(stderr,
					"Failed to enable unit: Unit file %s%s/%s is masked.\n",
					g.root, g.dir, name);
			else if (errno == EEXIST)
				fprintf(stderr, "Failed to enable unit: File %s already exists.\n",
					conflict);
			else
				fprintf(stderr, "Failed to %s unit %s: %s\n",
					enable ? "enable" : "disable", name, strerror(errno));
			rc = 1;
		}
	}
	if (rc == 0 && g.now)
		return manager_call(n, units, enable ? "start" : "stop");
	return rc;
}

static int verb_is_enabled(int n, char **units)
{
	bool any = false;

	for (int i = 0; i < n; i++) {
		char name[UNIT_NAME_MAX];
		enum install_state s;

		install_unit_name(units[i], name, sizeof(name));
		s = install_get_state(g.root, g.dir, name);
		if (s == INSTALL_NOT_FOUND) {
			/* systemctl stops at the first unit it cannot find */
			fprintf(stderr,
				"Failed to get unit file state for %s: No such file or directory\n",
				name);
			return 1;
		}
		if (!g.quiet)
			printf("%s\n", install_state_name(s));
		if (install_state_enabled(s))
			any = true;
	}
	return any ? 0 : 1;
}

static int verb_mask(int n, char **units, bool mask)
{
	int rc = 0;

	for (int i = 0; i < n; i++) {
		char name[UNIT_NAME_MAX];

		install_unit_name(units[i], name, sizeof(name));
		if ((mask ? install_mask(g.root, g.dir, name, report, NULL)
			  : install_unmask(g.root, g.dir, name, report, NULL)) < 0) {
			if (errno == EEXIST)
				fprintf(stderr,
					"Failed to mask unit, file \"%s%s/%s\" already exists.\n",
					g.root, g.dir, name);
			else
				fprintf(stderr, "Failed to %s unit %s: %s\n",
					mask ? "mask" : "unmask", name, strerror(errno));
			rc = 1;
		}
	}
	return rc;
}

struct listed {
	char name[UNIT_NAME_MAX];
	enum install_state state;
};

static int by_type_then_name(const void *a, const void *b)
{
	const char *x = ((const struct listed *)a)->name, *y = ((const struct listed *)b)->name;
	int c = strcmp(strrchr(x, '.'), strrchr(y, '.'));

	return c ? c : strcmp(x, y);
}

static int verb_list_unit_files(void)
{
	char real[4096];
	struct listed *l = NULL;
	size_t n = 0, cap = 0, w1 = 9, w2 = 5;
	DIR *d;
	struct dirent *de;

	str_printf(real, sizeof(real), "%s%s", g.root, g.dir);
	if ((d = opendir(real)) == NULL) {
		fprintf(stderr, "Failed to list unit files: %s: %s\n", real, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		char name[UNIT_NAME_MAX];
		struct stat st;
		char path[4096 + UNIT_NAME_MAX];

		install_unit_name(de->d_name, name, sizeof(name));
		if (de->d_name[0] == '.' || strcmp(name, de->d_name) != 0)
			continue; /* not a unit file name */
		str_printf(path, sizeof(path), "%s/%s", real, de->d_name);
		if (lstat(path, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			l = xrealloc(l, cap * sizeof(*l));
		}
		str_copy(l[n].name, sizeof(l[n].name), de->d_name);
		l[n].state = install_get_state(g.root, g.dir, de->d_name);
		if (strlen(de->d_name) > w1)
			w1 = strlen(de->d_name);
		if (strlen(install_state_name(l[n].state)) > w2)
			w2 = strlen(install_state_name(l[n].state));
		n++;
	}
	closedir(d);
	if (n)
		qsort(l, n, sizeof(*l), by_type_then_name);
	printf("%-*s %-*s %s\n", (int)w1, "UNIT FILE", (int)w2, "STATE", "PRESET");
	for (size_t i = 0; i < n; i++) {
		enum install_state s = l[i].state;
		/* no preset files on gatebox: every installable unit's preset is "enabled" */
		const char *preset = s == INSTALL_ENABLED || s == INSTALL_DISABLED ||
				s == INSTALL_INDIRECT || s == INSTALL_MASKED
			? "enabled"
			: "-";

		printf("%-*s %-*s %s\n", (int)w1, l[i].name, (int)w2, install_state_name(s),
		       preset);
	}
	printf("\n%zu unit files listed.\n", n);
	free(l);
	return 0;
}

static int verb_cat(int n, char **units)
{
	int rc = 0;

	for (int i = 0; i < n; i++) {
		char name[UNIT_NAME_MAX], path[4096 + UNIT_NAME_MAX], buf[4096];
		FILE *fp;
		size_t got;

		install_unit_name(units[i], name, sizeof(name));
		str_printf(path, sizeof(path), "%s%s/%s", g.root, g.dir, name);
		if (!(fp = fopen(path, "re"))) {
			fprintf(stderr, "No files found for %s.\n", name);
			rc = 1;
			continue;
		}
		printf("%s# %s/%s\n", i ? "\n" : "", g.dir, name);
		while ((got = fread(buf, 1, sizeof(buf), fp)) > 0)
			fwrite(buf, 1, got, stdout);
		fclose(fp);
	}
	return rc;
}

int svcctl_main(int argc, char **argv)
{
	static const char *const manager_verbs[] = {"start",
						    "stop",
						    "restart",
						    "try-restart",
						    "reload",
						    "reload-or-restart",
						    "status",
						    "is-active",
						    "is-failed",
						    "list-units",
						    "list-sockets",
						    "daemon-reload",
						    "daemon-reexec",
						    "show",
						    "kill",
						    "reset-failed",
						    NULL};
	const char *verb = NULL;
	char **units = xcalloc((size_t)argc + 1, sizeof(char *));
	int nunits = 0, rc;

	g.root = "";
	g.dir = paths_get(PATHS_UNIT_DIR);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--root=", 7) == 0)
			g.root = a + 7;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			g.quiet = true;
		else if (strcmp(a, "--now") == 0)
			g.now = true;
		else if (strcmp(a, "--no-pager") == 0 || strcmp(a, "--no-legend") == 0 ||
			 strcmp(a, "-l") == 0 || strcmp(a, "--full") == 0)
			; /* accepted: svcctl never pages nor shortens */
		else if (strcmp(a, "--no-block") == 0 || strcmp(a, "--all") == 0 ||
			 strncmp(a, "--type=", 7) == 0 || strncmp(a, "--state=", 8) == 0 ||
			 strcmp(a, "--value") == 0 || strncmp(a, "--property=", 11) == 0 ||
			 strncmp(a, "--lines=", 8) == 0 || strncmp(a, "--signal=", 9) == 0 ||
			 strncmp(a, "--kill-whom=", 12) == 0)
			add_opt(a, NULL);
		else if (strcmp(a, "-a") == 0)
			add_opt("--all", NULL);
		else if ((strcmp(a, "-n") == 0 || strcmp(a, "-p") == 0 || strcmp(a, "-s") == 0 ||
			  strcmp(a, "-t") == 0) &&
			 i + 1 < argc) {
			add_opt(a[1] == 'n'	      ? "--lines="
					: a[1] == 'p' ? "--property="
					: a[1] == 's' ? "--signal="
						      : "--type=",
				argv[++i]);
		} else if (strncmp(a, "-n", 2) == 0 && a[2])
			add_opt("--lines=", a + 2);
		else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "svcctl: unrecognized option '%s'\n", a);
			free(units);
			return 1;
		} else if (!verb)
			verb = a;
		else
			units[nunits++] = argv[i];
	}
	if (!verb) {
		free(units);
		applet_usage(stderr);
		return 1;
	}
	if (strcmp(verb, "enable") == 0 || strcmp(verb, "disable") == 0) {
		if (!nunits) {
			fprintf(stderr, "Too few arguments.\n");
			rc = 1;
		} else {
			rc = verb_enable(nunits, units, verb[0] == 'e');
		}
	} else if (strcmp(verb, "is-enabled") == 0) {
		rc = nunits ? verb_is_enabled(nunits, units)
			    : (fprintf(stderr, "Too few arguments.\n"), 1);
	} else if (strcmp(verb, "mask") == 0 || strcmp(verb, "unmask") == 0) {
		rc = nunits ? verb_mask(nunits, units, verb[0] == 'm')
			    : (fprintf(stderr, "Too few arguments.\n"), 1);
	} else if (strcmp(verb, "list-unit-files") == 0) {
		rc = verb_list_unit_files();
	} else if (strcmp(verb, "cat") == 0) {
		rc = nunits ? verb_cat(nunits, units)
			    : (fprintf(stderr, "Too few arguments.\n"), 1);
	} else {
		rc = -1;
		for (const char *const *m = manager_verbs; *m; m++)
			if (strcmp(*m, verb) == 0)
				rc = manager_call(nunits, units, verb);
		if (rc < 0) {
			fprintf(stderr, "Unknown command verb %s.\n", verb);
			rc = 1;
		}
	}
	free(units);
	return rc;
}
