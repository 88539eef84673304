/* Reading .socket and .service units into socketd's structures: every known key checked,
 * an invalid value failing its unit with file:line, unknown keys warned about and ignored,
 * as systemd does. */
#include "socketd.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct loader {
	const char *file;
	int errors;
};

static void unit_diag(void *ctx, const char *file, int line, bool error, const char *msg)
{
	struct loader *ld = ctx;

	if (error)
		ld->errors++;
	log_msg(error ? LOG_ERR : LOG_WARNING, "%s:%d: %s", file, line, msg);
}

static void bad(struct loader *ld, const struct unit_entry *e, const char *what)
{
	log_msg(LOG_ERR, "%s:%d: Failed to parse %s= value '%s'%s%s", ld->file, e->line, e->key,
		e->value, what ? ": " : "", what ? what : "");
	ld->errors++;
}

static const char *const known_unit[] = {"Description",
					 "Documentation",
					 "Requires",
					 "Wants",
					 "After",
					 "Before",
					 "Conflicts",
					 "BindsTo",
					 "PartOf",
					 "DefaultDependencies",
					 "ConditionPathExists",
					 "StartLimitIntervalSec",
					 "StartLimitBurst",
					 NULL};
static const char *const known_install[] = {"WantedBy", "RequiredBy", "Alias", "Also", NULL};
static const char *const known_socket[] = {
	"ListenStream", "ListenDatagram", "ListenSequentialPacket", "Accept", "Service",
	"BindIPv6Only", "Backlog", "ReusePort", "FreeBind", "BindToDevice", "KeepAlive", "NoDelay",
	"SocketMode", "SocketUser", "SocketGroup", "DirectoryMode", "RemoveOnStop",
	"FileDescriptorName", "MaxConnections", "MaxConnectionsPerSource",
	"TriggerLimitIntervalSec", "TriggerLimitBurst", "TCPWrap", "Transparent",
	/* gatebox extensions: TLS termination (tls.c) */
	"TLSCertificate", "TLSKey", "TLSClientCA", "TLSMinVersion", "TLSCiphers", "TLSGroups",
	"TLSHandshakeTimeoutSec", NULL};
static const char *const known_service[] = {"ExecStart",
					    "User",
					    "Group",
					    "SupplementaryGroups",
					    "WorkingDirectory",
					    "Environment",
					    "EnvironmentFile",
					    "UMask",
					    "Nice",
					    "LimitNOFILE",
					    "StandardInput",
					    "StandardOutput",
					    "StandardError",
					    "Type",
					    "RemainAfterExit",
					    "PIDFile",
					    "ExecStartPre",
					    "ExecStartPost",
					    "ExecReload",
					    "ExecStop",
					    "ExecStopPost",
					    "TimeoutStartSec",
					    "TimeoutStopSec",
					    "TimeoutSec",
					    "KillSignal",
					    "SendSIGKILL",
					    "KillMode",
					    "Restart",
					    "RestartSec",
					    "SuccessExitStatus",
					    "NotifyAccess",
					    "WatchdogSec",
					    "RuntimeDirectory",
					    "RuntimeDirectoryMode",
					    "NotifyFd",
					    "StartLimitInterval",
					    "StartLimitBurst",
					    NULL};

static bool in_list(const char *const *l, const char *k)
{
	for (; *l; l++)
		if (strcmp(*l, k) == 0)
			return true;
	return false;
}

static void warn_unknown(const struct unit_file *u, const char *type_section,
			 const char *const *known)
{
	for (size_t i = 0; i < u->n; i++) {
		const struct unit_entry *e = &u->entries[i];
		const char *const *list = strcmp(e->section, "Unit") == 0 ? known_unit
			: strcmp(e->section, "Install") == 0		  ? known_install
			: strcmp(e->section, type_section) == 0		  ? known
									  : NULL;

		if (!list)
			log_msg(LOG_WARNING, "%s:%d: Unknown section '%s'. Ignoring.", u->path,
				e->line, e->section);
		else if (!in_list(list, e->key))
			log_msg(LOG_WARNING,
				"%s:%d: Unknown key name '%s' in section '%s', ignoring.", u->path,
				e->line, e->key, e->section);
	}
}

static bool parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	return opt_ulong(v, 10, 0, max, out) == 0;
}

/* An unsigned Key= of [Socket] within [min, max] into *out; an error when it is not. */
static void uint_key(struct loader *ld, const struct unit_file *u, const char *key,
		     unsigned long min, unsigned long max, unsigned *out)
{
	const struct unit_entry *e = unit_get(u, "Socket", key);
	unsigned long v;

	if (!e || !*e->value)
		return;
	if (opt_ulong(e->value, 10, min, max, &v) < 0)
		bad(ld, e, NULL);
	else
		*out = (unsigned)v;
}

