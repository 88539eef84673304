/* tcpdchk: examine hosts.allow and hosts.deny for the mistakes that lock admins out or let
 * everyone in, with tcp_wrappers 7.6's messages ("warning: FILE, line N: ..."), -v to show
 * each rule as understood and its verdict, -a for rules that allow only implicitly. */
//applet:tcpdchk TCPDCHK
//usage:tcpdchk usage: tcpdchk [-a] [-d] [-i inet_conf] [-v]
//usage:tcpdchk 	-a: report rules with implicit "ALLOW" at end
//usage:tcpdchk 	-d: use allow/deny files in current directory
//usage:tcpdchk 	-i: location of inetd.conf file
//usage:tcpdchk 	-v: list all rules
//config:config TCPDCHK
//config:	bool "tcpdchk: check the TCP wrappers tables"
//config:	default y
//config:	help
//config:	  tcpdchk [-a] [-d] [-i inet_conf] [-v], as tcp_wrappers 7.6.
#include "common.h"
#include "applet.h"
#include "inetcf.h"
#include "rules.h"

#include <netdb.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEPS ", \t\r\n"

/* Daemons Debian's tcpdchk knows are built with libwrap, so it does not warn about them. */
static const char *const known_wrapped[] = {
	"portmap",	 "mountd",	   "statd",	     "ugidd",  "redir",		"rlinetd",
	"sshd",		 "atftpd",	   "diald",	     "esound", "gnome-session", "icecast",
	"icecast_admin", "icecast_client", "icecast_source", "mysqld", "ntop",		"pptpd",
	"rquotad",	 "sendmail",	   "smail",	     NULL};

static struct {
	bool verbose, allow_check;
	struct inetcf cf;
	const char *inet_path;
} g;

static void to_stdout(void *ctx, int prio, const char *text)
{
	(void)ctx;
	(void)prio;
	printf("%s\n", text);
}

static void banner_quiet(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	(void)text;
	(void)len;
}

static void trace_stdout(void *ctx, const char *text)
{
	(void)ctx;
	printf("%s\n", text);
}

static const struct rules_hooks hooks = {to_stdout, trace_stdout, banner_quiet};

static bool reserved_name(const char *pat)
{
	return strcasecmp(pat, RULES_UNKNOWN) == 0 || strcasecmp(pat, "KNOWN") == 0 ||
		strcasecmp(pat, RULES_PARANOID) == 0 || strcasecmp(pat, "ALL") == 0 ||
		strcasecmp(pat, "LOCAL") == 0;
}

static bool not_inaddr(const char *s)
{
	return s[strspn(s, "01234567890./")] != '\0';
}

/* Resolve a host and check each address maps back to a name; returns the address count. */
static int check_dns(struct rules_request *rq, const char *host)
{
	struct addrinfo *res, *ai;
	struct rules_request probe;
	int count = 0;
	unsigned int a4;

	if (rules_dot_quad(host, &a4) == 0) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = a4;
		rules_request_init(&probe, "", rq->hooks, rq->ctx);
		probe.file = rq->file;
		probe.line = rq->line;
		rules_host_set_sockaddr(&probe.client, (struct sockaddr *)&sin, sizeof(sin));
		if (strcasecmp(rules_host_name(&probe.client), RULES_UNKNOWN) == 0)
			rules_warn(rq, "host address %s->name lookup failed",
				   rules_host_addr(&probe.client));
		return 1;
	}
	if (!(res = rules_find_host(rq, host)))
		return 0;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET)
			continue; /* as the IPv4 tcpdchk: gethostbyname's answers only */
		count++;
		rules_request_init(&probe, "", rq->hooks, rq->ctx);
		probe.file = rq->file;
		probe.line = rq->line;
		rules_host_set_sockaddr(&probe.client, ai->ai_addr, ai->ai_addrlen);
		if (strcasecmp(rules_host_name(&probe.client), RULES_UNKNOWN) == 0)
			rules_warn(rq, "host address %s->name lookup failed",
				   rules_host_addr(&probe.client));
	}
	freeaddrinfo(res);
	return count;
}

