/* System calls without libc: no errno (it lives in the thread's TLS, which a child sharing
 * the parent's memory must not write), no code outside the caller's own pages. Each returns
 * the kernel's result: a value, or -errno. RAW_SYSCALLS is 0 where no inline form exists
 * (Thumb code keeps r7, the syscall number's register, for its frame pointer): callers then
 * use libc. */
#ifndef GATEBOX_RAWSYS_H
#define GATEBOX_RAWSYS_H

#include <sys/syscall.h>

#if defined(__x86_64__)
#define RAW_SYSCALLS 1
static inline long raw_syscall(long nr, long a, long b, long c, long d, long e)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define RAW_SYSCALLS 1
static inline long raw_syscall(long nr, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
}
#elif defined(__arm__) && !defined(__thumb__)
#define RAW_SYSCALLS 1
static inline long raw_syscall(long nr, long a, long b, long c, long d, long e)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r3 __asm__("r3") = d;
	register long r4 __asm__("r4") = e;

	__asm__ volatile("svc 0"
			 : "+r"(r0)
			 : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4)
			 : "memory");
	return r0;
}
#else
#define RAW_SYSCALLS 0
#endif

/* 32-bit ARM's original identity calls take 16-bit ids; libc uses the *32 ones */
#ifdef SYS_setuid32
#define RAW_SYS_setuid SYS_setuid32
#define RAW_SYS_setgid SYS_setgid32
#define RAW_SYS_setgroups SYS_setgroups32
#else
#define RAW_SYS_setuid SYS_setuid
#define RAW_SYS_setgid SYS_setgid
#define RAW_SYS_setgroups SYS_setgroups
#endif

#define raw_sys0(nr) raw_syscall((nr), 0, 0, 0, 0, 0)
#define raw_sys1(nr, a) raw_syscall((nr), (long)(a), 0, 0, 0, 0)
#define raw_sys2(nr, a, b) raw_syscall((nr), (long)(a), (long)(b), 0, 0, 0)
#define raw_sys3(nr, a, b, c) raw_syscall((nr), (long)(a), (long)(b), (long)(c), 0, 0)
#define raw_sys4(nr, a, b, c, d) raw_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0)
#define raw_failed(r) ((unsigned long)(r) > -4096UL)

#endif
