/* Reading hosts.allow/hosts.deny as libwrap does, and the decision built on it: first match
 * in the allow table grants, else first match in the deny table denies, else grant; a
 * broken or unreadable deny table denies; options of the matching rule have the last word. */
#include "common.h"
#include "rules.h"

#include <stdarg.h>

static void diag(struct rules_request *rq, const char *kind, const char *fmt, va_list ap)
{
	char msg[RULES_LINE_MAX + 256], text[sizeof(msg) + RULES_STRING_MAX + 64];

	if (!rq->hooks || !rq->hooks->diag)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (rq->file)
		snprintf(text, sizeof(text), "%s: %s, line %d: %s", kind, rq->file, rq->line, msg);
	else
		snprintf(text, sizeof(text), "%s: %s", kind, msg);
	rq->hooks->diag(rq->ctx, LOG_ERR, text);
}

void rules_warn(struct rules_request *rq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag(rq, "warning", fmt, ap);
	va_end(ap);
}

void rules_error(struct rules_request *rq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag(rq, "error", fmt, ap);
	va_end(ap);
}

void rules_trace(struct rules_request *rq, const char *fmt, ...)
{
	char text[RULES_EXPAND_MAX + 64];
	va_list ap;

	if (!rq->verbose || !rq->hooks || !rq->hooks->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rq->hooks->trace(rq->ctx, text);
}

bool rules_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

int rules_table_scan(struct rules_request *rq, const char *path, char *buf, size_t size,
		     char **opts)
{
	char *line;
	struct rules_file f;
	struct rules_line rule;
	int len, result = RULES_NO;

	*opts = NULL;
	rq->file = NULL;
	rq->line = 0;
	if (rules_file_open(&f, path, NULL) < 0) {
		if (errno == ENOENT)
			return RULES_NO;
		rules_warn(rq, "cannot open %s: %s", path, strerror(errno));
		return RULES_ERR;
	}
	rq->file = path;
	while ((len = rules_file_next(&f, buf, size, &line)) >= 0) {
		rq->line = f.line;
		if (len == 0 || line[len - 1] != '\n') {
			rules_warn(rq, "missing newline or line too long");
			rules_warn(rq, "all the subsequent rules will be ignored");
			result = RULES_ERR;
			break;
		}
		if (line[0] == '#' || rules_blank(line))
			continue;
		if (rules_parse_line(line, &rule) < 0) {
			rules_warn(rq, "missing \":\" separator");
			continue;
		}
		*opts = rule.opts;
		if (rules_list_match_tokens(rule.daemons, rule.ndaemons, rq, rules_server_match) &&
		    rules_list_match_tokens(rule.clients, rule.nclients, rq, rules_client_match)) {
			result = RULES_YES;
			if (*opts &&
			    *opts != buf) { /* the line lives in the file's buffer: keep them */
				memmove(buf, *opts, strlen(*opts) + 1);
				*opts = buf;
			}
			break;
		}
		*opts = NULL;
	}
	rules_file_close(&f);
	return result;
}

/* The matched rule's options decide within its table; returns the table's final answer. */
static int decide(struct rules_request *rq, const char *path, int line, char *opts,
		  bool allow_table, struct rules_result *res)
{
	rules_trace(rq, "matched:  %s line %d", path, line);
	res->file = path;
	res->line = line;
	res->granted = allow_table;
	if (!opts || rq->needs_lookup) /* a match on a name not looked up decides nothing */
		return RULES_YES;
	if (!ENABLE_RULES_OPTIONS) {
		/* the original language: the third field is a shell command, run after a match */
		char cmd[RULES_EXPAND_MAX];

		if (rules_expand(rq, opts, cmd, sizeof(cmd)) < 0) {
			res->granted = false;
			res->fatal = true;
			return RULES_YES;
		}
		if (rq->dry_run)
			rules_trace(rq, "command: %s", str_trim(cmd));
		else
			rules_shell_cmd(rq, cmd);
		return RULES_YES;
	}
	switch (rules_options_run(rq, opts)) {
	case RULES_OPT_ALLOW:
		res->granted = true;
		break;
	case RULES_OPT_DENY:
		res->granted = false;
		break;
	case RULES_OPT_FATAL:
		res->granted = false;
		res->fatal = true;
		break;
	case RULES_OPT_NOMATCH:
		res->file = NULL;
		res->line = 0;
		res->granted = true;
		return RULES_NO;
	case RULES_OPT_DONE:
		break;
	}
	return RULES_YES;
}

void rules_decide(struct rules_request *rq, rules_scan_fn *scan, void *src, const char *allow_name,
		  const char *deny_name, struct rules_result *res)
{
	char line[RULES_LINE_MAX];
	char *opts;
	int r, lineno;

	memset(res, 0, sizeof(*res));
	res->granted = true;
	r = scan(src, rq, 0, line, sizeof(line), &opts, &lineno);
	/* a match in the allow table ends it, unless aclexec said no */
	if (r == RULES_YES && decide(rq, allow_name, lineno, opts, true, res) == RULES_YES)
		return;
	r = scan(src, rq, 1, line, sizeof(line), &opts, &lineno);
	if (r == RULES_YES) {
		if (decide(rq, deny_name, lineno, opts, false, res) != RULES_YES)
			res->granted = true;
		return;
	}
	/* no rule: granted; an unreadable or broken deny table: denied */
	res->granted = (r == RULES_NO);
}

struct file_tables {
	const char *path[2];
};

static int scan_files(void *src, struct rules_request *rq, int which, char *line, size_t size,
		      char **opts, int *lineno)
{
	int r = rules_table_scan(rq, ((struct file_tables *)src)->path[which], line, size, opts);

	*lineno = rq->line;
	return r;
}

void rules_access(struct rules_request *rq, const char *allow_path, const char *deny_path,
		  struct rules_result *res)
{
	struct file_tables t = {{allow_path, deny_path}};

	rules_decide(rq, scan_files, &t, allow_path, deny_path, res);
}