static bool netgroup_exists(const char *group)
{
	FILE *fp = fopen("/etc/netgroup", "re");
	char line[RULES_LINE_MAX];
	bool found = false;

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		char *p = line + strspn(line, " \t");
		size_t n = strcspn(p, " \t\r\n");

		found = *p != '#' && n == strlen(group) && strncmp(p, group, n) == 0 &&
			p[n + strspn(p + n, " \t\r\n")] != '\0';
	}
	fclose(fp);
	return found;
}

static bool valid_mask(const char *net, const char *mask)
{
	unsigned int a;
	unsigned char a6[16];
	char inner[RULES_STRING_MAX];
	size_t len = strlen(net);
	char *end;
	long bits;

	if (net[0] == '[') {
		if (len < 2 || net[len - 1] != ']' || len - 2 >= sizeof(inner))
			return false;
		memcpy(inner, net + 1, len - 2);
		inner[len - 2] = '\0';
		bits = strtol(mask, &end, 10);
		return rules_inet6(inner, a6) == 0 && end != mask && bits >= 0 && bits <= 128;
	}
	if (rules_dot_quad(net, &a) < 0)
		return false;
	if (rules_dot_quad(mask, &a) == 0)
		return true;
	bits = strtol(mask, &end, 10);
	return end != mask && bits >= 1 && bits <= 32;
}

static int check_host(struct rules_request *rq, char *pat);

static void check_hostfile(struct rules_request *rq, const char *path)
{
	char buf[RULES_EXPAND_MAX], *save, *cp;
	const char *saved_file = rq->file;
	int saved_line = rq->line;
	FILE *fp = fopen(path, "re");

	if (!fp) {
		if (errno != ENOENT)
			rules_warn(rq, "open %s: %s", path, strerror(errno));
		return;
	}
	rq->file = path;
	rq->line = 0;
	while (fgets(buf, sizeof(buf), fp)) {
		rq->line++;
		for (cp = strtok_r(buf, " \t\r\n", &save); cp;
		     cp = strtok_r(NULL, " \t\r\n", &save))
			check_host(rq, cp);
	}
	fclose(fp);
	rq->file = saved_file;
	rq->line = saved_line;
}

static int check_host(struct rules_request *rq, char *pat)
{
	char *mask;
	size_t len = strlen(pat);

	if (pat[0] == '@') {
		if (!netgroup_exists(pat + 1))
			rules_warn(rq, "%s: unknown or empty netgroup", pat + 1);
	} else if (pat[0] == '/') {
		check_hostfile(rq, pat);
	} else if ((mask = rules_split_at(pat, '/')) != NULL) {
		if (!valid_mask(pat, mask))
			rules_warn(rq, "%s/%s: bad net/mask pattern", pat, mask);
	} else if (strcasecmp(pat, "FAIL") == 0) {
		rules_warn(rq, "FAIL is no longer recognized");
		rules_warn(rq, "(use EXCEPT or DENY instead)");
	} else if (reserved_name(pat)) {
		/* fine */
	} else if (not_inaddr(pat)) {
		if (pat[0] == '[') {
			/* [v6]: a literal, nothing to resolve */
		} else if (len && pat[len - 1] == '.')
			rules_warn(rq, "%s: domain or host name ends in dot", pat);
		else if (pat[0] != '.')
			return check_dns(rq, pat);
	} else {
		if (strcmp(pat, "0.0.0.0") == 0 || strcmp(pat, "255.255.255.255") == 0) {
			/* fine */
		} else if (pat[0] == '.') {
			rules_warn(rq, "%s: network number begins with dot", pat);
		} else if (len && pat[len - 1] != '.') {
			check_dns(rq, pat);
		}
	}
	return 1;
}

