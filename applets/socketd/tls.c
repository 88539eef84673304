/* TLS termination for Accept=yes sockets (gatebox's [Socket] TLS*= keys): the credentials
 * are loaded with the unit (socketd is still root, the key may be root-only), and each
 * connection gets its own process, a fork of socketd, so a slow or hostile client stalls
 * nothing but that process. It drops root before it reads a byte of the client's (to the
 * service's User=, or nobody), does the handshake under a deadline, hands the result
 * (version, suite, the client's certificate) to socketd over a pipe and relays between the
 * client and a plaintext socketpair. socketd starts the service on the socketpair's other
 * end when the result comes, exactly as a plain Accept=yes instance on its connection: the
 * spawn, which may need root, stays in the process that is root anyway, and costs a vfork.
 *
 * Why fork and not vfork+exec of a helper: the child inherits the parsed certificates and
 * key (no file is read or parsed per connection, and no root-only file has to be reopened),
 * the fork of a daemon of a few hundred kB costs far less than the handshake itself, and it
 * works under qemu-user where the binary cannot exec itself. The child drops what it must
 * not keep: the other units' keys at once, every fd of socketd but its own few, its own key
 * after the handshake. */
#include "fdio.h"
#include "socketd.h"
#include "suites.h"
#include "tls.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
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
	/* the next connection's process, forked ahead (after this socket's first connection)
	 * and waiting on spare_fd for it: a connection then starts its handshake without
	 * waiting for a fork. -1: none. */
	int spare_fd;
	pid_t spare_pid;
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
	t->spare_fd = -1;
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
	if (t->spare_fd >= 0)
		close(t->spare_fd); /* the spare sees the end and exits */
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

/* in a connection's process (connproc.c): the keys of the other units are not its own */
void sd_tls_forget_keys(struct sd_state *st, const struct sd_socket *s)
{
	for (size_t i = 0; i < st->nsocks; i++)
		if (st->socks[i] && st->socks[i] != s && st->socks[i]->tls)
			tls_server_forget_key(st->socks[i]->tls->srv);
}

static void peer_text(const struct sockaddr_storage *peer, socklen_t plen, char *out, size_t size)
{
	const struct sockaddr *sa = (const struct sockaddr *)peer;
	char host[64];

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		str_copy(out, size, "a local client");
		return;
	}
	net_format_host(sa, plen, host, sizeof(host));
	str_printf(out, size, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, net_port(sa));
}

/* how long a relay waits for socketd to start its service before it relays anyway */
#define SERVICE_START_WAIT_MS 5000

static void set_env(char (*env)[600], char **envp, int *ne, const char *name, const char *value)
{
	str_printf(env[*ne], sizeof(env[*ne]), "%s%s", name, value);
	envp[*ne] = env[*ne];
	++*ne;
}

/* The connection's process once set up and unprivileged (handshake_child, or a spare handed
 * its connection; the service's spawn, which may need root, is socketd's, when the result
 * comes): the handshake, its result to socketd (the whole struct in one write on a pipe: it
 * is under PIPE_BUF, so it comes whole or not at all), then the relay between the client
 * and the service's socketpair until the conversation ends. */
static _Noreturn void handshake(struct sd_socket *s, int conn, const struct sockaddr_storage *peer,
				socklen_t plen, int result_fd, int plain)
{
	struct sd_tls *t = s->tls;
	struct tls_info info;
	struct tls_conn *c;
	char err[512], who[96];

	fcntl(result_fd, F_SETFL, 0); /* the one write waits for room, never fails short */
	peer_text(peer, plen, who, sizeof(who));
	if (peer->ss_family == AF_INET || peer->ss_family == AF_INET6) {
		/* a handshake is flights of small records, each its own send(): Nagle would hold
		 * the second of a flight for the client's delayed ACK (40 ms). After it, every
		 * write is one whole record, which Nagle cannot coalesce further. */
		int on = 1;

		setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	}
	c = tls_accept(t->srv, conn, t->timeout_ms, &info, err, sizeof(err));
	if (!c) {
		log_msg(LOG_WARNING, "%s: TLS handshake with %s failed: %s", s->name, who, err);
		_exit(1);
	}
	tls_server_forget_key(t->srv);
	if (fd_write_all(result_fd, &info, sizeof(info)) < 0)
		_exit(1); /* socketd dropped the connection meanwhile (a reload, a stop) */
	{
		/* the relay starts once socketd has started the service (it closes its end of
		 * the pipe then): the client's next bytes would wait for it anyway, and the
		 * relay's work does not compete with the spawn for the CPU (bounded: a socketd
		 * that does not answer leaves the relay to its own) */
		struct pollfd gone = {.fd = result_fd, .events = 0};

		while (poll(&gone, 1, SERVICE_START_WAIT_MS) < 0 && errno == EINTR) {
		}
	}
	close(result_fd);
	if (tls_proxy(c, plain, err, sizeof(err)) < 0)
		log_msg(LOG_INFO, "%s: TLS connection with %s ended: %s", s->name, who, err);
	tls_conn_free(c);
	_exit(0); /* the service sees the end of its input, if it had not yet */
}

