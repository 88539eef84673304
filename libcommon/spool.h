/* The at spool: one file per job, written once (temp file, fsync, rename, fsync of the
 * directory) and moved between states by rename, so a crash or a power cut leaves every
 * job in exactly one well-formed state and an idle spool is never written.
 *
 * A file name carries everything atq needs, so listing reads no file:
 *     STATE.QUEUE.ID.DUE.UID     e.g. w.a.17.1796403780.0
 * STATE: w waiting, r running (started, recorded before the job runs), d done (the file is
 * then the result: exit status and the output's tail), i interrupted (started, never
 * finished: a crash). Names starting with '.' are not jobs (.seq, .atd.lock, .tmp.*);
 * x.NAME is a quarantined file that did not parse.
 *
 * A job file is a /bin/sh script whose second line is the header; len and crc cover every
 * byte after the header line, so a truncated or damaged file is recognised:
 *     #!/bin/sh
 *     # atq-lite job 1 id=17 queue=a due=1796403780 uid=0 gid=0 groups=0,4 user=root
 *       mail=0 rerun=0 len=312 crc=8d0c2a51                        (one line)
 * A result file has one header line, then the tail of the output:
 *     # atq-lite result 1 id=17 queue=a due=... uid=0 user=root started=... finished=...
 *       status=exited:0 output=5120 len=4096 crc=...                (one line) */
#ifndef GATEBOX_SPOOL_H
#define GATEBOX_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPOOL_MAX_GROUPS 64
#define SPOOL_NAME_MAX 96
#define SPOOL_USER_MAX 64

enum spool_state {
	SPOOL_WAITING = 'w',
	SPOOL_RUNNING = 'r',
	SPOOL_DONE = 'd',
	SPOOL_INTERRUPTED = 'i',
};

struct spool_name {
	char state, queue;
	unsigned long id;
	long long due; /* epoch seconds */
	unsigned long uid;
};

struct spool_job {
	unsigned long id;
	char queue;
	long long due;
	unsigned long uid, gid;
	gid_t groups[SPOOL_MAX_GROUPS];
	int ngroups;
	char user[SPOOL_USER_MAX]; /* who to mail */
	int mail; /* 1: -m (mail even when silent), -1: -M (never), 0: when there is output */
	bool rerun; /* run again after a crash interrupted it */
	size_t body_off, body_len; /* the script after the header line */
};

struct spool_result {
	unsigned long id;
	char queue;
	long long due, started, finished;
	unsigned long uid;
	char user[SPOOL_USER_MAX];
	char status_kind[16]; /* exited, killed, dumped, failed (could not start) */
	int status;
	unsigned long long output; /* bytes the job wrote in all */
	size_t tail_off, tail_len;
};

/* A queue letter at accepts: a-z, A-Z. Upper case and 'b' are batch queues. */
bool spool_queue_ok(int q);
bool spool_queue_batch(int q);

int spool_parse_name(const char *name, struct spool_name *n);
int spool_format_name(char *buf, size_t size, const struct spool_name *n);

uint32_t spool_crc32(uint32_t crc, const void *data, size_t len);

/* Parse and verify a job or result file held in buf. On error return -1 with *err a static
 * text and *line the line it is about (1-based). */
int spool_parse_job(const char *buf, size_t len, struct spool_job *j, const char **err, int *line);
int spool_parse_result(const char *buf, size_t len, struct spool_result *r, const char **err,
		       int *line);
/* The header lines (for writers): return the length, or -1 (ENOBUFS). */
int spool_job_header(char *buf, size_t size, const struct spool_job *j, const char *body,
		     size_t len);
int spool_result_header(char *buf, size_t size, const struct spool_result *r, const char *tail,
			size_t len);

/* Open (root: create, mode 0700) the spool directory; an O_DIRECTORY fd or -1. */
int spool_open(const char *path, bool create);
/* Write name in dirfd once: temp file, fsync, rename, fsync dirfd. 0 or -1 with errno; on
 * failure no file named name appears and the temp file is gone. */
int spool_write(int dirfd, const char *name, const void *a, size_t alen, const void *b,
		size_t blen);
/* rename then fsync the directory */
int spool_rename(int dirfd, const char *from, const char *to);
/* Read a whole file (at most max bytes: longer is EFBIG); *buf is malloc'ed. */
int spool_read(int dirfd, const char *name, char **buf, size_t *len, size_t max);
/* Queue a job: take the next id (kept in the symlink .seq, never reused, raised past any
 * id found in the spool), write the job under the lock. j->id is set. */
int spool_submit(int dirfd, struct spool_job *j, const char *body, size_t len);

/* Call fn for every entry of the spool: n is NULL when the name does not parse (files
 * starting with '.' are skipped, x.* are passed with n NULL and quarantined true).
 * fn returns nonzero to stop. Returns 0 or -1 with errno. */
typedef int (*spool_fn)(void *ctx, const char *fname, const struct spool_name *n);
int spool_scan(int dirfd, spool_fn fn, void *ctx);
/* The entry of job id (any state; done wins over a leftover running file). 0, or -1
 * with ENOENT. */
int spool_find(int dirfd, unsigned long id, struct spool_name *n);

#endif
