/* sup_spawn's identity: the child runs with exactly the uid and gid asked for, also above
 * INT_MAX (a uid_t of 3000000000 once became -1, "keep": the child stayed root), and both
 * ways of spawning (vfork for services, detached for Accept=yes instances) agree. As root
 * only (setuid needs it); otherwise the checks are skipped. */
#include "common.h"
#include "sup.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* runs `id -u; id -g` as uid/gid; its output in out */
static int spawn_id(long long uid, long long gid, bool detached, char *out, size_t size)
{
	char sh[] = "/bin/sh", c[] = "-c", cmd[] = "id -u; id -g", path[] = "PATH=/usr/bin:/bin";
	char *argv[] = {sh, c, cmd, NULL};
	char *envp[] = {path, NULL};
	gid_t none[1] = {0};
	struct sup_spawn s;
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	sup_spawn_init(&s);
	s.path = argv[0];
	s.argv = argv;
	s.envp = envp;
	s.stdio[1] = p[1];
	s.uid = uid;
	s.gid = gid;
	s.groups = none;
	s.ngroups = 0;
	s.detached = detached;
	pid = sup_spawn(&s);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	while (got < (ssize_t)size - 1 && (n = read(p[0], out + got, size - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	sup_spawn_sweep();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(void)
{
	char out[128];

	UNIT_MODULE("sup");
	if (geteuid() != 0) {
		printf("SKIP: unit/sup: identity checks need root\n");
		return unit_done();
	}
	CHECK("vfork: uid and gid 65534",
	      spawn_id(65534, 65534, false, out, sizeof(out)) == 0 &&
		      strcmp(out, "65534\n65534\n") == 0);
	CHECK("vfork: uid and gid 3000000000 (above INT_MAX), not root's",
	      spawn_id(3000000000LL, 3000000001LL, false, out, sizeof(out)) == 0 &&
		      strcmp(out, "3000000000\n3000000001\n") == 0);
	CHECK("detached: uid and gid 3000000000 (above INT_MAX), not root's",
	      spawn_id(3000000000LL, 3000000001LL, true, out, sizeof(out)) == 0 &&
		      strcmp(out, "3000000000\n3000000001\n") == 0);
	CHECK("-1 keeps the caller's identity (root)",
	      spawn_id(-1, -1, false, out, sizeof(out)) == 0 && strcmp(out, "0\n0\n") == 0);
	sup_spawn_release();
	return unit_done();
}
