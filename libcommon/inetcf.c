/* inetd.conf reading for tcpdmatch/tcpdchk (see inetcf.h): the same fields and the same
 * warnings as tcp_wrappers' inetcf.c, from its documented behaviour. */
#include "common.h"
#include "inetcf.h"
#include "unit.h"

#include <dirent.h>
#include <strings.h>
#include <sys/stat.h>

#define WS " \t\r\n"

int inetcf_set(struct inetcf *cf, const char *name, enum inetcf_wrap wrap)
{
	size_t len = strlen(name);
	struct inetcf_ent *e = malloc(sizeof(*e) + len + 1);

	if (!e)
		return -1;
	memcpy(e->name, name, len + 1);
	e->wrap = wrap;
	e->next = cf->list;
	cf->list = e;
	return 0;
}

enum inetcf_wrap inetcf_get(const struct inetcf *cf, const char *name)
{
	if (!cf->list)
		return INETCF_MAYBE;
	for (const struct inetcf_ent *e = cf->list; e; e = e->next)
		if (strcasecmp(e->name, name) == 0)
			return e->wrap;
	return INETCF_UNKNOWN;
}

void inetcf_free(struct inetcf *cf)
{
	while (cf->list) {
		struct inetcf_ent *next = cf->list->next;

		free(cf->list);
		cf->list = next;
	}
}

static void check_exec(struct rules_request *rq, const char *path, const char *shown)
{
	struct stat st;

	if (stat(path, &st) < 0)
		rules_warn(rq, "%s: not found: %s", shown, strerror(errno));
	else if (!(st.st_mode & 0100))
		rules_warn(rq, "%s: not executable", shown);
}

static void check_entry(struct inetcf *cf, struct rules_request *rq, const char *dir,
			const char *protocol, const char *path, const char *arg0, const char *arg1)
{
	const char *base = str_basename(path);
	const char *proc = arg0[0] == '/' ? str_basename(arg0) : arg0;
	enum inetcf_wrap wrap = INETCF_MAYBE;
	char daemon[4096];
	struct stat st;
	int have = stat(path, &st) == 0;

	check_exec(rq, path, path);
	if (strcasecmp(base, "miscd") == 0) {
		inetcf_set(cf, arg0, INETCF_YES);
		return;
	}
	if (strcasecmp(proc, "rexd") == 0 || strcasecmp(proc, "rpc.rexd") == 0)
		rules_warn(rq, "%s may be an insecure service", proc);
	snprintf(daemon, sizeof(daemon), "%s/%s", dir, arg0);
	if (strcasecmp(base, "tcpd") == 0) {
		if (strcasecmp(proc, "tcpd") == 0)
			rules_warn(rq, "%s is recursively calling itself", proc);
		wrap = INETCF_YES;
		if (have && (st.st_mode & 06000))
			rules_warn(rq, "%s: file is set-uid or set-gid", path);
		if (arg0[0] == '/' && strcasecmp(proc, str_basename(arg1)) == 0)
			rules_warn(rq, "%s inserted before %s", path, arg0);
		if (arg0[0] == '/') {
			check_exec(rq, arg0, arg0);
		} else if (stat(daemon, &st) < 0) {
			rules_warn(rq, "%s: not found in %s: %s", arg0, dir, strerror(errno));
		} else if (!(st.st_mode & 0100)) {
			rules_warn(rq, "%s: not executable", daemon);
		}
	} else if (strcasecmp(path, daemon) == 0) {
		wrap = INETCF_NOT;
	} else if (stat(daemon, &st) == 0) {
		wrap = INETCF_MAYBE;
	} else if (errno == ENOENT) {
		wrap = INETCF_NOT;
	} else {
		rules_warn(rq, "%s: file lookup: %s", daemon, strerror(errno));
	}
	if (wrap == INETCF_YES && strcasecmp(protocol ? protocol : "", "rpc/tcp") == 0)
		rules_warn(rq, "%s: cannot wrap rpc/tcp services", proc);
	inetcf_set(cf, proc, wrap);
}

/* The program a service unit runs: ExecStart='s first word, prefixes (-@:+!) dropped. */
static bool exec_name(const char *dir, const char *service, char *out, size_t size, bool *tcpd)
{
	char path[4096], buf[UNIT_LINE_MAX], *argv[4];
	const struct unit_entry *e;
	struct unit_file u;
	size_t argc;
	bool ok = false;

	snprintf(path, sizeof(path), "%s/%s", dir, service);
	if (unit_load(&u, path, NULL, NULL, NULL) < 0)
		return false;
	if ((e = unit_get(&u, "Service", "ExecStart")) != NULL) {
		const char *v = e->value + strspn(e->value, "-@:+!");

		if (unit_split_words(v, argv, 4, &argc, buf, sizeof(buf)) == 0 && argc > 0) {
			/* behind tcpd the wrapped daemon is the name that counts */
			const char *prog = str_basename(argv[0]);

			*tcpd = strcmp(prog, "tcpd") == 0 && argc > 1;
			if (*tcpd)
				prog = str_basename(argv[1]);
			ok = str_copy(out, size, prog) == 0;
		}
	}
	unit_free(&u);
	return ok;
}