/* the connection's process forked for it (no spare was waiting) */
static _Noreturn void handshake_child(struct sd_state *st, struct sd_socket *s,
				      const struct sd_spawn_req *rq, int result_fd, int plain)
{
	const int keep[] = {rq->conn, st->log_fd, result_fd, plain};

	sd_connproc_setup(st, s, keep, sizeof(keep) / sizeof(keep[0]));
	sd_connproc_drop(&s->svc, "the TLS handshake");
	handshake(s, rq->conn, rq->peer, rq->plen, result_fd, plain);
}

/* what socketd hands a spare with the connection, its result pipe and its socketpair end */
struct handover {
	struct sockaddr_storage peer;
	socklen_t plen;
};

/* A spare: set up and unprivileged while no client waits, then one connection's process as
 * handshake_child. It ends when socketd closes its end (the unit stopped or reloaded,
 * socketd gone or re-executed) without handing it a connection. */
static _Noreturn void spare_main(struct sd_state *st, struct sd_socket *s, int ctl)
{
	const int keep[] = {st->log_fd, ctl};
	struct handover h = {.plen = 0};
	int fds[3];

	sd_connproc_setup(st, s, keep, sizeof(keep) / sizeof(keep[0]));
	sd_connproc_drop(&s->svc, "the TLS handshake");
	if (fd_recv_fds(ctl, &h, sizeof(h), fds, 3) < 0)
		_exit(0);
	close(ctl);
	handshake(s, fds[0], &h.peer, h.plen, fds[1], fds[2]);
}

/* the next connection's process, forked now that no client waits for it */
static void spare_fork(struct sd_state *st, struct sd_socket *s)
{
	struct sd_tls *t = s->tls;
	int sp[2];
	pid_t pid;

	if (t->spare_fd >= 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return;
	tls_server_fork_prepare(t->srv);
	pid = fork();
	if (pid == 0)
		spare_main(st, s, sp[1]);
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		return;
	}
	t->spare_fd = sp[0];
	t->spare_pid = pid;
}

/* the connection to the spare: its pid, or -1 (it is gone: a fork then) */
static pid_t spare_take(struct sd_socket *s, const struct sd_spawn_req *rq, int result_fd,
			int plain)
{
	struct sd_tls *t = s->tls;
	struct handover h = {.plen = rq->plen};
	const int fds[3] = {rq->conn, result_fd, plain};
	int r;

	if (t->spare_fd < 0)
		return -1;
	memcpy(&h.peer, rq->peer, rq->plen);
	r = fd_send_fds(t->spare_fd, &h, sizeof(h), fds, 3);
	close(t->spare_fd); /* a spare serves one connection */
	t->spare_fd = -1;
	return r == 0 ? t->spare_pid : -1;
}

/* What socketd keeps of a connection whose handshake runs: its ends of the pipe and of the
 * service's socketpair, and what the service's spawn needs that sd_child lacks. */
struct sd_tls_pending {
	int result_fd, plain_fd;
	struct sockaddr_storage local;
	socklen_t llen;
	char unit_name[UNIT_NAME_MAX + 256], host[64], lhost[64];
	bool have_host, have_lhost;
};

/* daemon-reexec: one record, its fds kept open across the exec */
void sd_tls_pending_save(FILE *fp, const struct sd_child *c)
{
	const struct sd_tls_pending *p = c->tls;

	fprintf(fp, "tls %ld %d %d %s", (long)c->pid, p->result_fd, p->plain_fd, p->unit_name);
	sd_state_put_addr(fp, &c->peer, c->peer_len);
	sd_state_put_addr(fp, &p->local, p->llen);
	fprintf(fp, " %s %s\n", p->have_host ? p->host : "-", p->have_lhost ? p->lhost : "-");
	sd_state_keep_fd(p->result_fd);
	sd_state_keep_fd(p->plain_fd);
}

