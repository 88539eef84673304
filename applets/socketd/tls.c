/* TLS termination for Accept=yes sockets (gatebox's [Socket] TLS*= keys): the credentials
 * are loaded with the unit (socketd is still root, the key may be root-only), and each
 * connection gets its own process, a fork of socketd, which does the handshake under a
 * deadline, starts the service on a plaintext socketpair (fd 0/1, as for a plain Accept=yes)
 * and relays between the two until the conversation ends. socketd's loop only forks, so a
 * slow or hostile client stalls nothing but its own process.
 *
 * Why fork and not vfork+exec of a helper: the child inherits the parsed certificates and
 * key (no file is read or parsed per connection, and no root-only file has to be reopened),
 * the fork of a daemon of a few hundred kB costs far less than the handshake itself, and it
 * works under qemu-user where the binary cannot exec itself. The child drops what it must
 * not keep: the other units' keys and every fd of socketd but the connection and the log. */
#include "socketd.h"
#include "suites.h"
#include "tls.h"

#include <dirent.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXPIRY_WARN_S (30LL * 24 * 3600) /* warn this long before the certificate expires */

struct sd_tls {
	struct tls_server *srv;
	char *cert, *key, *ca;
	int min_version, timeout_ms;
	uint16_t ciphers[SUITES_MAX], groups[SUITES_MAX];
	bool have_ciphers, have_groups;
	char subject[256];
	long long not_after; /* seconds since the epoch */
	long long warned_at; /* CLOCK_REALTIME seconds of the last expiry warning */
};

static const char *const tls_keys[] = {"TLSCertificate",	"TLSKey",     "TLSClientCA",
				       "TLSMinVersion",		"TLSCiphers", "TLSGroups",
				       "TLSHandshakeTimeoutSec"};

static long long now_s(void)
{
	return (long long)time(NULL);
}