/* gatebox's extension: a socketd unit directory. A .socket with TCPWrap= is a wrapped
 * service named by TCPWrap=NAME or by its service's program; one without is not wrapped. */
static void read_units(struct inetcf *cf, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[4096], prefix[UNIT_NAME_MAX], service[UNIT_NAME_MAX + 16],
			name[UNIT_NAME_MAX];
		const struct unit_entry *wrap, *svc, *acc;
		const char *suffix;
		struct unit_file u;
		bool tcpd = false;
		int b;

		if (!unit_name_parse(de->d_name, prefix, sizeof(prefix), NULL, 0, &suffix) ||
		    strcmp(suffix, "socket") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unit_load(&u, path, NULL, NULL, NULL) < 0)
			continue;
		wrap = unit_get(&u, "Socket", "TCPWrap");
		svc = unit_get(&u, "Socket", "Service");
		acc = unit_get(&u, "Socket", "Accept");
		if (svc && *svc->value)
			str_copy(service, sizeof(service), svc->value);
		else
			snprintf(service, sizeof(service), "%s%s.service", prefix,
				 acc && unit_bool(acc->value) == 1 ? "@" : "");
		b = wrap ? unit_bool(wrap->value) : 0;
		if (wrap && b < 0 && *wrap->value)
			inetcf_set(cf, wrap->value, INETCF_YES);
		else if (exec_name(dir, service, name, sizeof(name), &tcpd))
			inetcf_set(cf, name, b == 1 || tcpd ? INETCF_YES : INETCF_NOT);
		unit_free(&u);
	}
	closedir(d);
}

int inetcf_read(struct inetcf *cf, const char *conf, const char *dir, struct rules_request *rq)
{
	struct stat st;

	const char *saved_file = rq->file;
	int saved_line = rq->line;
	char buf[RULES_EXPAND_MAX];
	FILE *fp;

	cf->list = NULL;
	cf->path = NULL;
	if (conf && stat(conf, &st) == 0 && S_ISDIR(st.st_mode)) {
		cf->path = conf;
		read_units(cf, conf);
		return 0;
	}
	if (conf) {
		if (!(fp = fopen(conf, "re")))
			return -1;
	} else {
		conf = "/etc/inetd.conf";
		if (!(fp = fopen(conf, "re")))
			return 0;
	}
	cf->path = conf;
	rq->file = conf;
	rq->line = 0;
	while (fgets(buf, sizeof(buf), fp)) {
		char *service, *protocol, *user, *path, *arg0, *arg1, *save;
		char empty[1] = "";
		size_t len = strlen(buf);

		if (len && buf[len - 1] == '\n')
			rq->line++;
		/* backslash-newline continues the entry (HP-UX style) */
		while (len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\\' &&
		       fgets(buf + len - 2, (int)(sizeof(buf) - len + 2), fp)) {
			len = strlen(buf);
			if (len && buf[len - 1] == '\n')
				rq->line++;
		}
		service = strtok_r(buf, WS, &save);
		if (!service || *service == '#')
			continue;
		if (strcasecmp(service, "stream") != 0 && strcasecmp(service, "dgram") != 0)
			strtok_r(NULL, WS, &save); /* endpoint */
		protocol = strtok_r(NULL, WS, &save);
		strtok_r(NULL, WS, &save); /* wait */
		if (!(user = strtok_r(NULL, WS, &save)))
			continue;
		if (user[0] == '/')
			path = user;
		else if (!(path = strtok_r(NULL, WS, &save)))
			continue;
		if (path[0] == '?')
			path++;
		if (strcasecmp(path, "internal") == 0)
			continue;
		if (path[strspn(path, "-0123456789")] == '\0' &&
		    !(path = strtok_r(NULL, WS, &save)))
			continue;
		if (!(arg0 = strtok_r(NULL, WS, &save))) {
			rules_warn(rq, "incomplete line");
			continue;
		}
		if (arg0[strspn(arg0, "0123456789")] == '\0' &&
		    !(arg0 = strtok_r(NULL, WS, &save))) {
			rules_warn(rq, "incomplete line");
			continue;
		}
		if (!(arg1 = strtok_r(NULL, WS, &save)))
			arg1 = empty;
		check_entry(cf, rq, dir, protocol, path, arg0, arg1);
	}
	fclose(fp);
	rq->file = saved_file;
	rq->line = saved_line;
	return 0;
}
