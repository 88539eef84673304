/* The floor for tests/bench/socketd.sh: the least an inetd can do. Listens on
 * 127.0.0.1:PORT, accepts, starts PROGRAM with the connection as stdin and stdout, closes
 * its copy, reaps what has exited, loops. No limits, no environment, no logging.
 *   rawloop posix_spawn|vfork|fork|clone PORT PROGRAM
 * clone: CLONE_VM without CLONE_VFORK, the child on a stack of its own and raw system
 * calls, freed once the kernel clears its tid at exec (the way socketd spawns instances):
 * vfork's cost without waiting for the exec. x86_64 only (inline syscall).
 * Built static (musl-gcc -Os). Runs until killed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char path_env[] = "PATH=/usr/bin:/bin";
static char *const envp[] = {path_env, NULL};
static int mode; /* file scope: untouched by the vfork child, so not clobbered */
static char *args[2];

#if defined(__x86_64__)
static long raw3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

struct block {
	struct block *next;
	int fd;
	volatile pid_t tid; /* cleared by the kernel at the child's exec or exit */
	_Alignas(16) char stack[16384];
};
static struct block *busy, *spare;

static int clone_child(void *arg)
{
	struct block *b = arg;

	raw3(SYS_dup2, b->fd, 0, 0);
	raw3(SYS_dup2, b->fd, 1, 0);
	raw3(SYS_execve, (long)args[0], (long)args, (long)envp);
	raw3(SYS_exit_group, 127, 0, 0);
	return 0;
}

static pid_t clone_spawn(int fd)
{
	struct block *b;
	pid_t pid;

	for (struct block **p = &busy; *p;) { /* blocks whose child has exec'd are free */
		if ((*p)->tid == 0) {
			struct block *d = *p;

			*p = d->next;
			d->next = spare;
			spare = d;
		} else {
			p = &(*p)->next;
		}
	}
	if ((b = spare) != NULL)
		spare = b->next;
	else if ((b = malloc(sizeof(*b))) == NULL)
		return -1;
	b->fd = fd;
	b->tid = -1;
	pid = clone(clone_child, b->stack + sizeof(b->stack), CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD,
		    b, NULL, NULL, &b->tid);
	if (pid < 0) {
		b->next = spare;
		spare = b;
		return -1;
	}
	b->next = busy;
	busy = b;
	return pid;
}
#else
static pid_t clone_spawn(int fd)
{
	(void)fd;
	return -1;
}
#endif

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int lfd, one = 1;

	if (argc != 4)
		return 2;
	if (strcmp(argv[1], "posix_spawn") == 0)
		mode = 0;
	else if (strcmp(argv[1], "vfork") == 0)
		mode = 1;
	else if (strcmp(argv[1], "fork") == 0)
		mode = 2;
	else if (strcmp(argv[1], "clone") == 0)
		mode = 3;
	else
		return 2;
	args[0] = argv[3];
	args[1] = NULL;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1024) < 0) {
		perror("rawloop: listen");
		return 1;
	}
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid = -1;

		if (fd < 0)
			continue;
		if (mode == 0) {
			posix_spawn_file_actions_t fa;

			posix_spawn_file_actions_init(&fa);
			posix_spawn_file_actions_adddup2(&fa, fd, 0);
			posix_spawn_file_actions_adddup2(&fa, fd, 1);
			if (posix_spawn(&pid, args[0], &fa, NULL, args, envp) != 0)
				pid = -1;
			posix_spawn_file_actions_destroy(&fa);
		} else if (mode == 3) {
			pid = clone_spawn(fd);
		} else {
			pid = mode == 1 ? vfork() : fork();
			if (pid == 0) {
				dup2(fd, 0);
				dup2(fd, 1);
				execve(args[0], args, envp);
				_exit(127);
			}
		}
		close(fd);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