static bool parse_mode(const char *v, int *out)
{
	unsigned long m;

	if (opt_ulong(v, 8, 0, 07777, &m) < 0)
		return false;
	*out = (int)m;
	return true;
}

static bool lookup_user(const char *v, long long *uid, long long *gid)
{
	struct passwd *pw = getpwnam(v);
	unsigned long n;

	if (pw) {
		*uid = pw->pw_uid;
		if (gid)
			*gid = pw->pw_gid;
		return true;
	}
	if (parse_uint(v, 0xfffffffe, &n)) { /* (uid_t)-1 is no one */
		*uid = (long long)n;
		return true;
	}
	return false;
}

static bool lookup_group(const char *v, long long *gid)
{
	struct group *gr = getgrnam(v);
	unsigned long n;

	if (gr) {
		*gid = gr->gr_gid;
		return true;
	}
	if (parse_uint(v, 0xfffffffe, &n)) {
		*gid = (long long)n;
		return true;
	}
	return false;
}

static bool parse_io(const char *v, enum sd_io *out)
{
	static const struct {
		const char *word;
		enum sd_io io;
	} words[] = {{"null", SD_IO_NULL},
		     {"socket", SD_IO_SOCKET},
		     {"inherit", SD_IO_INHERIT},
		     {"journal", SD_IO_JOURNAL},
		     {"syslog", SD_IO_JOURNAL},
		     {"kmsg", SD_IO_JOURNAL},
		     {"journal+console", SD_IO_JOURNAL},
		     {"tty", SD_IO_INHERIT}};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(v, words[i].word) == 0) {
			*out = words[i].io;
			return true;
		}
	return false;
}

static void add_env(struct sd_service *svc, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv)
		return;
	/* a later assignment of the same variable replaces the earlier one */
	for (size_t i = 0; i < svc->nenv; i++)
		if (strncmp(svc->env[i], kv, (size_t)(eq - kv + 1)) == 0) {
			free(svc->env[i]);
			svc->env[i] = xstrdup(kv);
			return;
		}
	if (svc->nenv < SD_MAX_ENV) {
		svc->env = xrealloc(svc->env, (svc->nenv + 1) * sizeof(*svc->env));
		svc->env[svc->nenv++] = xstrdup(kv);
	}
}

static void env_file(struct loader *ld, struct sd_service *svc, const struct unit_entry *e)
{
	const char *path = e->value;
	bool optional = path[0] == '-';
	char line[UNIT_LINE_MAX];
	FILE *fp;

	if (optional)
		path++;
	if (!(fp = fopen(path, "re"))) {
		if (!optional) {
			log_msg(LOG_ERR, "%s:%d: Failed to load environment file %s: %s", ld->file,
				e->line, path, strerror(errno));
			ld->errors++;
		}
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *p = str_trim(line);
		size_t n;

		if (!*p || *p == '#' || *p == ';')
			continue;
		if (strncmp(p, "export ", 7) == 0)
			p += 7;
		n = strlen(p);
		/* VAR="value" and VAR='value': the quotes go */
		{
			char *eq = strchr(p, '=');

			if (eq && n > (size_t)(eq - p) + 2 && (eq[1] == '"' || eq[1] == '\'') &&
			    p[n - 1] == eq[1]) {
				p[n - 1] = '\0';
				memmove(eq + 1, eq + 2, strlen(eq + 2) + 1);
			}
		}
		add_env(svc, p);
	}
	fclose(fp);
}

/* Exec*= command lines: the prefixes go ('-' is remembered), the program must be absolute */
static void add_cmds(struct loader *ld, struct sd_service *svc, const struct unit_file *u,
		     const char *key, enum sd_phase phase)
{
	const struct unit_entry *list[64];
	size_t n = unit_get_all(u, "Service", key, list, 64);

	for (size_t i = 0; i < n && i < 64; i++) {
		const char *v = list[i]->value;
		bool ignore = false, at = false;

		for (; *v == '-' || *v == '@' || *v == ':' || *v == '+' || *v == '!'; v++) {
			if (*v == '-')
				ignore = true;
			if (*v == '@')
				at = true; /* the second word is argv[0] */
		}
		if (*v != '/' && *v != '$') {
			bad(ld, list[i], "the program must be an absolute path");
			continue;
		}
		svc->cmds = xrealloc(svc->cmds, (svc->ncmds + 1) * sizeof(*svc->cmds));
		svc->cmds[svc->ncmds].line = xstrdup(v);
		svc->cmds[svc->ncmds].ignore = ignore;
		svc->cmds[svc->ncmds].argv0 = at;
		svc->cmds[svc->ncmds].phase = phase;
		svc->ncmds++;
	}
}

static void timespan_key(struct loader *ld, const struct unit_file *u, const char *section,
			 const char *key, long long *out)
{
	const struct unit_entry *e = unit_get(u, section, key);
	long long us;

	if (!e || !*e->value)
		return;
	if ((us = unit_timespan_us(e->value)) < 0)
		bad(ld, e, NULL);
	else
		*out = us;
}

