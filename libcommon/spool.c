/* The at spool (see spool.h). */
#include "common.h"
#include "fdio.h"
#include "spool.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEQ_NAME ".seq"

bool spool_queue_ok(int q)
{
	return (q >= 'a' && q <= 'z') || (q >= 'A' && q <= 'Z');
}

bool spool_queue_batch(int q)
{
	return q == 'b' || (q >= 'A' && q <= 'Z');
}

/* a decimal field ending at a '.' or the end; no sign, no blanks, no leading zeros */
static const char *num(const char *s, unsigned long long *v, bool neg_ok, bool *neg)
{
	unsigned long long x = 0;
	const char *p = s;

	*neg = false;
	if (neg_ok && *p == '-') {
		*neg = true;
		p++;
	}
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (ULLONG_MAX - 9) / 10)
			return NULL;
		x = x * 10 + (unsigned long long)(*p - '0');
	}
	*v = x;
	return p;
}

int spool_parse_name(const char *name, struct spool_name *n)
{
	unsigned long long id, due, uid;
	const char *p = name;
	bool neg, dummy;

	if (!strchr("wrdi", name[0]) || !name[0] || name[1] != '.' ||
	    !spool_queue_ok((unsigned char)name[2]) || name[3] != '.')
		goto bad;
	p = num(name + 4, &id, false, &dummy);
	if (!p || *p != '.' || id > 0x7fffffff)
		goto bad;
	p = num(p + 1, &due, true, &neg);
	if (!p || *p != '.' || due > (1ULL << 40) || (neg && due == 0))
		goto bad; /* "-0" too: one name, one form */
	p = num(p + 1, &uid, false, &dummy);
	if (!p || *p || uid > 0xffffffffUL)
		goto bad;
	n->state = name[0];
	n->queue = name[2];
	n->id = (unsigned long)id;
	n->due = neg ? -(long long)due : (long long)due;
	n->uid = (unsigned long)uid;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int spool_format_name(char *buf, size_t size, const struct spool_name *n)
{
	return str_printf(buf, size, "%c.%c.%lu.%lld.%lu", n->state, n->queue, n->id, n->due,
			  n->uid);
}

uint32_t spool_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* --- headers ------------------------------------------------------------------------- */

/* The value of " key=" in the header line [line, end), as [*v, *ve). */
static bool field(const char *line, const char *end, const char *key, const char **v,
		  const char **ve)
{
	size_t kl = strlen(key);

	for (const char *p = line; p + kl + 2 <= end; p++) {
		if (p[0] != ' ' || memcmp(p + 1, key, kl) != 0 || p[kl + 1] != '=')
			continue;
		*v = p + kl + 2;
		for (*ve = *v; *ve < end && **ve != ' '; (*ve)++)
			;
		return true;
	}
	return false;
}

static bool field_ull(const char *line, const char *end, const char *key, unsigned long long max,
		      unsigned long long *out)
{
	const char *v, *ve;
	unsigned long long x = 0;

	if (!field(line, end, key, &v, &ve) || v == ve || ve - v > 20)
		return false;
	for (const char *p = v; p < ve; p++) {
		if (*p < '0' || *p > '9' || x > (ULLONG_MAX - 9) / 10)
			return false;
		x = x * 10 + (unsigned long long)(*p - '0');
	}
	if (x > max)
		return false;
	*out = x;
	return true;
}

static bool field_ll(const char *line, const char *end, const char *key, long long *out)
{
	const char *v, *ve;
	unsigned long long x = 0;
	bool neg;

	if (!field(line, end, key, &v, &ve))
		return false;
	neg = v < ve && *v == '-';
	if (neg)
		v++;
	if (v == ve || ve - v > 13)
		return false;
	for (const char *p = v; p < ve; p++) {
		if (*p < '0' || *p > '9')
			return false;
		x = x * 10 + (unsigned long long)(*p - '0');
	}
	*out = neg ? -(long long)x : (long long)x;
	return true;
}

static bool field_str(const char *line, const char *end, const char *key, char *out, size_t size)
{
	const char *v, *ve;

	if (!field(line, end, key, &v, &ve) || v == ve || (size_t)(ve - v) >= size)
		return false;
	for (const char *p = v; p < ve; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	memcpy(out, v, (size_t)(ve - v));
	out[ve - v] = '\0';
	return true;
}

/* The header line starting at buf + off (ending at a newline), and the len/crc check of
 * what follows it. */
static int header_line(const char *buf, size_t len, size_t off, const char *magic,
		       const char **line, const char **end, size_t *body, const char **err)
{
	const char *nl = memchr(buf + off, '\n', len - off);
	unsigned long long blen, crc;

	*err = "not an atq-lite file";
	if (len - off < strlen(magic) || memcmp(buf + off, magic, strlen(magic)) != 0)
		return -1;
	*err = "truncated header";
	if (!nl)
		return -1;
	*line = buf + off;
	*end = nl;
	*body = (size_t)(nl - buf) + 1;
	*err = "bad len field";
	if (!field_ull(*line, *end, "len", SIZE_MAX, &blen))
		return -1;
	*err = "bad crc field";
	if (!field_ull(*line, *end, "crc", 0xffffffffULL, &crc))
		return -1;
	*err = "truncated (shorter than its len field)";
	if (len - *body < blen)
		return -1;
	*err = "trailing bytes after len";
	if (len - *body > blen)
		return -1;
	*err = "checksum mismatch (damaged)";
	if (spool_crc32(0, buf + *body, (size_t)blen) != (uint32_t)crc)
		return -1;
	return 0;
}

static const char job_magic[] = "# atq-lite job 1 ";
static const char result_magic[] = "# atq-lite result 1 ";
static const char shebang[] = "#!/bin/sh\n";

static bool parse_groups(const char *line, const char *end, struct spool_job *j)
{
	const char *v, *ve;

	j->ngroups = 0;
	if (!field(line, end, "groups", &v, &ve))
		return false;
	if (v == ve || (ve - v == 1 && *v == '-'))
		return ve - v == 1; /* "-": none */
	while (v < ve) {
		unsigned long long g = 0;
		const char *s = v;

		for (; v < ve && *v >= '0' && *v <= '9'; v++) {
			if (g > 0xffffffffULL)
				return false;
			g = g * 10 + (unsigned long long)(*v - '0');
		}
		if (v == s || g > 0xffffffffULL || j->ngroups >= SPOOL_MAX_GROUPS)
			return false;
		j->groups[j->ngroups++] = (gid_t)g;
		if (v < ve && *v++ != ',')
			return false;
		if (v == ve && v[-1] == ',')
			return false;
	}
	return true;
}

int spool_parse_job(const char *buf, size_t len, struct spool_job *j, const char **err, int *line)
{
	const char *l, *e;
	unsigned long long id, uid, gid, mail, rerun;
	char q[4];

	memset(j, 0, sizeof(*j));
	*line = 1;
	*err = "not a job file (no #!/bin/sh line)";
	if (len < sizeof(shebang) - 1 || memcmp(buf, shebang, sizeof(shebang) - 1) != 0)
		return -1;
	*line = 2;
	if (header_line(buf, len, sizeof(shebang) - 1, job_magic, &l, &e, &j->body_off, err) < 0)
		return -1;
	j->body_len = len - j->body_off;
	*err = "bad id field";
	if (!field_ull(l, e, "id", 0x7fffffff, &id))
		return -1;
	*err = "bad queue field";
	if (!field_str(l, e, "queue", q, sizeof(q)) || q[1] || !spool_queue_ok((unsigned char)q[0]))
		return -1;
	*err = "bad due field";
	if (!field_ll(l, e, "due", &j->due))
		return -1;
	*err = "bad uid or gid field";
	if (!field_ull(l, e, "uid", 0xffffffffULL, &uid) ||
	    !field_ull(l, e, "gid", 0xffffffffULL, &gid))
		return -1;
	*err = "bad groups field";
	if (!parse_groups(l, e, j))
		return -1;
	*err = "bad user field";
	if (!field_str(l, e, "user", j->user, sizeof(j->user)) || j->user[0] == '-')
		return -1;
	*err = "bad mail or rerun field";
	if (!field_ull(l, e, "mail", 2, &mail) || !field_ull(l, e, "rerun", 1, &rerun))
		return -1;
	j->id = (unsigned long)id;
	j->queue = q[0];
	j->uid = (unsigned long)uid;
	j->gid = (unsigned long)gid;
	j->mail = mail == 2 ? -1 : (int)mail;
	j->rerun = rerun != 0;
	return 0;
}

int spool_parse_result(const char *buf, size_t len, struct spool_result *r, const char **err,
		       int *line)
{
	const char *l, *e, *v, *ve, *colon;
	unsigned long long id, uid, out, st;
	char q[4];

	memset(r, 0, sizeof(*r));
	*line = 1;
	if (header_line(buf, len, 0, result_magic, &l, &e, &r->tail_off, err) < 0)
		return -1;
	r->tail_len = len - r->tail_off;
	*err = "bad id, queue or uid field";
	if (!field_ull(l, e, "id", 0x7fffffff, &id) ||
	    !field_ull(l, e, "uid", 0xffffffffULL, &uid) ||
	    !field_str(l, e, "queue", q, sizeof(q)) || q[1] || !spool_queue_ok((unsigned char)q[0]))
		return -1;
	*err = "bad time field";
	if (!field_ll(l, e, "due", &r->due) || !field_ll(l, e, "started", &r->started) ||
	    !field_ll(l, e, "finished", &r->finished))
		return -1;
	*err = "bad user field";
	if (!field_str(l, e, "user", r->user, sizeof(r->user)))
		return -1;
	*err = "bad output field";
	if (!field_ull(l, e, "output", ULLONG_MAX, &out))
		return -1;
	*err = "bad status field";
	if (!field(l, e, "status", &v, &ve) || !(colon = memchr(v, ':', (size_t)(ve - v))) ||
	    colon == v || (size_t)(colon - v) >= sizeof(r->status_kind))
		return -1;
	memcpy(r->status_kind, v, (size_t)(colon - v));
	r->status_kind[colon - v] = '\0';
	st = 0;
	if (colon + 1 == ve || ve - colon > 6)
		return -1;
	for (const char *p = colon + 1; p < ve; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		st = st * 10 + (unsigned long long)(*p - '0');
	}
	r->status = (int)st;
	r->id = (unsigned long)id;
	r->uid = (unsigned long)uid;
	r->queue = q[0];
	r->output = out;
	return 0;
}

int spool_job_header(char *buf, size_t size, const struct spool_job *j, const char *body,
		     size_t len)
{
	char groups[SPOOL_MAX_GROUPS * 11 + 2] = "-";
	size_t gl = 0;

	for (int i = 0; i < j->ngroups && i < SPOOL_MAX_GROUPS; i++)
		gl += (size_t)snprintf(groups + gl, sizeof(groups) - gl, "%s%lu", i ? "," : "",
				       (unsigned long)j->groups[i]);
	if (str_printf(buf, size,
		       "%s%sid=%lu queue=%c due=%lld uid=%lu gid=%lu groups=%s user=%s mail=%d "
		       "rerun=%d len=%zu crc=%lu\n",
		       shebang, job_magic, j->id, j->queue, j->due, j->uid, j->gid, groups, j->user,
		       j->mail < 0 ? 2 : j->mail, j->rerun, len,
		       (unsigned long)spool_crc32(0, body, len)) < 0)
		return -1;
	return (int)strlen(buf);
}

int spool_result_header(char *buf, size_t size, const struct spool_result *r, const char *tail,
			size_t len)
{
	if (str_printf(buf, size,
		       "%sid=%lu queue=%c due=%lld uid=%lu user=%s started=%lld finished=%lld "
		       "status=%s:%d output=%llu len=%zu crc=%lu\n",
		       result_magic, r->id, r->queue, r->due, r->uid, r->user, r->started,
		       r->finished, r->status_kind, r->status, r->output, len,
		       (unsigned long)spool_crc32(0, tail, len)) < 0)
		return -1;
	return (int)strlen(buf);
}

/* --- files --------------------------------------------------------------------------- */

int spool_open(const char *path, bool create)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return fd;
}

int spool_rename(int dirfd, const char *from, const char *to)
{
	if (renameat(dirfd, from, dirfd, to) < 0)
		return -1;
	return fsync(dirfd);
}

int spool_write(int dirfd, const char *name, const void *a, size_t alen, const void *b, size_t blen)
{
	char tmp[SPOOL_NAME_MAX + 8];
	int fd, e;

	if (str_printf(tmp, sizeof(tmp), ".tmp.%s", name) < 0)
		return -1;
	unlinkat(dirfd, tmp, 0); /* left by a crash */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (fd_write_all(fd, a, alen) < 0 || fd_write_all(fd, b, blen) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (spool_rename(dirfd, tmp, name) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = e;
	return -1;
}

int spool_read(int dirfd, const char *name, char **buf, size_t *len, size_t max)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *b;
	size_t have = 0;
	int e;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > max) {
		close(fd);
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return -1;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return -1;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, b + have, (size_t)st.st_size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shrank: parse what is there, the checks will tell */
		have += (size_t)n;
	}
	close(fd);
	b[have] = '\0';
	*buf = b;
	*len = have;
	return 0;
}

int spool_scan(int dirfd, spool_fn fn, void *ctx)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct spool_name n;

		if (de->d_name[0] == '.')
			continue;
		if (fn(ctx, de->d_name, spool_parse_name(de->d_name, &n) == 0 ? &n : NULL)) {
			rc = 1;
			break;
		}
	}
	closedir(d);
	return rc < 0 ? -1 : 0;
}