/* The same checks for a daemon or a user name; what is the word for it in messages. */
static void check_name(struct rules_request *rq, const char *pat, const char *what, bool daemon)
{
	size_t len = strlen(pat);

	if (pat[0] == '@')
		rules_warn(rq, "%s: %s name begins with \"@\"", pat, what);
	else if (pat[0] == '/')
		rules_warn(rq, "%s: %s name begins with \"/\"", pat, what);
	else if (pat[0] == '.')
		rules_warn(rq, "%s: %s name begins with dot", pat, what);
	else if (len && pat[len - 1] == '.')
		rules_warn(rq, "%s: %s name ends in dot", pat, what);
	else if (strcasecmp(pat, "ALL") == 0 || strcasecmp(pat, RULES_UNKNOWN) == 0 ||
		 (!daemon && strcasecmp(pat, "KNOWN") == 0))
		; /* fine */
	else if (strcasecmp(pat, "FAIL") == 0) {
		rules_warn(rq, "FAIL is no longer recognized");
		rules_warn(rq, "(use EXCEPT or DENY instead)");
	} else if (reserved_name(pat))
		rules_warn(rq, "%s: %s name may be reserved word", pat, what);
	else if (daemon) {
		switch (inetcf_get(&g.cf, pat)) {
		case INETCF_UNKNOWN:
			rules_warn(rq, "%s: no such process name in %s", pat,
				   g.inet_path ? g.inet_path : "(null)");
			inetcf_set(&g.cf, pat, INETCF_YES); /* once is enough */
			break;
		case INETCF_NOT:
			rules_warn(rq, "%s: service possibly not wrapped", pat);
			inetcf_set(&g.cf, pat, INETCF_YES);
			break;
		default:
			break;
		}
	}
}

/* Re-join a list's tokens with single blanks, for -v. */
static void print_list(const char *label, const char *list)
{
	char copy[RULES_LINE_MAX], *cur = copy, *tok;
	bool first = true;

	str_copy(copy, sizeof(copy), list);
	printf("%s", label);
	while ((tok = str_token(&cur, SEPS)) != NULL) {
		printf("%s%s", first ? "" : " ", tok);
		first = false;
	}
	printf("\n");
}

static void check_daemon_list(struct rules_request *rq, char *list)
{
	char *cur = list, *tok, *host;
	int daemons = 0;

	if (g.verbose)
		print_list("daemons:  ", list);
	while ((tok = str_token(&cur, SEPS)) != NULL) {
		if (strcasecmp(tok, "EXCEPT") == 0) {
			daemons = 0;
			continue;
		}
		daemons++;
		if (tok[0] && (host = rules_split_at(tok + 1, '@')) != NULL &&
		    check_host(rq, host) > 1) {
			rules_warn(rq, "host %s has more than one address", host);
			rules_warn(rq, "(consider using an address instead)");
		}
		check_name(rq, tok, "daemon", true);
	}
	if (daemons == 0)
		rules_warn(rq, "daemon list is empty or ends in EXCEPT");
}

static void check_client_list(struct rules_request *rq, char *list)
{
	char *cur = list, *tok, *host;
	int clients = 0;

	if (g.verbose)
		print_list("clients:  ", list);
	while ((tok = str_token(&cur, SEPS)) != NULL) {
		if (strcasecmp(tok, "EXCEPT") == 0) {
			clients = 0;
			continue;
		}
		clients++;
		if (tok[0] && (host = rules_split_at(tok + 1, '@')) != NULL) {
			check_name(rq, tok, "user", false);
			check_host(rq, host);
		} else {
			check_host(rq, tok);
		}
	}
	if (clients == 0)
		rules_warn(rq, "client list is empty or ends in EXCEPT");
}