static bool word_key(struct loader *ld, const struct unit_file *u, const char *key,
		     const char *const *words, int *out)
{
	const struct unit_entry *e = unit_get(u, "Service", key);

	if (!e || !*e->value)
		return false;
	for (int i = 0; words[i]; i++)
		if (strcmp(e->value, words[i]) == 0) {
			*out = i;
			return true;
		}
	bad(ld, e, NULL);
	return false;
}

static void lifecycle(struct loader *ld, struct sd_service *svc, const struct unit_file *u)
{
	static const char *const types[] = {"simple", "exec", "forking", "oneshot", "notify", NULL};
	static const char *const modes[] = {"control-group", "mixed", "process", "none", NULL};
	static const char *const access[] = {"none", "main", "exec", "all", NULL};
	static const char *const dep_keys[] = {"Requires", "Wants", "After", "Before", "Conflicts"};
	const struct unit_entry *e, *list[64];
	int v;
	size_t n;

	svc->timeout_start_us = svc->timeout_stop_us = 90000000;
	svc->restart_us = 100000;
	svc->start_limit_interval_us = 10000000;
	svc->start_limit_burst = 5;
	svc->kill_signal = SIGTERM;
	svc->send_sigkill = true;
	svc->notify_fd = -1;
	if (word_key(ld, u, "Type", types, &v))
		svc->type = (enum sd_type)v;
	if (word_key(ld, u, "KillMode", modes, &v))
		svc->kill_mode = (enum sd_kill_mode)v;
	svc->notify_access = svc->type == SD_NOTIFY ? SD_NOTIFY_MAIN : SD_NOTIFY_NONE;
	if (word_key(ld, u, "NotifyAccess", access, &v))
		svc->notify_access = (enum sd_notify_access)v;
	if ((e = unit_get(u, "Service", "Restart")) && *e->value) {
		if ((v = sup_restart_parse(e->value)) < 0)
			bad(ld, e, NULL);
		else
			svc->restart = (enum sup_restart)v;
	}
	if ((e = unit_get(u, "Service", "KillSignal")) && *e->value) {
		if ((v = sup_signal_parse(e->value)) < 0)
			bad(ld, e, "not a signal");
		else
			svc->kill_signal = v;
	}
	if ((e = unit_get(u, "Service", "RemainAfterExit")) && *e->value) {
		if ((v = unit_bool(e->value)) < 0)
			bad(ld, e, NULL);
		else
			svc->remain_after_exit = v;
	}
	if ((e = unit_get(u, "Service", "SendSIGKILL")) && *e->value) {
		if ((v = unit_bool(e->value)) < 0)
			bad(ld, e, NULL);
		else
			svc->send_sigkill = v;
	}
	if ((e = unit_get(u, "Service", "PIDFile")) && *e->value) {
		if (e->value[0] != '/')
			bad(ld, e, "not an absolute path");
		else
			svc->pidfile = xstrdup(e->value);
	}
	if ((e = unit_get(u, "Service", "NotifyFd")) && *e->value) {
		unsigned long fd;

		if (opt_ulong(e->value, 10, 3, 255, &fd) < 0)
			bad(ld, e, "a file descriptor number from 3 to 255");
		else
			svc->notify_fd = (int)fd;
	}
	timespan_key(ld, u, "Service", "TimeoutSec", &svc->timeout_start_us);
	timespan_key(ld, u, "Service", "TimeoutSec", &svc->timeout_stop_us);
	timespan_key(ld, u, "Service", "TimeoutStartSec", &svc->timeout_start_us);
	timespan_key(ld, u, "Service", "TimeoutStopSec", &svc->timeout_stop_us);
	timespan_key(ld, u, "Service", "RestartSec", &svc->restart_us);
	timespan_key(ld, u, "Service", "WatchdogSec", &svc->watchdog_us);
	timespan_key(ld, u, "Unit", "StartLimitIntervalSec", &svc->start_limit_interval_us);
	timespan_key(ld, u, "Service", "StartLimitInterval", &svc->start_limit_interval_us);
	if ((e = unit_get(u, "Unit", "StartLimitBurst")) && *e->value) {
		unsigned long b;

		if (opt_ulong(e->value, 10, 0, 0x7fffffff, &b) < 0)
			bad(ld, e, NULL);
		else
			svc->start_limit_burst = (unsigned)b;
	}
	n = unit_get_all(u, "Service", "SuccessExitStatus", list, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		char buf[UNIT_LINE_MAX], *words[64];
		size_t nw;

		if (unit_split_words(list[i]->value, words, 64, &nw, buf, sizeof(buf)) < 0) {
			bad(ld, list[i], NULL);
			continue;
		}
		for (size_t w = 0; w < nw; w++) {
			unsigned long code;
			int sig;

			if (opt_ulong(words[w], 10, 0, 255, &code) == 0)
				svc->success.codes[code / 8] |= (unsigned char)(1u << (code % 8));
			else if ((sig = sup_signal_parse(words[w])) > 0 && sig < 64)
				svc->success.signals |= 1UL << sig;
			else
				bad(ld, list[i], "not an exit status or a signal");
		}
	}
	for (int d = 0; d < SD_DEP_COUNT; d++) {
		n = unit_get_all(u, "Unit", dep_keys[d], list, 64);
		for (size_t i = 0; i < n && i < 64; i++) {
			char buf[UNIT_LINE_MAX], *words[64];
			size_t nw;

			if (unit_split_words(list[i]->value, words, 64, &nw, buf, sizeof(buf)) <
			    0) {
				bad(ld, list[i], NULL);
				continue;
			}
			for (size_t w = 0; w < nw; w++) {
				svc->deps[d] = xrealloc(svc->deps[d],
							(svc->ndeps[d] + 1) * sizeof(char *));
				svc->deps[d][svc->ndeps[d]++] = xstrdup(words[w]);
			}
		}
	}
	if ((e = unit_get(u, "Unit", "Description")) && *e->value)
		str_copy(svc->description, sizeof(svc->description), e->value);
	if ((e = unit_get(u, "Service", "RuntimeDirectory")) && *e->value) {
		if (strchr(e->value, '/') || strchr(e->value, ' ') || e->value[0] == '.')
			bad(ld, e, "one directory name under /run");
		else
			svc->runtime_dir = xstrdup(e->value);
	}
	svc->runtime_mode = 0755;
	if ((e = unit_get(u, "Service", "RuntimeDirectoryMode")) && *e->value &&
	    !parse_mode(e->value, &svc->runtime_mode))
		bad(ld, e, NULL);
	n = unit_get_all(u, "Unit", "ConditionPathExists", list, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		const char *path = list[i]->value + (list[i]->value[0] == '!');

		if (path[0] != '/') {
			bad(ld, list[i], "not an absolute path");
			continue;
		}
		svc->conditions = xrealloc(svc->conditions,
					   (svc->nconditions + 1) * sizeof(char *));
		svc->conditions[svc->nconditions++] = xstrdup(list[i]->value);
	}
	add_cmds(ld, svc, u, "ExecStartPre", SD_PH_START_PRE);
	add_cmds(ld, svc, u, "ExecStart", SD_PH_START);
	add_cmds(ld, svc, u, "ExecStartPost", SD_PH_START_POST);
	add_cmds(ld, svc, u, "ExecReload", SD_PH_RELOAD);
	add_cmds(ld, svc, u, "ExecStop", SD_PH_STOP);
	add_cmds(ld, svc, u, "ExecStopPost", SD_PH_STOP_POST);
}

