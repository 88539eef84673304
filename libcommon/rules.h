/* hosts_access(5): the tcp_wrappers 7.6 (Debian 7.6.q) rule language, decided exactly as
 * libwrap decides it (../shared/spec/tcp-wrappers.md). Two ways in, one answer:
 *   rules_access()        re-reads both tables per call, as tcpd does;
 *   rules_cache_*()       (rules_cache.h) a compiled, indexed form for socketd.
 * Nothing here prints: diagnostics go to the request's hooks, which the applet renders
 * (tcpd: syslog; tcpdmatch/tcpdchk: stdout). */
#ifndef GATEBOX_RULES_H
#define GATEBOX_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#define RULES_UNKNOWN "unknown"
#define RULES_PARANOID "paranoid"
#define RULES_LINE_MAX 2048 /* a logical line: at most 2046 bytes and its newline */
#define RULES_STRING_MAX 128 /* names, addresses, users (tcp_wrappers' STRING_LENGTH) */
#define RULES_EXPAND_MAX 8192 /* %-expansion result (BUFSIZ) */

/* table_match outcomes */
enum { RULES_NO = 0, RULES_YES = 1, RULES_ERR = -1 };

struct rules_request;

struct rules_host {
	char addr[RULES_STRING_MAX]; /* numeric text, "" until known, "unknown" if none */
	char name[RULES_STRING_MAX]; /* "" until looked up; a name, "unknown" or "paranoid" */
	struct sockaddr_storage sa; /* the endpoint, when salen != 0 */
	socklen_t salen;
	struct rules_request *rq; /* for diagnostics from lazy lookups */
	int v4_state; /* rules_host_v4: 0 not yet parsed, 1 valid, -1 not IPv4 */
	unsigned int v4;
};

struct rules_hooks {
	/* A warning or error, fully formatted ("warning: FILE, line N: ..."); prio is syslog's. */
	void (*diag)(void *ctx, int prio, const char *text);
	/* Verbose trace lines: "matched:  FILE line N", "option:   KEY VALUE" (tcpdmatch). */
	void (*trace)(void *ctx, const char *text);
	/* Banner bytes in a dry run (tcpdmatch shows them); otherwise they go to fd. */
	void (*banner)(void *ctx, const char *text, size_t len);
};

struct rules_request {
	char daemon[RULES_STRING_MAX]; /* process name, sanitised as tcp_wrappers stores it */
	char user[RULES_STRING_MAX]; /* "" until looked up (rfc931), then a name or "unknown" */
	struct rules_host client, server;
	int fd; /* the connection for keepalive, linger, banners, twist, ident; -1 if none */
	bool udp; /* ident lookups are TCP only */
	bool dry_run; /* tcpdmatch/tcpdchk: spawn, twist, aclexec and user changes don't happen */
	bool delegated; /* a twist ran (in a dry run: would have) */
	/* decide_only (socketd's loop, a dry run): commands and ident lookups cannot run, so a
	 * rule whose verdict needs one (aclexec, twist, a user@ pattern whose host matched)
	 * sets undecided, and the caller refuses: never a grant tcpd would not give */
	bool decide_only, undecided;
	/* no_lookups (socketd's loop, which must never wait on DNS): a rule that needs a host
	 * name sets needs_lookup instead of asking the resolver, and the decision stops short
	 * of its options; the caller has the names looked up where it may wait, sets them
	 * (rules_host_set_name) and decides again */
	bool no_lookups, needs_lookup;
	unsigned rfc931_timeout; /* seconds (Debian: 10) */
	int allow_severity, deny_severity;
	bool verbose; /* report matched/option trace lines */
	const char *file; /* message context: the table being read, and its line */
	int line;
	const struct rules_hooks *hooks;
	void *ctx;
};

/* The outcome of one decision. */
struct rules_result {
	bool granted;
	const char *file; /* the table whose rule decided (NULL: no rule matched) */
	int line;
	bool fatal; /* an expansion overflowed: tcpd sleeps 5 s and exits 0 */
};

/* Start a request: unknown everything, daemon name as given (sanitised). */
void rules_request_init(struct rules_request *rq, const char *daemon,
			const struct rules_hooks *hooks, void *ctx);
void rules_set_user(struct rules_request *rq, const char *user);
/* Endpoints. From a socket address (the name is looked up lazily when a rule needs it), or
 * from text as tcpdmatch does (address verbatim, no socket address: the name is unknown). */
void rules_host_set_sockaddr(struct rules_host *h, const struct sockaddr *sa, socklen_t len);
void rules_host_set_addr_text(struct rules_host *h, const char *addr);
void rules_host_set_name(struct rules_host *h, const char *name);
/* Read both endpoints of fd (tcpd's fd 0): getpeername/getsockname, MSG_PEEK for UDP. */
int rules_request_from_fd(struct rules_request *rq, int fd);

/* Evaluation, lazily, as eval.c does: each returns a string that lives in the request. */
const char *rules_host_addr(struct rules_host *h);
const char *rules_host_name(struct rules_host *h); /* may look the name up */
const char *rules_host_info(struct rules_host *h); /* name if known, else address */
const char *rules_user(struct rules_request *rq); /* may do the ident lookup */
const char *rules_client(struct rules_request *rq); /* %c */
const char *rules_server(struct rules_request *rq); /* %s */
unsigned rules_host_port(const struct rules_host *h);
/* The address as net/mask patterns see it (a dotted quad, v4-mapped unwrapped), parsed
 * once per request: 0 and *addr (network order), or -1. */
int rules_host_v4(struct rules_host *h, unsigned int *addr);