static void check_table(const char *path, bool allow_table)
{
	struct rules_request rq;
	char line[RULES_LINE_MAX];
	struct stat st;
	struct rules_file f;
	int len;

	/* options are expanded against placeholders, as tcp_wrappers' tcpdchk does */
	rules_request_init(&rq, "daemon_name", &hooks, NULL);
	rules_set_user(&rq, "user_name");
	rules_host_set_addr_text(&rq.client, "client_addr");
	rules_host_set_name(&rq.client, "client_hostname");
	rules_host_set_addr_text(&rq.server, "server_addr");
	rules_host_set_name(&rq.server, "server_hostname");
	rq.dry_run = true;
	rq.verbose = g.verbose;
	if (rules_file_open(&f, path, &st) < 0) {
		if (errno != ENOENT)
			rules_warn(&rq, "cannot open %s: %s", path, strerror(errno));
		return;
	}
	if (st.st_mode & S_IWOTH)
		rules_warn(&rq, "%s: world writable", path);
	rq.file = path;
	while ((len = rules_file_line(&f, line, sizeof(line))) >= 0) {
		rq.line = f.line;
		char *cl, *opts;
		bool granted = allow_table;

		if (len == 0 || line[len - 1] != '\n') {
			rules_warn(&rq, "missing newline or line too long");
			continue;
		}
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if ((cl = rules_split_at(line, ':')) == NULL) {
			rules_warn(&rq, "missing \":\" separator");
			continue;
		}
		opts = rules_split_at(cl, ':');
		if (g.verbose)
			printf("\n>>> Rule %s line %d:\n", path, rq.line);
		check_daemon_list(&rq, line);
		check_client_list(&rq, cl);
		if (opts) {
			switch (rules_options_run(&rq, opts)) {
			case RULES_OPT_ALLOW:
				granted = true;
				break;
			case RULES_OPT_DENY:
			case RULES_OPT_FATAL:
				granted = false;
				break;
			default:
				if (allow_table && g.allow_check && !rq.delegated)
					rules_warn(&rq, "implicit \"allow\" at end of rule");
				break;
			}
			rq.delegated = false;
		} else if (allow_table && g.allow_check) {
			rules_warn(&rq, "implicit \"allow\" at end of rule");
		}
		if (g.verbose)
			printf("access:   %s\n", granted ? "granted" : "denied");
	}
	rules_file_close(&f);
}

static _Noreturn void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-a] [-d] [-i inet_conf] [-v]\n"
		"\t-a: report rules with implicit \"ALLOW\" at end\n"
		"\t-d: use allow/deny files in current directory\n"
		"\t-i: location of inetd.conf file\n"
		"\t-v: list all rules\n",
		argv0);
	exit(1);
}

int tcpdchk_main(int argc, char **argv)
{
	const char *allow = paths_get(PATHS_HOSTS_ALLOW), *deny = paths_get(PATHS_HOSTS_DENY);
	const char *conf = NULL, *dir = paths_get(PATHS_REAL_DAEMON_DIR);
	struct rules_request rq;
	struct stat st;
	int c;

	opt_reset();
	while ((c = opt_getopt(argc, argv, "adi:v")) != -1) {
		switch (c) {
		case 'a':
			g.allow_check = true;
			break;
		case 'd':
			allow = "hosts.allow";
			deny = "hosts.deny";
			break;
		case 'i':
			conf = opt_arg;
			break;
		case 'v':
			g.verbose = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc != opt_ind)
		usage(argv[0]);
	rules_request_init(&rq, "", &hooks, NULL);
	if (stat(dir, &st) < 0)
		rules_warn(&rq, "REAL_DAEMON_DIR %s: %s", dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rules_warn(&rq, "REAL_DAEMON_DIR %s is not a directory", dir);
	if (inetcf_read(&g.cf, conf, dir, &rq) < 0) {
		fprintf(stderr, "open %s: %s\n", conf, strerror(errno));
		return 1;
	}
	g.inet_path = g.cf.path;
	for (const char *const *k = known_wrapped; *k; k++)
		inetcf_set(&g.cf, *k, INETCF_YES);
	if (g.verbose)
		printf("Using network configuration file: %s\n",
		       g.inet_path ? g.inet_path : "(null)");
	check_table(allow, true);
	check_table(deny, false);
	inetcf_free(&g.cf);
	fflush(stdout);
	return 0;
}