static void load_service(struct loader *ld, const char *dir, const char *name,
			 struct sd_service *svc)
{
	const struct unit_entry *e, *list[SD_MAX_ENV];
	struct unit_file u;
	char path[4096], from[4096];
	size_t n;

	svc->uid = svc->gid = -1;
	svc->ngroups = -1;
	svc->umask = 022;
	svc->nice = SUP_NICE_KEEP;
	svc->nofile = -1;
	if (name != svc->name)
		str_copy(svc->name, sizeof(svc->name), name);
	str_printf(path, sizeof(path), "%s/%s", dir, svc->name);
	svc->path = xstrdup(path);
	/* a socket's service is named after the socket that refers to it */
	str_copy(from, sizeof(from), ld->file ? ld->file : path);
	ld->file = svc->path;
	if (unit_load(&u, path, NULL, unit_diag, ld) < 0) {
		log_msg(LOG_ERR, "%s: Failed to load %s: %s", from, svc->name, strerror(errno));
		ld->errors++;
		return;
	}
	warn_unknown(&u, "Service", known_service);
	lifecycle(ld, svc, &u);
	{
		size_t nstart = 0;

		for (size_t i = 0; i < svc->ncmds; i++)
			if (svc->cmds[i].phase == SD_PH_START && nstart++ == 0) {
				svc->exec = xstrdup(svc->cmds[i].line);
				svc->ignore_failure = svc->cmds[i].ignore;
				svc->exec_argv0 = svc->cmds[i].argv0;
			}
		if (nstart == 0 && svc->type != SD_ONESHOT) {
			log_msg(LOG_ERR, "%s: Service has no ExecStart= setting. Refusing.", path);
			ld->errors++;
		} else if (nstart > 1 && svc->type != SD_ONESHOT) {
			log_msg(LOG_ERR,
				"%s: Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.",
				path);
			ld->errors++;
		}
	}
	if ((e = unit_get(&u, "Service", "User")) && *e->value &&
	    !lookup_user(e->value, &svc->uid, &svc->gid))
		bad(ld, e, "no such user");
	if ((e = unit_get(&u, "Service", "Group")) && *e->value &&
	    !lookup_group(e->value, &svc->gid))
		bad(ld, e, "no such group");
	n = unit_get_all(&u, "Service", "SupplementaryGroups", list, SD_MAX_ENV);
	if (n) {
		svc->ngroups = 0;
		for (size_t i = 0; i < n && i < SD_MAX_ENV; i++) {
			char buf[UNIT_LINE_MAX], *words[SD_MAX_GROUPS];
			size_t nw;

			if (unit_split_words(list[i]->value, words, SD_MAX_GROUPS, &nw, buf,
					     sizeof(buf)) < 0) {
				bad(ld, list[i], NULL);
				continue;
			}
			for (size_t w = 0; w < nw; w++) {
				long long g;

				if (!lookup_group(words[w], &g))
					bad(ld, list[i], "no such group");
				else if (svc->ngroups < SD_MAX_GROUPS)
					svc->groups[svc->ngroups++] = (gid_t)g;
			}
		}
	} else if (svc->uid >= 0) {
		/* a User= without SupplementaryGroups= gets that user's groups, as initgroups */
		struct passwd *pw = getpwuid((uid_t)svc->uid);
		int ng = SD_MAX_GROUPS;

		if (pw && getgrouplist(pw->pw_name, pw->pw_gid, svc->groups, &ng) >= 0)
			svc->ngroups = ng;
		else
			svc->ngroups = 0;
	}
	if ((e = unit_get(&u, "Service", "WorkingDirectory")) && *e->value) {
		const char *v = e->value[0] == '-' ? e->value + 1 : e->value;

		if (v[0] != '/' && strcmp(v, "~") != 0)
			bad(ld, e, "not an absolute path");
		else
			svc->cwd = xstrdup(v);
	}
	n = unit_get_all(&u, "Service", "Environment", list, SD_MAX_ENV);
	for (size_t i = 0; i < n && i < SD_MAX_ENV; i++) {
		char buf[UNIT_LINE_MAX], *words[SD_MAX_ENV];
		size_t nw;

		if (unit_split_words(list[i]->value, words, SD_MAX_ENV, &nw, buf, sizeof(buf)) <
		    0) {
			bad(ld, list[i], NULL);
			continue;
		}
		for (size_t w = 0; w < nw; w++)
			if (!strchr(words[w], '='))
				bad(ld, list[i], "not VAR=VALUE");
			else
				add_env(svc, words[w]);
	}
	n = unit_get_all(&u, "Service", "EnvironmentFile", list, SD_MAX_ENV);
	for (size_t i = 0; i < n && i < SD_MAX_ENV; i++)
		env_file(ld, svc, list[i]);
	if ((e = unit_get(&u, "Service", "UMask")) && *e->value &&
	    !parse_mode(e->value, &svc->umask))
		bad(ld, e, NULL);
	if ((e = unit_get(&u, "Service", "Nice")) && *e->value) {
		char *end;
		long v = strtol(e->value, &end, 10);

		if (*end || v < -20 || v > 19)
			bad(ld, e, "must be -20..19");
		else
			svc->nice = (int)v;
	}
	if ((e = unit_get(&u, "Service", "LimitNOFILE")) && *e->value) {
		unsigned long v;

		if (strcmp(e->value, "infinity") == 0)
			svc->nofile = 1048576;
		else if (!parse_uint(e->value, 1048576, &v))
			bad(ld, e, NULL);
		else
			svc->nofile = (long)v;
	}
	svc->in = svc->out = svc->err = SD_IO_DEFAULT;
	if ((e = unit_get(&u, "Service", "StandardInput")) && *e->value &&
	    !parse_io(e->value, &svc->in))
		bad(ld, e, NULL);
	if ((e = unit_get(&u, "Service", "StandardOutput")) && *e->value &&
	    !parse_io(e->value, &svc->out))
		bad(ld, e, NULL);
	if ((e = unit_get(&u, "Service", "StandardError")) && *e->value &&
	    !parse_io(e->value, &svc->err))
		bad(ld, e, NULL);
	unit_free(&u);
}