/* the expiry warning: at load, then at most once a day while connections come */
static void check_expiry(const struct sd_socket *s, struct sd_tls *t)
{
	long long now = now_s(), left = t->not_after - now;
	char when[32];
	time_t na = (time_t)t->not_after;
	struct tm tm;

	if (left > EXPIRY_WARN_S || (t->warned_at && now - t->warned_at < 24 * 3600))
		return;
	t->warned_at = now;
	gmtime_r(&na, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (left <= 0)
		log_msg(LOG_WARNING, "%s: TLS certificate %s (%s) expired on %s", s->name, t->cert,
			t->subject, when);
	else
		log_msg(LOG_WARNING, "%s: TLS certificate %s (%s) expires on %s, in %lld days",
			s->name, t->cert, t->subject, when, left / 86400);
}

static const struct unit_entry *key(const struct unit_file *u, const char *name)
{
	const struct unit_entry *e = unit_get(u, "Socket", name);

	return e && *e->value ? e : NULL;
}

static bool path_key(const struct unit_file *u, const char *name, char **out, int *errors)
{
	const struct unit_entry *e = key(u, name);

	if (!e)
		return true;
	if (e->value[0] != '/') {
		log_msg(LOG_ERR, "%s:%d: %s= must be an absolute path: '%s'", u->path, e->line,
			name, e->value);
		++*errors;
		return false;
	}
	*out = xstrdup(e->value);
	return true;
}

static void list_key(const struct unit_file *u, const char *name, bool ciphers, uint16_t *ids,
		     bool *have, int *errors)
{
	const struct unit_entry *e = key(u, name);
	char bad[64];
	int n;

	if (!e)
		return;
	n = ciphers ? suites_parse_ciphers(e->value, ids, SUITES_MAX, bad, sizeof(bad))
		    : suites_parse_groups(e->value, ids, SUITES_MAX, bad, sizeof(bad));
	if (n < 0) {
		log_msg(LOG_ERR, "%s:%d: Failed to parse %s= value '%s'%s%s%s", u->path, e->line,
			name, e->value, bad[0] ? ": unknown " : "", bad[0] ? bad : "",
			bad[0] ? (ciphers ? " (supported: the ECDHE AES-GCM and ChaCha20-Poly1305 suites)"
					  : " (supported: X25519, P-256)")
			       : "");
		++*errors;
		return;
	}
	*have = true;
}

int sd_tls_load(const struct unit_file *u, struct sd_socket *s)
{
	const struct unit_entry *e, *first = NULL;
	struct tls_settings ts = {0};
	struct sd_tls *t;
	char err[512];
	int errors = 0;

	for (size_t i = 0; i < sizeof(tls_keys) / sizeof(tls_keys[0]) && !first; i++)
		first = key(u, tls_keys[i]);
	if (!first)
		return 0;
	if (!ENABLE_TLS) {
		/* never serve in plaintext what the unit asked to be encrypted */
		log_msg(LOG_ERR,
			"%s:%d: %s= needs TLS support, which this gatebox is built without. Refusing.",
			u->path, first->line, first->key);
		return 1;
	}
	if (!s->accept) {
		log_msg(LOG_ERR, "%s:%d: %s= is supported with Accept=yes only. Refusing.", u->path,
			first->line, first->key);
		return 1;
	}
	for (size_t i = 0; i < s->nl; i++)
		if (s->l[i].opts.type != SOCK_STREAM) {
			log_msg(LOG_ERR,
				"%s: TLS needs ListenStream= listeners only (%s=%s). Refusing.",
				u->path, s->l[i].kind, s->l[i].text);
			return 1;
		}
	t = xcalloc(1, sizeof(*t));
	t->min_version = 12;
	t->timeout_ms = 10000;
	path_key(u, "TLSCertificate", &t->cert, &errors);
	path_key(u, "TLSKey", &t->key, &errors);
	path_key(u, "TLSClientCA", &t->ca, &errors);
	if (!errors && (!t->cert || !t->key)) {
		log_msg(LOG_ERR, "%s:%d: TLS needs both TLSCertificate= and TLSKey=. Refusing.",
			u->path, first->line);
		errors++;
	}
	if ((e = key(u, "TLSMinVersion")) &&
	    (t->min_version = suites_parse_version(e->value)) < 0) {
		log_msg(LOG_ERR, "%s:%d: Failed to parse TLSMinVersion= value '%s' (1.2 or 1.3)",
			u->path, e->line, e->value);
		errors++;
	}
	list_key(u, "TLSCiphers", true, t->ciphers, &t->have_ciphers, &errors);
	list_key(u, "TLSGroups", false, t->groups, &t->have_groups, &errors);
	if ((e = key(u, "TLSHandshakeTimeoutSec"))) {
		long long us = unit_timespan_us(e->value);

		if (us <= 0 || us > 3600LL * 1000000) {
			log_msg(LOG_ERR,
				"%s:%d: Failed to parse TLSHandshakeTimeoutSec= value '%s' (more than 0, at most 1h)",
				u->path, e->line, e->value);
			errors++;
		} else {
			t->timeout_ms = (int)((us + 999) / 1000);
		}
	}
	if (!errors) {
		ts.cert = t->cert;
		ts.key = t->key;
		ts.client_ca = t->ca;
		ts.min_version = t->min_version;
		ts.ciphers = t->have_ciphers ? t->ciphers : NULL;
		ts.groups = t->have_groups ? t->groups : NULL;
		if (!(t->srv = tls_server_new(&ts, err, sizeof(err)))) {
			const char *k = str_starts(err, "TLSKey=") ? "TLSKey"
				: str_starts(err, "TLSClientCA=")  ? "TLSClientCA"
				: str_starts(err, "TLSCiphers=")   ? "TLSCiphers"
								   : "TLSCertificate";

			e = key(u, k);
			log_msg(LOG_ERR, "%s:%d: %s", u->path, e ? e->line : first->line, err);
			errors++;
		}
	}
	if (errors) {
		sd_tls_free(t);
		return errors;
	}
	tls_server_cert(t->srv, t->subject, sizeof(t->subject), &t->not_after);
	s->tls = t;
	check_expiry(s, t);
	return 0;
}

void sd_tls_free(struct sd_tls *t)
{
	if (!ENABLE_TLS || !t)
		return;
	tls_server_free(t->srv);
	free(t->cert);
	free(t->key);
	free(t->ca);
	free(t);
}

void sd_tls_status(const struct sd_socket *s, struct ctl_reply *r)
{
	const struct sd_tls *t = s->tls;
	time_t na;
	struct tm tm;
	char when[64];

	if (!ENABLE_TLS || !t)
		return;
	na = (time_t)t->not_after;
	localtime_r(&na, &tm);
	strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M:%S %Z", &tm);
	ctl_reply_printf(r, 1, "        TLS: %s (TLS %s+%s)", t->cert,
			 t->min_version == 13 ? "1.3" : "1.2",
			 t->ca ? ", client certificates required" : "");
	ctl_reply_printf(r, 1, "    Subject: %s", t->subject);
	ctl_reply_printf(r, 1, "    Expires: %s%s", when,
			 t->not_after <= now_s()			   ? " (expired)"
				 : t->not_after - now_s() <= EXPIRY_WARN_S ? " (within 30 days)"
									   : "");
}

void sd_tls_print(const struct sd_socket *s)
{
	const struct sd_tls *t = s->tls;

	if (!ENABLE_TLS || !t)
		return;
	printf("  TLSCertificate=%s\n  TLSKey=%s\n", t->cert, t->key);
	if (t->ca)
		printf("  TLSClientCA=%s\n", t->ca);
	printf("  TLSMinVersion=1.%d TLSHandshakeTimeoutSec=%dms\n", t->min_version % 10,
	       t->timeout_ms);
	printf("  Subject=%s\n", t->subject);
}

/* --- the connection's process ----------------------------------------------------------- */

static void close_range_or_each(unsigned from, unsigned to)
{
	if (from > to)
		return;
	if (syscall(SYS_close_range, from, to, 0) == 0)
		return;
	/* before Linux 5.9 (or under an emulator that lacks it): what /proc says is open */
	{
		DIR *d = opendir("/proc/self/fd");
		int fds[1024], n = 0, dfd = d ? dirfd(d) : -1;
		struct dirent *de;

		while (d && (de = readdir(d)) != NULL && n < 1024) {
			long fd = strtol(de->d_name, NULL, 10);

			if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && fd != dfd &&
			    (unsigned long)fd >= from && (unsigned long)fd <= to)
				fds[n++] = (int)fd;
		}
		if (d)
			closedir(d);
		while (n)
			close(fds[--n]);
	}
}

