/* Enablement of unit files (see install.h), from systemctl 252's observed behaviour. */
#include "common.h"
#include "install.h"
#include "unit.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INSTALL 32

static const char *const state_names[] = {
	[INSTALL_NOT_FOUND] = "not-found", [INSTALL_ENABLED] = "enabled",
	[INSTALL_DISABLED] = "disabled",   [INSTALL_STATIC] = "static",
	[INSTALL_INDIRECT] = "indirect",   [INSTALL_ALIAS] = "alias",
	[INSTALL_MASKED] = "masked",	   [INSTALL_BAD] = "bad",
};

/* readlink(2) with the terminator: the target's length, or -1 (not a symlink, or unreadable). */
static ssize_t link_target(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

const char *install_state_name(enum install_state s)
{
	return state_names[s];
}

bool install_state_enabled(enum install_state s)
{
	return s == INSTALL_ENABLED || s == INSTALL_STATIC || s == INSTALL_INDIRECT ||
		s == INSTALL_ALIAS;
}

void install_unit_name(const char *in, char *out, size_t size)
{
	static const char *const suffixes[] = {".service", ".socket", ".target", ".timer",
					       ".path",	   ".mount",  ".slice",	 ".scope",
					       ".device",  ".swap",   NULL};
	size_t len = strlen(in);

	for (const char *const *s = suffixes; *s; s++) {
		size_t sl = strlen(*s);

		if (len > sl && strcmp(in + len - sl, *s) == 0) {
			str_copy(out, size, in);
			return;
		}
	}
	str_printf(out, size, "%s.service", in);
}

struct install_info {
	char words[4][MAX_INSTALL][UNIT_NAME_MAX]; /* WantedBy, RequiredBy, Alias, Also */
	size_t n[4];
	char buf[UNIT_LINE_MAX];
};

enum { WANTED, REQUIRED, ALIAS, ALSO };

static int read_install(const char *path, struct install_info *in)
{
	static const char *const keys[4] = {"WantedBy", "RequiredBy", "Alias", "Also"};
	struct unit_file u;

	memset(in->n, 0, sizeof(in->n));
	if (unit_load(&u, path, NULL, NULL, NULL) < 0)
		return -1;
	for (int k = 0; k < 4; k++) {
		const struct unit_entry *e[MAX_INSTALL];
		size_t ne = unit_get_all(&u, "Install", keys[k], e, MAX_INSTALL);

		for (size_t i = 0; i < ne && i < MAX_INSTALL; i++) {
			char *w[MAX_INSTALL];
			size_t nw;

			if (unit_split_words(e[i]->value, w, MAX_INSTALL, &nw, in->buf,
					     sizeof(in->buf)) < 0)
				continue;
			for (size_t j = 0; j < nw && in->n[k] < MAX_INSTALL; j++)
				str_copy(in->words[k][in->n[k]++], UNIT_NAME_MAX, w[j]);
		}
	}
	unit_free(&u);
	return 0;
}

static bool has_install(const struct install_info *in)
{
	return in->n[WANTED] || in->n[REQUIRED] || in->n[ALIAS] || in->n[ALSO];
}

/* Is there a symlink named name in a .wants/.requires directory of real, or an alias? */
static bool any_link(const char *real, const char *dir, const char *name,
		     const struct install_info *in)
{
	DIR *d = opendir(real);
	struct dirent *de;
	bool found = false;
	char path[PATH_MAX * 2];
	struct stat st;

	for (size_t i = 0; i < in->n[ALIAS]; i++) {
		str_printf(path, sizeof(path), "%s/%s", real, in->words[ALIAS][i]);
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			found = true;
	}
	while (d && !found && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (!((len > 6 && strcmp(de->d_name + len - 6, ".wants") == 0) ||
		      (len > 9 && strcmp(de->d_name + len - 9, ".requires") == 0)))
			continue;
		str_printf(path, sizeof(path), "%s/%s/%s", real, de->d_name, name);
		if (lstat(path, &st) == 0)
			found = true;
	}
	if (d)
		closedir(d);
	(void)dir;
	return found;
}

enum install_state install_get_state(const char *root, const char *dir, const char *name)
{
	char real[PATH_MAX], path[PATH_MAX * 2], target[PATH_MAX];
	struct install_info *in;
	enum install_state s;
	struct stat st;
	ssize_t n;

	str_printf(real, sizeof(real), "%s%s", root, dir);
	str_printf(path, sizeof(path), "%s/%s", real, name);
	if (lstat(path, &st) < 0)
		return INSTALL_NOT_FOUND;
	if (S_ISLNK(st.st_mode)) {
		n = link_target(path, target, sizeof(target));
		if (n < 0)
			return INSTALL_BAD;
		if (strcmp(target, "/dev/null") == 0)
			return INSTALL_MASKED;
		if (strcmp(str_basename(target), name) != 0)
			return INSTALL_ALIAS;
	}
	in = malloc(sizeof(*in));
	if (!in || read_install(path, in) < 0)
		s = INSTALL_BAD;
	else if (!in->n[WANTED] && !in->n[REQUIRED] && !in->n[ALIAS])
		s = in->n[ALSO] ? INSTALL_INDIRECT : INSTALL_STATIC;
	else if (strstr(name, "@.")) /* a template without an instance */
		s = INSTALL_STATIC;
	else
		s = any_link(real, dir, name, in) ? INSTALL_ENABLED : INSTALL_DISABLED;
	free(in);
	return s;
}

static int make_link(const char *link, const char *target, install_report_fn *report, void *ctx,
		     char *conflict, size_t csize)
{
	char have[PATH_MAX], dirpath[PATH_MAX];
	ssize_t n = link_target(link, have, sizeof(have));
	char *slash;

	if (n >= 0) {
		if (strcmp(have, target) == 0)
			return 0; /* already there: silent */
	}
	if (n >= 0 || access(link, F_OK) == 0) {
		str_copy(conflict, csize, link);
		errno = EEXIST;
		return -1;
	}
	str_copy(dirpath, sizeof(dirpath), link);
	if ((slash = strrchr(dirpath, '/')) != NULL) {
		*slash = '\0';
		if (mkdir(dirpath, 0755) < 0 && errno != EEXIST)
			return -1;
	}
	if (symlink(target, link) < 0)
		return -1;
	report(ctx, true, link, target);
	return 0;
}

static int enable_one(const char *root, const char *dir, const char *name,
		      install_report_fn *report, void *ctx, char *conflict, size_t csize, int depth)
{
	char path[PATH_MAX * 2], link[PATH_MAX * 2], target[PATH_MAX * 2];
	struct install_info *in;
	struct stat st;
	int r = 0;

	if (depth > 8)
		return 0;
	if (!unit_name_valid(name)) { /* a name, never a path out of the directory (or root) */
		errno = EINVAL;
		return -1;
	}
	str_printf(path, sizeof(path), "%s%s/%s", root, dir, name);
	if (lstat(path, &st) < 0) {
		errno = ENOENT;
		return -1;
	}
	if (install_get_state(root, dir, name) == INSTALL_MASKED) {
		errno = ELOOP;
		return -1;
	}
	in = malloc(sizeof(*in));
	if (!in || read_install(path, in) < 0) {
		free(in);
		return -1;
	}
	if (!has_install(in)) {
		free(in);
		return 1;
	}
	str_printf(target, sizeof(target), "%s/%s", dir, name);
	/* Alias= and WantedBy= words that are no unit names ("../x") are ignored */
	for (size_t i = 0; i < in->n[ALIAS] && r == 0; i++) {
		if (strcmp(in->words[ALIAS][i], name) == 0 || !unit_name_valid(in->words[ALIAS][i]))
			continue;
		str_printf(link, sizeof(link), "%s%s/%s", root, dir, in->words[ALIAS][i]);
		r = make_link(link, target, report, ctx, conflict, csize);
	}
	for (int k = WANTED; k <= REQUIRED && r == 0; k++)
		for (size_t i = 0; i < in->n[k] && r == 0; i++) {
			if (!unit_name_valid(in->words[k][i]))
				continue;
			str_printf(link, sizeof(link), "%s%s/%s.%s/%s", root, dir, in->words[k][i],
				   k == WANTED ? "wants" : "requires", name);
			r = make_link(link, target, report, ctx, conflict, csize);
		}
	for (size_t i = 0; i < in->n[ALSO] && r == 0; i++) {
		int a = enable_one(root, dir, in->words[ALSO][i], report, ctx, conflict, csize,
				   depth + 1);

		if (a < 0)
			r = a;
	}
	free(in);
	return r;
}

int install_enable(const char *root, const char *dir, const char *name, install_report_fn *report,
		   void *ctx, char *conflict, size_t csize)
{
	return enable_one(root, dir, name, report, ctx, conflict, csize, 0);
}

/* Remove the symlinks in d that are named name or point to a file named name. */
static void unlink_matching(const char *d, const char *name, install_report_fn *report, void *ctx)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	char path[PATH_MAX * 2], target[PATH_MAX];

	while (dp && (de = readdir(dp)) != NULL) {
		struct stat st;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		str_printf(path, sizeof(path), "%s/%s", d, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
			continue;
		n = link_target(path, target, sizeof(target));
		if (n < 0)
			continue;
		if (strcmp(target, "/dev/null") == 0)
			continue; /* a mask is unmask's business */
		if (strcmp(de->d_name, name) != 0 && strcmp(str_basename(target), name) != 0)
			continue;
		if (unlink(path) == 0)
			report(ctx, false, path, target);
	}
	if (dp)
		closedir(dp);
}

static void disable_one(const char *root, const char *dir, const char *name,
			install_report_fn *report, void *ctx, int depth)
{
	char real[PATH_MAX], path[PATH_MAX * 2];
	struct install_info *in;
	DIR *d;
	struct dirent *de;

	if (depth > 8)
		return;
	str_printf(real, sizeof(real), "%s%s", root, dir);
	if ((d = opendir(real)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);

			if (!((len > 6 && strcmp(de->d_name + len - 6, ".wants") == 0) ||
			      (len > 9 && strcmp(de->d_name + len - 9, ".requires") == 0)))
				continue;
			str_printf(path, sizeof(path), "%s/%s", real, de->d_name);
			unlink_matching(path, name, report, ctx);
			rmdir(path); /* only if it is now empty, as systemctl leaves no empty .wants */
		}
		closedir(d);
	}
	/* aliases: top-level symlinks to the unit (not the unit itself) */
	{
		DIR *dp = opendir(real);
		char target[PATH_MAX];

		while (dp && (de = readdir(dp)) != NULL) {
			struct stat st;
			ssize_t n;

			if (strcmp(de->d_name, name) == 0)
				continue;
			str_printf(path, sizeof(path), "%s/%s", real, de->d_name);
			if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
				continue;
			n = link_target(path, target, sizeof(target));
			if (n < 0)
				continue;
			if (strcmp(str_basename(target), name) == 0 && unlink(path) == 0)
				report(ctx, false, path, target);
		}
		if (dp)
			closedir(dp);
	}
	str_printf(path, sizeof(path), "%s/%s", real, name);
	in = malloc(sizeof(*in));
	if (in && read_install(path, in) == 0)
		for (size_t i = 0; i < in->n[ALSO]; i++)
			disable_one(root, dir, in->words[ALSO][i], report, ctx, depth + 1);
	free(in);
}