static void add_listener(struct loader *ld, struct sd_socket *s, const struct unit_entry *e,
			 int type, const char *kind)
{
	struct sd_listener *l;

	if (s->nl == SD_MAX_LISTEN) {
		bad(ld, e, "too many listeners");
		return;
	}
	s->l = xrealloc(s->l, (s->nl + 1) * sizeof(*s->l));
	l = &s->l[s->nl];
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (net_parse(e->value, ENABLE_IPV6, &l->addr) < 0) {
		bad(ld, e, "not an address (port, ADDR:PORT, [V6]:PORT, /path or @abstract)");
		return;
	}
	str_copy(l->text, sizeof(l->text), e->value);
	l->kind = kind;
	l->opts.type = type;
	s->nl++;
}

static struct sd_socket *load_socket(const char *dir, const char *name, struct loader *ld)
{
	struct sd_socket *s = xcalloc(1, sizeof(*s));
	const struct unit_entry *e, *list[SD_MAX_LISTEN * 4];
	struct net_listen_opts o = {.type = SOCK_STREAM,
				    .v6only = -1,
				    .mode = 0666,
				    .uid = -1,
				    .gid = -1,
				    .dir_mode = 0755};
	char prefix[UNIT_NAME_MAX];
	const char *suffix, *fdname;
	struct unit_file u;
	int errors_before = ld->errors;
	size_t n;

