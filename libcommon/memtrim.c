/* see memtrim.h */
#include "common.h"
#include "memtrim.h"
#include "rawsys.h"
#include "scan.h"

#include <stdint.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_RANGES 8

static struct {
	bool read;
	uintptr_t stack_lo;
	uintptr_t lo[MAX_RANGES], hi[MAX_RANGES]; /* the mappings of the program's file */
	size_t n;
} maps;

/* once: the [stack] mapping, and the mappings backed by the same file as this code */
static void read_maps(void)
{
	char line[512], self[256] = "";
	uintptr_t here = (uintptr_t)&read_maps;
	FILE *fp = fopen("/proc/self/maps", "re");

	maps.read = true;
	if (!fp)
		return;
	/* two passes: first the file this function lives in */
	while (fgets(line, sizeof(line), fp)) {
		char *path = strchr(line, '/');
		struct scan sc;
		uintptr_t lo, hi;

		scan_init(&sc, line);
		lo = (uintptr_t)scan_num(&sc, 16);
		scan_lit(&sc, "-");
		hi = (uintptr_t)scan_num(&sc, 16);
		if (sc.ok && here >= lo && here < hi && path) {
			path[strcspn(path, "\n")] = '\0';
			str_copy(self, sizeof(self), path);
		}
	}
	rewind(fp);
	while (fgets(line, sizeof(line), fp)) {
		char perms[8], *path = strchr(line, '/');
		struct scan sc;
		uintptr_t lo, hi;

		scan_init(&sc, line);
		lo = (uintptr_t)scan_num(&sc, 16);
		scan_lit(&sc, "-");
		hi = (uintptr_t)scan_num(&sc, 16);
		scan_word(&sc, perms, sizeof(perms));
		if (!sc.ok)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "[stack]"))
			maps.stack_lo = lo;
		/* the read-only and executable mappings only: data and bss hold state */
		else if (self[0] && path && strcmp(path, self) == 0 && perms[1] == '-' &&
			 maps.n < MAX_RANGES) {
			maps.lo[maps.n] = lo;
			maps.hi[maps.n] = hi;
			maps.n++;
		}
	}
	fclose(fp);
	/* the pages of memtrim_poll become a mapping of their own (MADV_RANDOM splits the text
	 * mapping; it only turns off read-ahead there): the fault its code takes after the drop
	 * then maps what the kernel's fault-around finds inside that mapping, 8 KiB, instead of
	 * a 64 KiB window of the text. Two pages: the function may straddle a boundary. */
	{
		uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
		uintptr_t fn = (uintptr_t)&memtrim_poll & ~(page - 1);

		madvise((void *)fn, 2 * page, MADV_RANDOM);
	}
}

/* System calls made without calling into libc (whose code lies elsewhere in the text):
 * the trimmed text must not fault back between the drop and the sleep (rawsys.h). */
int memtrim_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	volatile char mark = 0;
	uintptr_t sp = (uintptr_t)&mark & ~(page - 1);

	if (!maps.read)
		read_maps();
	if (!maps.stack_lo)
		return poll(pfd, n, timeout_ms);
#if RAW_SYSCALLS
	{
		/* the legacy ppoll's timespec is two longs, also where libc's time_t is 64-bit
		 * on a 32-bit kernel ABI (arm in ARM mode) */
		struct {
			long sec, nsec;
		} ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
		long r;

		/* a page of margin below this frame: only raw system calls run until the sleep */
		if (sp > maps.stack_lo + 2 * page)
			raw_syscall(SYS_madvise, (long)maps.stack_lo,
				    (long)(sp - page - maps.stack_lo), MADV_DONTNEED, 0, 0);
		for (size_t i = 0; i < maps.n; i++)
			raw_syscall(SYS_madvise, (long)maps.lo[i], (long)(maps.hi[i] - maps.lo[i]),
				    MADV_DONTNEED, 0, 0);
		r = raw_syscall(SYS_ppoll, (long)pfd, (long)n, timeout_ms < 0 ? 0 : (long)&ts, 0,
				(long)(_NSIG / 8));
		(void)mark;
		if (r < 0) {
			errno = (int)-r;
			return -1;
		}
		return (int)r;
	}
#else
	/* no raw system calls here (Thumb code keeps r7 for itself): the stack alone, through
	 * libc, is still worth it; the text would fault straight back */
	if (sp > maps.stack_lo + 4 * page)
		madvise((void *)maps.stack_lo, sp - 3 * page - maps.stack_lo, MADV_DONTNEED);
	(void)mark;
	return poll(pfd, n, timeout_ms);
#endif
}