int install_disable(const char *root, const char *dir, const char *name, install_report_fn *report,
		    void *ctx)
{
	char path[PATH_MAX * 2];
	struct stat st;

	str_printf(path, sizeof(path), "%s%s/%s", root, dir, name);
	if (lstat(path, &st) < 0) {
		errno = ENOENT;
		return -1;
	}
	disable_one(root, dir, name, report, ctx, 0);
	return 0;
}

int install_mask(const char *root, const char *dir, const char *name, install_report_fn *report,
		 void *ctx)
{
	char path[PATH_MAX * 2], have[PATH_MAX];
	ssize_t n;

	str_printf(path, sizeof(path), "%s%s/%s", root, dir, name);
	n = link_target(path, have, sizeof(have));
	if (n >= 0) {
		if (strcmp(have, "/dev/null") == 0)
			return 0;
	}
	if (access(path, F_OK) == 0 || n >= 0) {
		errno = EEXIST;
		return -1;
	}
	if (symlink("/dev/null", path) < 0)
		return -1;
	report(ctx, true, path, "/dev/null");
	return 0;
}

int install_unmask(const char *root, const char *dir, const char *name, install_report_fn *report,
		   void *ctx)
{
	char path[PATH_MAX * 2], have[PATH_MAX];
	ssize_t n;

	str_printf(path, sizeof(path), "%s%s/%s", root, dir, name);
	n = link_target(path, have, sizeof(have));
	if (n < 0)
		return 0;
	if (strcmp(have, "/dev/null") != 0)
		return 0;
	if (unlink(path) < 0)
		return -1;
	report(ctx, false, path, have);
	return 0;
}
