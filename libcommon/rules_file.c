/* A hosts table read through a 64 KiB window and cut into the logical lines libwrap's
 * xgets() returns: fgets-sized chunks, each counted up to its first NUL, joined at
 * backslash-newline, cut at the caller's buffer size. The common line (one chunk, no NUL,
 * no continuation) is handed out in place, so a 100,000-line table costs few syscalls, few
 * page faults and no copies. */
#include "common.h"
#include "rules.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW (64 * 1024)

int rules_file_open(struct rules_file *f, const char *path, struct stat *stp)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -1;
	if (fstat(f->fd, &st) < 0 || !(f->data = malloc(WINDOW))) {
		int e = errno ? errno : ENOMEM;

		close(f->fd);
		f->fd = -1;
		errno = e;
		return -1;
	}
	if (stp)
		*stp = st;
	f->cap = WINDOW;
	f->data[0] = '\0';
	return 0;
}

/* Give back the byte the previous in-place line borrowed as its terminator. */
static void restore(struct rules_file *f)
{
	if (f->held_at) {
		f->data[f->held_at] = f->held;
		f->held_at = 0;
	}
}

/* Keep the unread bytes, read more behind them; the window stays NUL-terminated. */
static void refill(struct rules_file *f)
{
	ssize_t n;

	if (f->eof)
		return;
	if (f->pos) {
		memmove(f->data, f->data + f->pos, f->size - f->pos);
		f->size -= f->pos;
		f->pos = 0;
	}
	do
		n = read(f->fd, f->data + f->size, f->cap - 1 - f->size);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		f->eof = true; /* end, or a directory (EISDIR): what was read is the table */
	else
		f->size += (size_t)n;
	f->data[f->size] = '\0';
}

/* fgets(ptr, n): up to n-1 bytes, through the first newline; returns the count. */
static size_t chunk(struct rules_file *f, char *ptr, size_t n)
{
	size_t copied = 0;

	while (copied + 1 < n) {
		size_t avail, want, k;
		const char *nl;

		if (f->pos == f->size) {
			refill(f);
			if (f->pos == f->size)
				break;
		}
		avail = f->size - f->pos;
		want = n - 1 - copied < avail ? n - 1 - copied : avail;
		nl = memchr(f->data + f->pos, '\n', want);
		k = nl ? (size_t)(nl - (f->data + f->pos)) + 1 : want;
		memcpy(ptr + copied, f->data + f->pos, k);
		f->pos += k;
		copied += k;
		if (nl)
			break;
	}
	ptr[copied] = '\0';
	return copied;
}

int rules_file_line(struct rules_file *f, char *buf, size_t size)
{
	char *ptr = buf;
	size_t len = size, n;

	restore(f);
	buf[0] = '\0';
	while (len > 1 && (n = chunk(f, ptr, len)) > 0) {
		size_t got = strnlen(ptr, n);

		if (got >= 1 && ptr[got - 1] == '\n') {
			f->line++;
			if (got >= 2 && ptr[got - 2] == '\\')
				got -= 2;
			else
				return (int)(ptr + got - buf);
		}
		ptr += got;
		len -= got;
		ptr[0] = '\0';
	}
	return ptr > buf ? (int)(ptr - buf) : -1;
}

int rules_file_next(struct rules_file *f, char *buf, size_t size, char **out)
{
	size_t i, avail;
	char *start;

	restore(f);
	for (;;) {
		start = f->data + f->pos;
		avail = f->size - f->pos;
		/* the window is NUL-terminated: the first newline or NUL, a word at a time */
		i = (size_t)(strchrnul(start, '\n') - start);
		if (i < avail || f->eof || avail >= size - 1)
			break;
		refill(f); /* the line runs past the window: read on */
	}
	if (i < avail && i < size - 1 && start[i] == '\n' && (i == 0 || start[i - 1] != '\\')) {
		f->line++;
		f->pos += i + 1;
		f->held_at = f->pos;
		f->held = f->data[f->pos];
		f->data[f->pos] = '\0';
		*out = start;
		return (int)(i + 1);
	}
	*out = buf;
	return rules_file_line(f, buf, size);
}

void rules_file_close(struct rules_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->data);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}