/* every fd of socketd but stdio, the connection and the log: a listener kept open by a
 * long connection would outlive its unit */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	unsigned from = 3;

	if (lo >= 3) {
		close_range_or_each(from, (unsigned)lo - 1);
		from = (unsigned)lo + 1;
	}
	if (hi >= 3 && hi != lo) {
		close_range_or_each(from, (unsigned)hi - 1);
		from = (unsigned)hi + 1;
	}
	close_range_or_each(from, ~0U);
}

static void peer_text(const struct sd_spawn_req *rq, char *out, size_t size)
{
	const struct sockaddr *sa = (const struct sockaddr *)rq->peer;
	char host[64];

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		str_copy(out, size, "a local client");
		return;
	}
	net_format_host(sa, rq->plen, host, sizeof(host));
	str_printf(out, size, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, net_port(sa));
}

static void drop_privileges(const struct sd_service *svc)
{
	/* the relay needs no root once the service runs: it takes the service's identity,
	 * and stays undumpable so that identity cannot read the session keys out of it */
	if (getuid() == 0 && svc->uid >= 0) {
		if (setgroups(0, NULL) < 0 || (svc->gid >= 0 && setgid((gid_t)svc->gid) < 0) ||
		    setuid((uid_t)svc->uid) < 0) {
			/* never a relay that is root where the unit said otherwise */
			log_errno(LOG_ERR, "%s: TLS relay cannot take the service's identity",
				  svc->name);
			_exit(1);
		}
	}
	prctl(PR_SET_DUMPABLE, 0);
}

