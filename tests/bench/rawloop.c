/* The floor for tests/bench/socketd.sh: the least an inetd can do. Listens on
 * 127.0.0.1:PORT, accepts, starts PROGRAM with the connection as stdin and stdout, closes
 * its copy, reaps what has exited, loops. No limits, no environment, no logging.
 *   rawloop posix_spawn|vfork|fork PORT PROGRAM
 * Built static (musl-gcc -Os). Runs until killed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char path_env[] = "PATH=/usr/bin:/bin";
static char *const envp[] = {path_env, NULL};
static int mode; /* file scope: untouched by the vfork child, so not clobbered */

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	char *args[2];
	int lfd, one = 1;

	if (argc != 4)
		return 2;
	if (strcmp(argv[1], "posix_spawn") == 0)
		mode = 0;
	else if (strcmp(argv[1], "vfork") == 0)
		mode = 1;
	else if (strcmp(argv[1], "fork") == 0)
		mode = 2;
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