	str_copy(s->name, sizeof(s->name), name);
	{
		char path[4096];

		str_printf(path, sizeof(path), "%s/%s", dir, name);
		s->path = xstrdup(path);
	}
	ld->file = s->path;
	s->max_conn = 64;
	s->trigger_interval_us = 2000000;
	if (unit_load(&u, s->path, NULL, unit_diag, ld) < 0) {
		log_msg(LOG_ERR, "%s: %s", s->path, strerror(errno));
		ld->errors++;
		sd_free_socket(s);
		return NULL;
	}
	warn_unknown(&u, "Socket", known_socket);
	if ((e = unit_get(&u, "Unit", "Description")) && *e->value)
		str_copy(s->description, sizeof(s->description), e->value);
	if ((e = unit_get(&u, "Socket", "Accept")) && *e->value) {
		int b = unit_bool(e->value);

		if (b < 0)
			bad(ld, e, NULL);
		else
			s->accept = b;
	}
	s->trigger_burst = s->accept ? 200 : 20;
	n = unit_get_all(&u, "Socket", "ListenStream", list, SD_MAX_LISTEN * 4);
	for (size_t i = 0; i < n; i++)
		add_listener(ld, s, list[i], SOCK_STREAM, "Stream");
	n = unit_get_all(&u, "Socket", "ListenDatagram", list, SD_MAX_LISTEN * 4);
	for (size_t i = 0; i < n; i++)
		add_listener(ld, s, list[i], SOCK_DGRAM, "Datagram");
	n = unit_get_all(&u, "Socket", "ListenSequentialPacket", list, SD_MAX_LISTEN * 4);
	for (size_t i = 0; i < n; i++)
		add_listener(ld, s, list[i], SOCK_SEQPACKET, "SequentialPacket");
	if (s->nl == 0) {
		log_msg(LOG_ERR,
			"%s: Unit has no Listen setting (ListenStream=, ListenDatagram=, ...). Refusing.",
			s->path);
		ld->errors++;
	}
	if ((e = unit_get(&u, "Socket", "BindIPv6Only")) && *e->value) {
		if (strcmp(e->value, "both") == 0)
			o.v6only = 0;
		else if (strcmp(e->value, "ipv6-only") == 0)
			o.v6only = 1;
		else if (strcmp(e->value, "default") != 0)
			bad(ld, e, NULL);
	}
	if ((e = unit_get(&u, "Socket", "Backlog")) && *e->value) {
		unsigned long v;

		if (!parse_uint(e->value, 0x7fffffff, &v))
			bad(ld, e, NULL);
		else
			o.backlog = (int)v;
	}
#define BOOL_KEY(key, field)                                  \
	if ((e = unit_get(&u, "Socket", key)) && *e->value) { \
		int b_ = unit_bool(e->value);                 \
		if (b_ < 0)                                   \
			bad(ld, e, NULL);                     \
		else                                          \
			field = b_;                           \
	}
	BOOL_KEY("ReusePort", o.reuseport)
	BOOL_KEY("FreeBind", o.freebind)
	BOOL_KEY("KeepAlive", o.keepalive)
	BOOL_KEY("NoDelay", o.nodelay)
	BOOL_KEY("Transparent", o.transparent)
	BOOL_KEY("RemoveOnStop", s->remove_on_stop)
#undef BOOL_KEY
	if ((e = unit_get(&u, "Socket", "BindToDevice")) && *e->value)
		o.device = NULL; /* set per listener below (the string must outlive the unit) */
	if ((e = unit_get(&u, "Socket", "SocketMode")) && *e->value &&
	    !parse_mode(e->value, &o.mode))
		bad(ld, e, NULL);
	if ((e = unit_get(&u, "Socket", "DirectoryMode")) && *e->value &&
	    !parse_mode(e->value, &o.dir_mode))
		bad(ld, e, NULL);
	if ((e = unit_get(&u, "Socket", "SocketUser")) && *e->value &&
	    !lookup_user(e->value, &o.uid, NULL))
		bad(ld, e, "no such user");
	if ((e = unit_get(&u, "Socket", "SocketGroup")) && *e->value &&
	    !lookup_group(e->value, &o.gid))
		bad(ld, e, "no such group");
	uint_key(ld, &u, "MaxConnections", 1, 65536, &s->max_conn);
	uint_key(ld, &u, "MaxConnectionsPerSource", 0, 65536, &s->max_per_source);
	if ((e = unit_get(&u, "Socket", "TriggerLimitIntervalSec")) && *e->value) {
		long long us = unit_timespan_us(e->value);

		if (us < 0)
			bad(ld, e, NULL);
		else
			s->trigger_interval_us = us;
	}
	uint_key(ld, &u, "TriggerLimitBurst", 0, 0x7fffffff, &s->trigger_burst);
	fdname = name;
	if ((e = unit_get(&u, "Socket", "FileDescriptorName")) && *e->value) {
		if (strchr(e->value, ':') || strlen(e->value) > 255)
			bad(ld, e, "no ':' and at most 255 characters");
		else
			fdname = e->value;
	}
	s->fdname = xstrdup(fdname);
	for (size_t i = 0; i < s->nl; i++) {
		int type = s->l[i].opts.type;

		s->l[i].opts = o;
		s->l[i].opts.type = type;
		s->l[i].fdname = s->fdname;
	}
	if ((e = unit_get(&u, "Socket", "BindToDevice")) && *e->value) {
		static char devices[16][32]; /* a handful of units name a device */
		static size_t ndev;

		if (ndev < 16) {
			str_copy(devices[ndev], sizeof(devices[ndev]), e->value);
			for (size_t i = 0; i < s->nl; i++)
				s->l[i].opts.device = devices[ndev];
			ndev++;
		}
	}
	if (!unit_name_parse(name, prefix, sizeof(prefix), NULL, 0, &suffix))
		str_copy(prefix, sizeof(prefix), name);
	if ((e = unit_get(&u, "Socket", "Service")) && *e->value) {
		if (s->accept) {
			log_msg(LOG_ERR,
				"%s:%d: Explicit service configuration for accepting socket units not supported. Refusing.",
				s->path, e->line);
			ld->errors++;
		}
		str_copy(s->svc.name, sizeof(s->svc.name), e->value);
	} else {
		str_printf(s->svc.name, sizeof(s->svc.name), "%s%s.service", prefix,
			   s->accept ? "@" : "");
	}
	if ((e = unit_get(&u, "Socket", "TCPWrap")) && *e->value) {
		int b = unit_bool(e->value);

		if (b == 0) {
			s->tcpwrap = false;
		} else {
			s->tcpwrap = true;
			if (b < 0) /* a daemon name */
				str_copy(s->wrap_name, sizeof(s->wrap_name), e->value);
		}
		/* the rules are checked per accepted connection: elsewhere (Accept=no, a datagram
		 * listener) there is none, and a table silently not applied would be worse than
		 * a unit that does not start */
		for (size_t i = 0; s->tcpwrap && i < s->nl; i++)
			if (!s->accept || s->l[i].opts.type == SOCK_DGRAM) {
				log_msg(LOG_ERR,
					"%s:%d: TCPWrap= is supported with Accept=yes on stream sockets only. Refusing.",
					ld->file, e->line);
				ld->errors++;
				break;
			}
	}
	ld->errors += sd_tls_load(&u, s);
	unit_free(&u);
	load_service(ld, dir, s->svc.name, &s->svc);
	if (s->tcpwrap && !s->wrap_name[0] && s->svc.exec) {
		/* the service's program, as tcpd would name it from argv[0] */
		char buf[UNIT_LINE_MAX], *w[256];
		size_t nw = 0;

		/* every word must fit for the split to succeed: the program is the first */
		if (unit_split_words(s->svc.exec, w, 256, &nw, buf, sizeof(buf)) == 0 && nw > 0)
			str_copy(s->wrap_name, sizeof(s->wrap_name), str_basename(w[0]));
	}
	if (ld->errors != errors_before) {
		log_msg(LOG_ERR, "%s: unit not loaded", s->name);
		sd_free_socket(s);
		return NULL;
	}
	return s;
}