/* and back, into relay c (NULL: its process is not known here, the fds are closed) */
void sd_tls_pending_load(struct sd_child *c, char **w)
{
	int result_fd = (int)strtol(w[1], NULL, 10), plain_fd = (int)strtol(w[2], NULL, 10);
	struct sd_tls_pending *p;

	if (result_fd < 3 || plain_fd < 3)
		return;
	sd_state_take_fd(result_fd);
	sd_state_take_fd(plain_fd);
	if (!c) {
		close(result_fd);
		close(plain_fd);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->result_fd = result_fd;
	p->plain_fd = plain_fd;
	str_copy(p->unit_name, sizeof(p->unit_name), w[3]);
	c->peer_len = sd_state_get_addr(w[4], &c->peer);
	p->llen = sd_state_get_addr(w[5], &p->local);
	if ((p->have_host = strcmp(w[6], "-") != 0))
		str_copy(p->host, sizeof(p->host), w[6]);
	if ((p->have_lhost = strcmp(w[7], "-") != 0))
		str_copy(p->lhost, sizeof(p->lhost), w[7]);
	c->tls = p;
}

void sd_tls_pending_free(struct sd_tls_pending *p)
{
	if (!p)
		return;
	close(p->result_fd);
	close(p->plain_fd);
	free(p);
}

pid_t sd_tls_spawn(struct sd_state *st, struct sd_socket *s, const struct sd_spawn_req *rq,
		   struct sd_tls_pending **pending)
{
	struct sd_tls_pending *p;
	int sv[2], result[2];
	pid_t pid;

	*pending = NULL;
	if (!ENABLE_TLS)
		return -1;
	check_expiry(s, s->tls);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_errno(LOG_ERR, "%s: socketpair", rq->unit_name);
		return -1;
	}
	if (pipe2(result, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_errno(LOG_ERR, "%s: pipe", rq->unit_name);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pid = spare_take(s, rq, result[1], sv[0]);
	if (pid < 0) {
		tls_server_fork_prepare(s->tls->srv);
		pid = fork();
		if (pid == 0)
			handshake_child(st, s, rq, result[1], sv[0]);
	}
	close(sv[0]);
	close(result[1]);
	if (pid > 0)
		spare_fork(st, s); /* for the next connection, while this one's handshake runs */
	if (pid < 0) {
		log_errno(LOG_ERR, "%s: fork", rq->unit_name);
		close(sv[1]);
		close(result[0]);
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	p->result_fd = result[0];
	p->plain_fd = sv[1];
	if (rq->local && rq->llen) {
		memcpy(&p->local, rq->local, rq->llen);
		p->llen = rq->llen;
	}
	str_copy(p->unit_name, sizeof(p->unit_name), rq->unit_name);
	if ((p->have_host = rq->peer_host != NULL))
		str_copy(p->host, sizeof(p->host), rq->peer_host);
	if ((p->have_lhost = rq->local_host != NULL))
		str_copy(p->lhost, sizeof(p->lhost), rq->local_host);
	*pending = p;
	return pid;
}

int sd_tls_result_fd(const struct sd_tls_pending *p)
{
	return p->result_fd;
}

/* A handshake's result: the service starts on the socketpair, as a plain instance would on
 * the connection, with the TLS environment, even where the relay has already ended (a
 * client that closes at once: the service sees the end of its input, as on a plain
 * connection). An end without one (the handshake failed, and said why), or a socketd that
 * stops, leaves the relay without a service: it ends. */
void sd_tls_result(struct sd_state *st, size_t i)
{
	struct sd_child *c = &st->children[i];
	struct sd_tls_pending *p = c->tls;
	struct sd_socket *s = c->sock;
	struct sockaddr_storage peer = c->peer;
	socklen_t plen = c->peer_len;
	unsigned long conn = c->conn;
	char env[5][600], *envp[6];
	struct tls_info info;
	int ne = 0, got;
	pid_t pid;

	if ((got = fd_read_record(p->result_fd, &info, sizeof(info))) == 0)
		return; /* not yet */
	c->tls = NULL;
	if (got < 0 || !s || st->stopping) {
		sd_tls_pending_free(p);
		return;
	}
	set_env(env, envp, &ne, "TLS_VERSION=", info.version);
	set_env(env, envp, &ne, "TLS_CIPHER=", info.cipher);
	if (info.sha256[0]) {
		set_env(env, envp, &ne, "TLS_PEER_SUBJECT=", info.subject);
		set_env(env, envp, &ne, "TLS_PEER_CN=", info.cn);
		set_env(env, envp, &ne, "TLS_PEER_SHA256=", info.sha256);
	}
	envp[ne] = NULL;
	{
		struct sd_spawn_req rq = {.unit_name = p->unit_name,
					  .conn = p->plain_fd,
					  .peer = &peer,
					  .plen = plen,
					  .local = &p->local,
					  .llen = p->llen,
					  .peer_host = p->have_host ? p->host : NULL,
					  .local_host = p->have_lhost ? p->lhost : NULL,
					  .extra_env = envp};

		pid = sd_instance_spawn(st, s, &rq);
	}
	/* the service's end alone now: the relay sees its end when the service's is gone */
	sd_tls_pending_free(p);
	if (pid > 0) /* c may move: the table can grow */
		sd_add_child(st, pid, s, &peer, plen, conn);
}