/* The decision: allow table, then deny table, with options run for the matching rule. */
void rules_access(struct rules_request *rq, const char *allow_path, const char *deny_path,
		  struct rules_result *res);

/* The decision procedure over any source of tables: scan(src, rq, 0 = allow / 1 = deny, buf,
 * size, &opts, &line) answers like rules_table_scan (opts, if any, inside buf). */
typedef int rules_scan_fn(void *src, struct rules_request *rq, int which, char *buf, size_t size,
			  char **opts, int *line);
void rules_decide(struct rules_request *rq, rules_scan_fn *scan, void *src, const char *allow_name,
		  const char *deny_name, struct rules_result *res);

/* One table: RULES_YES (a rule matched; *opts points at its option text inside line, or
 * NULL), RULES_NO, or RULES_ERR (unreadable table or a broken line reached). */
int rules_table_scan(struct rules_request *rq, const char *path, char *line, size_t size,
		     char **opts);

/* Matching primitives (also used by tcpdchk and the cache). Tokens may be modified and
 * restored. A list is matched as split into n tokens (rules_list_split, rules_parse_line),
 * EXCEPT nesting to the right as libwrap's list_match does. */
int rules_list_match_tokens(char **tok, size_t n, struct rules_request *rq,
			    int (*match)(char *tok, struct rules_request *rq));
/* A rule cut in one pass, exactly as splitting at the two ':' (rules_split_at) and then
 * tokenising each list would cut it. */
#define RULES_TOKENS_MAX (RULES_LINE_MAX / 2)
struct rules_line {
	char *daemons[RULES_TOKENS_MAX], *clients[RULES_TOKENS_MAX];
	size_t ndaemons, nclients;
	char *opts; /* NULL: no options field */
};
/* -1 when the line has no ':' separator (the line is then left as it was). */
int rules_parse_line(char *line, struct rules_line *out);
/* Split a list into tokens in place (at most max); returns the count. */
size_t rules_list_split(char *list, char **tok, size_t max);
int rules_server_match(char *tok, struct rules_request *rq);
int rules_client_match(char *tok, struct rules_request *rq);
int rules_host_match(char *tok, struct rules_host *h);
int rules_string_match(const char *tok, const char *string);
int rules_masked_match(char *net, char *mask, const char *string);
/* Split string at the first delim outside [...]; returns the rest, or NULL (no split). */
char *rules_split_at(char *string, int delim);

/* Options (hosts_options(5)): outcomes of running an option text. */
enum rules_opt_result {
	RULES_OPT_DONE, /* all options ran; the table's default verdict stands */
	RULES_OPT_ALLOW, /* allow */
	RULES_OPT_DENY, /* deny, or an error in an option (denies, as tcpd_jump does) */
	RULES_OPT_NOMATCH, /* aclexec said no: the rule counts as not matched */
	RULES_OPT_FATAL, /* an expansion overflowed */
};
enum rules_opt_result rules_options_run(struct rules_request *rq, char *options);
/* /bin/sh -c CMD with stdio on /dev/null; its wait status, or -1. */
int rules_shell_cmd(struct rules_request *rq, const char *cmd);

/* %-expansion with tcp_wrappers' sanitiser: -1 (E2BIG) when out would overflow. */
int rules_expand(struct rules_request *rq, const char *in, char *out, size_t size);
/* Replace every byte outside tcp_wrappers' safe set by '_', in place. */
void rules_sanitize(char *s);

/* Diagnostics in the current file/line context ("warning: FILE, line N: ..."). */
void rules_warn(struct rules_request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rules_error(struct rules_request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rules_trace(struct rules_request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resolve a host name or address for tcpdmatch/tcpdchk (getaddrinfo, canonical name):
 * warns "NAME: host not found" (NULL) or about an alias; free with freeaddrinfo. */
struct addrinfo *rules_find_host(struct rules_request *rq, const char *host);
/* A table file, read through a window, and its logical lines as libwrap's xgets() returns them:
 * continuations joined, line count in .line; a line lacks its final newline when it was
 * too long, last, or hit a NUL at its end. open: 0, or -1 with errno (st: its stat). */
struct rules_file {
	int fd;
	char *data; /* a window on the file, NUL-terminated at size */
	size_t cap, size, pos;
	bool eof;
	int line;
	size_t held_at; /* rules_file_next: the byte lent as a terminator (0: none) */
	char held;
};
struct stat;
int rules_file_open(struct rules_file *f, const char *path, struct stat *st);
int rules_file_line(struct rules_file *f, char *buf, size_t size); /* length, or -1 at end */
/* The same, but the line may be handed out in place (*out points into the file's buffer,
 * writable, valid until the next call); otherwise it is assembled in buf. */
int rules_file_next(struct rules_file *f, char *buf, size_t size, char **out);
void rules_file_close(struct rules_file *f);
/* Only space, tab, CR and LF (a blank line of a table). */
bool rules_blank(const char *s);

/* Addresses as libwrap reads them. */
/* inet_addr(3) as glibc implements it (octal, hex, short forms); -1 for invalid and for
 * 255.255.255.255, as libwrap sees it. Result in network order. */
int rules_inet_addr(const char *s, unsigned int *addr);
/* dot_quad_addr: exactly four dot-separated runs, then rules_inet_addr. */
int rules_dot_quad(const char *s, unsigned int *addr);
/* A numeric IPv6 address (scope allowed when the interface exists). */
int rules_inet6(const char *s, unsigned char out[16]);
/* The ident (RFC 931/1413) lookup for a TCP connection: user name or "unknown". */
void rules_rfc931(const struct sockaddr *peer, const struct sockaddr *local, socklen_t len,
		  unsigned timeout, char *user, size_t size);

#endif