void sd_free_service(struct sd_service *svc)
{
	free(svc->exec);
	free(svc->argv_cached);
	free(svc->cwd);
	free(svc->path);
	free(svc->pidfile);
	free(svc->runtime_dir);
	for (size_t i = 0; i < svc->nconditions; i++)
		free(svc->conditions[i]);
	free(svc->conditions);
	for (size_t i = 0; i < svc->nenv; i++)
		free(svc->env[i]);
	free(svc->env);
	for (size_t i = 0; i < svc->ncmds; i++)
		free(svc->cmds[i].line);
	free(svc->cmds);
	for (int d = 0; d < SD_DEP_COUNT; d++) {
		for (size_t i = 0; i < svc->ndeps[d]; i++)
			free(svc->deps[d][i]);
		free(svc->deps[d]);
	}
	memset(svc, 0, sizeof(*svc));
}

void sd_load_service(const char *dir, const char *name, struct sd_service *svc, int *errors)
{
	struct loader ld = {NULL, 0};

	load_service(&ld, dir, name, svc);
	*errors = ld.errors;
}

void sd_free_socket(struct sd_socket *s)
{
	if (!s)
		return;
	sd_free_service(&s->svc);
	sd_tls_free(s->tls);
	free(s->path);
	free(s->fdname);
	free(s->l);
	sd_ring_free(&s->log);
	free(s);
}

