/* One job, from start to result: /bin/sh as the job's user reads the job file, its output
 * goes through a pipe into a ring that keeps the tail, and the result (exit status, output
 * size, the tail) is written once and replaces the running file. The runner holds the lock
 * of the running file until then, so a later atd can tell "still running" (locked) from
 * "interrupted" (a running file nobody holds). */
#include "atq-lite.h"
#include "fdio.h"
#include "sup.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define TAIL_CAP (CONFIG_AT_OUTPUT_TAIL + 1)

static char ring[TAIL_CAP];
static unsigned long long total;

static void keep(const char *p, size_t n)
{
	size_t cap = TAIL_CAP - 1;

	for (size_t i = 0; i < n && cap; i++)
		ring[(total + i) % cap] = p[i];
	total += n;
}

/* the ring, oldest byte first */
static size_t tail(char *out)
{
	size_t cap = TAIL_CAP - 1, n = total < cap ? (size_t)total : cap;

	for (size_t i = 0; i < n; i++)
		out[i] = ring[(total - n + i) % cap];
	return n;
}

static int nice_of(int q)
{
	int n = 2 * ((q >= 'A' && q <= 'Z' ? q + 32 : q) - 'a');

	return n > 19 ? 19 : n;
}

static void log_tail(unsigned long id, const char *t, size_t n)
{
	const char *p = t + n;
	int lines = 0;

	/* the last few lines; the spool keeps the whole tail */
	while (p > t && lines < 5) {
		p--;
		if (*p == '\n' && p != t + n - 1)
			lines++;
	}
	while (p < t + n) {
		const char *nl = memchr(p, '\n', (size_t)(t + n - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(t + n - p);

		if (*p == '\n') {
			p++;
			continue;
		}
		log_msg(LOG_INFO, "job %lu: %.*s", id, (int)(l > 200 ? 200 : l), p);
		p += l + 1;
	}
}

static void mail(const struct spool_job *j, const struct spool_result *r, const char *t, size_t n)
{
	const char *sendmail = CONFIG_AT_SENDMAIL;
	char a0[] = "sendmail", a1[] = "-i", user[SPOOL_USER_MAX], path[] = "PATH=/usr/bin:/bin";
	char *argv[] = {a0, a1, user, NULL}, *envp[] = {path, NULL};
	char head[256];
	struct sup_spawn s;
	int p[2], status;
	pid_t pid;

	str_copy(user, sizeof(user), j->user);
	if (!sendmail[0] || access(sendmail, X_OK) < 0 || pipe2(p, O_CLOEXEC) < 0)
		return;
	sup_spawn_init(&s);
	s.path = sendmail;
	s.argv = argv;
	s.envp = envp;
	s.stdio[0] = p[0];
	s.uid = (long long)j->uid; /* a uid above INT_MAX too: never "keep root's" */
	s.gid = (long long)j->gid;
	s.groups = j->groups;
	s.ngroups = j->ngroups;
	s.cwd = "/";
	pid = sup_spawn(&s);
	close(p[0]);
	if (pid < 0) {
		log_errno(LOG_ERR, "job %lu: %s", j->id, sendmail);
		close(p[1]);
		return;
	}
	snprintf(head, sizeof(head), "Subject: Output from your job %8lu\nTo: %s\n\n", j->id,
		 j->user);
	if (fd_write_all(p[1], head, strlen(head)) < 0 || fd_write_all(p[1], t, n) < 0)
		log_errno(LOG_ERR, "job %lu: mail", j->id);
	snprintf(head, sizeof(head), "%s[%s %d; %llu bytes of output]\n",
		 n && t[n - 1] != '\n' ? "\n" : "", r->status_kind, r->status, r->output);
	if (fd_write_all(p[1], head, strlen(head)) < 0)
		log_errno(LOG_ERR, "job %lu: mail", j->id);
	close(p[1]);
	waitpid(pid, &status, 0);
}

_Noreturn void atd_runner(int dirfd, int fd, const char *name, const struct spool_job *j)
{
	char sh[] = "sh", *argv[] = {sh, NULL}, *envp[] = {NULL}, dname[SPOOL_NAME_MAX], hdr[512];
	static char out[TAIL_CAP];
	struct spool_result r;
	struct spool_name dn;
	struct sup_spawn s;
	sigset_t set;
	int p[2] = {-1, -1}, in, sfd, status = 0;
	bool done = false, eof = false;
	pid_t pid;
	size_t n;
	int hl;

	memset(&r, 0, sizeof(r));
	r.started = (long long)time(NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	/* the shell reads its own open of the file: the lock stays the runner's alone */
	in = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || in < 0 || pipe2(p, O_CLOEXEC) < 0) {
		str_copy(r.status_kind, sizeof(r.status_kind), "failed");
		r.status = SUP_EXIT_FDS;
		goto finish;
	}
	sup_spawn_init(&s);
	s.path = "/bin/sh";
	s.argv = argv;
	s.envp = envp;
	s.stdio[0] = in;
	s.stdio[1] = s.stdio[2] = p[1];
	s.uid = (long long)j->uid; /* a uid above INT_MAX too: never "keep root's" */
	s.gid = (long long)j->gid;
	s.groups = j->groups;
	s.ngroups = j->ngroups;
	s.cwd = "/";
	s.nice = nice_of(j->queue);
	pid = sup_spawn(&s);
	close(p[1]);
	close(in);
	if (pid < 0) {
		log_errno(LOG_ERR, "job %lu: cannot start /bin/sh as uid %lu", j->id, j->uid);
		str_copy(r.status_kind, sizeof(r.status_kind), "failed");
		r.status = s.failed_step ? s.failed_step : SUP_EXIT_EXEC;
		goto finish;
	}
	/* until the shell is gone; what it left running in the background may keep the pipe
	 * open, so its end is the end, not the pipe's */
	while (!done) {
		struct pollfd pf[2] = {{.fd = eof ? -1 : p[0], .events = POLLIN},
				       {.fd = sfd, .events = POLLIN}};
		char buf[4096];

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			ssize_t k = read(p[0], buf, sizeof(buf));

			if (k > 0)
				keep(buf, (size_t)k);
			else if (k == 0 || errno != EINTR)
				eof = true;
		}
		if (pf[1].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
			done = waitpid(pid, &status, WNOHANG) == pid;
		}
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (char buf[4096];;) { /* what is already in the pipe */
		ssize_t k = read(p[0], buf, sizeof(buf));

		if (k <= 0)
			break;
		keep(buf, (size_t)k);
	}
	str_copy(r.status_kind, sizeof(r.status_kind), sup_status_kind(status));
	r.status = sup_status_value(status);
finish:
	r.finished = (long long)time(NULL);
	r.id = j->id;
	r.queue = j->queue;
	r.due = j->due;
	r.uid = j->uid;
	str_copy(r.user, sizeof(r.user), j->user);
	r.output = total;
	n = tail(out);
	dn = (struct spool_name){SPOOL_DONE, j->queue, j->id, j->due, j->uid};
	spool_format_name(dname, sizeof(dname), &dn);
	hl = spool_result_header(hdr, sizeof(hdr), &r, out, n);
	if (hl < 0 || spool_write(dirfd, dname, hdr, (size_t)hl, out, n) < 0) {
		/* (a full disk, say): left running, the next atd would take the job for one a
		 * crash cut short, and at -R would run it again. It ran: a rename, which
		 * needs no space, makes it an interrupted job, listed and never run again */
		struct spool_name intr = dn;
		char iname[SPOOL_NAME_MAX];

		log_errno(LOG_ERR, "job %lu: cannot write its result", j->id);
		intr.state = SPOOL_INTERRUPTED;
		spool_format_name(iname, sizeof(iname), &intr);
		if (spool_rename(dirfd, name, iname) < 0)
			log_errno(LOG_ERR, "job %lu: cannot mark it interrupted", j->id);
	} else if (unlinkat(dirfd, name, 0) == 0)
		fsync(dirfd);
	log_msg(LOG_INFO, "job %lu (%s) finished: %s %d, %llu bytes of output", j->id, j->user,
		r.status_kind, r.status, r.output);
	log_tail(j->id, out, n);
	if (j->mail > 0 || (j->mail == 0 && total > 0))
		mail(j, &r, out, n);
	close(fd); /* the lock: the job is over */
	_exit(0);
}