static void set_env(char (*env)[600], char **envp, int *ne, const char *name, const char *value)
{
	str_printf(env[*ne], sizeof(env[*ne]), "%s%s", name, value);
	envp[*ne] = env[*ne];
	++*ne;
}

static _Noreturn void tls_child(struct sd_state *st, struct sd_socket *s,
				const struct sd_spawn_req *rq)
{
	struct sd_tls *t = s->tls;
	char err[512], who[96], env[5][600], *envp[6];
	struct tls_info info;
	struct tls_conn *c;
	struct sd_spawn_req svc_rq = *rq;
	sigset_t none;
	int sv[2], status = 0, ne = 0, failed_step = 0;
	pid_t pid;

	/* socketd's signal handling (blocked signals read from a signalfd) is not ours */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (log_to_syslog())
		closelog(); /* reopened on the next message, after its fd is closed below */
	close_all_but(rq->conn, st->log_fd);
	for (size_t i = 0; i < st->nsocks; i++)
		if (st->socks[i] && st->socks[i] != s && st->socks[i]->tls)
			tls_server_forget_key(st->socks[i]->tls->srv);
	peer_text(rq, who, sizeof(who));
	if (rq->peer->ss_family == AF_INET || rq->peer->ss_family == AF_INET6) {
		/* a handshake is flights of small records, each its own send(): Nagle would hold
		 * the second of a flight for the client's delayed ACK (40 ms). After it, every
		 * write is one whole record, which Nagle cannot coalesce further. */
		int on = 1;

		setsockopt(rq->conn, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	}
	c = tls_accept(t->srv, rq->conn, t->timeout_ms, &info, err, sizeof(err));
	if (!c) {
		log_msg(LOG_WARNING, "%s: TLS handshake with %s failed: %s", s->name, who, err);
		_exit(1);
	}
	tls_server_forget_key(t->srv);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_errno(LOG_ERR, "%s: socketpair", s->name);
		_exit(1);
	}
	set_env(env, envp, &ne, "TLS_VERSION=", info.version);
	set_env(env, envp, &ne, "TLS_CIPHER=", info.cipher);
	if (info.sha256[0]) {
		set_env(env, envp, &ne, "TLS_PEER_SUBJECT=", info.subject);
		set_env(env, envp, &ne, "TLS_PEER_CN=", info.cn);
		set_env(env, envp, &ne, "TLS_PEER_SHA256=", info.sha256);
	}
	envp[ne] = NULL;
	svc_rq.conn = sv[1];
	svc_rq.extra_env = envp;
	svc_rq.wait_exec = true;
	svc_rq.failed_step = &failed_step;
	pid = sd_spawn(st, &svc_rq);
	close(sv[1]);
	if (st->log_fd > 2)
		close(st->log_fd);
	if (pid < 0) {
		tls_conn_free(c);
		_exit(failed_step ? failed_step : 1); /* 203/EXEC, as a plain instance's */
	}
	drop_privileges(&s->svc);
	if (tls_proxy(c, sv[0], err, sizeof(err)) < 0)
		log_msg(LOG_INFO, "%s: TLS connection with %s ended: %s", s->name, who, err);
	tls_conn_free(c);
	close(rq->conn);
	close(sv[0]); /* the service sees the end of its input, if it had not yet */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	/* the instance's result is the service's: socketd logs a failure as for plain ones */
	_exit(WIFEXITED(status)		    ? WEXITSTATUS(status)
		      : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					    : 1);
}

pid_t sd_tls_spawn(struct sd_state *st, struct sd_socket *s, const struct sd_spawn_req *rq)
{
	pid_t pid;

	if (!ENABLE_TLS)
		return -1;
	check_expiry(s, s->tls);
	tls_server_fork_prepare(s->tls->srv);
	pid = fork();
	if (pid == 0)
		tls_child(st, s, rq);
	if (pid < 0)
		log_errno(LOG_ERR, "%s: fork", rq->unit_name);
	return pid;
}