bool sd_unit_enabled(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char path[4096];

		if (len <= 6 || strcmp(de->d_name + len - 6, ".wants") != 0)
			continue;
		str_printf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, name);
		found = access(path, F_OK) == 0 || (errno != ENOENT);
	}
	if (d)
		closedir(d);
	return found;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct sd_socket *const *)a)->name, (*(struct sd_socket *const *)b)->name);
}

struct sd_socket *sd_load_one(const char *dir, const char *name, int *errors)
{
	struct loader ld = {NULL, 0};
	struct sd_socket *s;

	if (!unit_name_valid(name)) { /* never a path: "../x.socket" */
		*errors = 1;
		errno = ENOENT;
		return NULL;
	}
	s = load_socket(dir, name, &ld);

	*errors = ld.errors;
	return s;
}

int sd_load_units(const char *dir, bool all, struct sd_socket ***out, size_t *n)
{
	struct loader ld = {NULL, 0};
	char wants[4096];
	DIR *d, *w;
	struct dirent *de;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!(d = opendir(dir))) {
		log_errno(LOG_ERR, "%s", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *names[256];
		size_t nn = 0;
		size_t len = strlen(de->d_name);

		if (all) {
			if (len > 7 && strcmp(de->d_name + len - 7, ".socket") == 0)
				names[nn++] = de->d_name;
		} else if (len > 6 && strcmp(de->d_name + len - 6, ".wants") == 0) {
			/* enablement: DIR/<target>.wants/<unit> (a symlink, as svcctl enable makes) */
			struct dirent *we;

			str_printf(wants, sizeof(wants), "%s/%s", dir, de->d_name);
			if (!(w = opendir(wants)))
				continue;
			while ((we = readdir(w)) != NULL) {
				size_t wl = strlen(we->d_name);
				bool dup = false;

				if (wl <= 7 || strcmp(we->d_name + wl - 7, ".socket") != 0)
					continue;
				for (size_t i = 0; i < *n; i++)
					if (strcmp((*out)[i]->name, we->d_name) == 0)
						dup = true;
				if (dup)
					continue;
				{
					struct sd_socket *s = load_socket(dir, we->d_name, &ld);

					if (s) {
						if (*n == cap) {
							cap = cap ? cap * 2 : 8;
							*out = xrealloc(*out, cap * sizeof(**out));
						}
						(*out)[(*n)++] = s;
					}
				}
			}
			closedir(w);
			continue;
		}
		for (size_t i = 0; i < nn; i++) {
			struct sd_socket *s = load_socket(dir, names[i], &ld);

			if (!s)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 8;
				*out = xrealloc(*out, cap * sizeof(**out));
			}
			(*out)[(*n)++] = s;
		}
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), by_name);
	return ld.errors;
}

static const char *io_name(enum sd_io io)
{
	switch (io) {
	case SD_IO_NULL:
		return "null";
	case SD_IO_SOCKET:
		return "socket";
	case SD_IO_INHERIT:
		return "inherit";
	case SD_IO_JOURNAL:
		return "journal";
	default:
		return "default";
	}
}

void sd_print_socket(const struct sd_socket *s)
{
	printf("%s (%s)\n", s->name, s->path);
	for (size_t i = 0; i < s->nl; i++)
		printf("  Listen%s=%s\n", s->l[i].kind, s->l[i].text);
	printf("  Accept=%s\n  MaxConnections=%u\n", s->accept ? "yes" : "no", s->max_conn);
	if (s->max_per_source)
		printf("  MaxConnectionsPerSource=%u\n", s->max_per_source);
	printf("  TriggerLimitIntervalSec=%lldms TriggerLimitBurst=%u\n",
	       s->trigger_interval_us / 1000, s->trigger_burst);
	if (s->tcpwrap)
		printf("  TCPWrap=%s\n", s->wrap_name);
	sd_tls_print(s);
	printf("  Service=%s (%s)\n    ExecStart=%s%s\n", s->svc.name, s->svc.path,
	       s->svc.ignore_failure ? "-" : "", s->svc.exec ? s->svc.exec : "");
	if (s->svc.uid >= 0 || s->svc.gid >= 0)
		printf("    User=%lld Group=%lld\n", s->svc.uid, s->svc.gid);
	for (size_t i = 0; i < s->svc.nenv; i++)
		printf("    Environment=%s\n", s->svc.env[i]);
	printf("    StandardInput=%s StandardOutput=%s StandardError=%s\n", io_name(s->svc.in),
	       io_name(s->svc.out), io_name(s->svc.err));
}