struct find_ctx {
	unsigned long id;
	struct spool_name *out;
	bool found;
};

static int find_one(void *ctx, const char *fname, const struct spool_name *n)
{
	struct find_ctx *f = ctx;

	(void)fname;
	if (!n || n->id != f->id)
		return 0;
	/* a done file and its leftover running file (crash between rename and unlink) */
	if (!f->found || n->state == SPOOL_DONE)
		*f->out = *n;
	f->found = true;
	return 0;
}

int spool_find(int dirfd, unsigned long id, struct spool_name *n)
{
	struct find_ctx f = {id, n, false};

	if (spool_scan(dirfd, find_one, &f) < 0)
		return -1;
	if (!f.found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static int max_id(void *ctx, const char *fname, const struct spool_name *n)
{
	unsigned long *m = ctx;

	(void)fname;
	if (n && n->id > *m)
		*m = n->id;
	return 0;
}

int spool_submit(int dirfd, struct spool_job *j, const char *body, size_t len)
{
	char hdr[1024 + SPOOL_MAX_GROUPS * 11], name[SPOOL_NAME_MAX], target[24];
	unsigned long last = 0, found = 0;
	struct spool_name n;
	ssize_t tl;
	int hl, e;

	if (flock(dirfd, LOCK_EX) < 0)
		return -1;
	tl = readlinkat(dirfd, SEQ_NAME, target, sizeof(target) - 1);
	if (tl > 0) {
		target[tl] = '\0';
		last = strtoul(target, NULL, 10);
	}
	/* the spool is the truth too: .seq may be missing or behind (restored from a backup,
	 * or a spool copied in), and a job or result never shares its number with another
	 * (one readdir of names under the lock: nothing is opened, nothing written) */
	if (spool_scan(dirfd, max_id, &found) < 0)
		goto fail;
	j->id = (found > last ? found : last) + 1;
	if (j->id > 0x7fffffff) {
		errno = EOVERFLOW;
		goto fail;
	}
	/* the new number is durable before a job can carry it: a crash never hands it out twice */
	snprintf(target, sizeof(target), "%lu", j->id);
	unlinkat(dirfd, ".seq.new", 0);
	if (symlinkat(target, dirfd, ".seq.new") < 0 ||
	    spool_rename(dirfd, ".seq.new", SEQ_NAME) < 0)
		goto fail;
	hl = spool_job_header(hdr, sizeof(hdr), j, body, len);
	n = (struct spool_name){SPOOL_WAITING, j->queue, j->id, j->due, j->uid};
	if (hl < 0 || spool_format_name(name, sizeof(name), &n) < 0 ||
	    spool_write(dirfd, name, hdr, (size_t)hl, body, len) < 0)
		goto fail;
	flock(dirfd, LOCK_UN);
	return 0;
fail:
	e = errno;
	flock(dirfd, LOCK_UN);
	errno = e;
	return -1;
}
