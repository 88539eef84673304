/* tcpd: the TCP wrapper for inetd-style services. Started by inetd with the connection on
 * fd 0 and argv[0] naming the real daemon (/usr/sbin/tcpd linked to gatebox, argv[0]
 * "in.telnetd"), it asks hosts.allow/hosts.deny, logs to syslog, then execs the daemon or
 * drops the connection. Works under socketd, BusyBox inetd and xinetd (NAMEINARGS). */
//applet:tcpd TCPD
//usage:tcpd Usage: (from inetd) /usr/sbin/tcpd with argv[0] = DAEMON [ARGS...]
//usage:tcpd        tcpd DAEMON [ARGS...]
//usage:tcpd Checks the client on fd 0 against hosts.allow and hosts.deny, logs the decision
//usage:tcpd to syslog (facility daemon) and runs DAEMON (a bare name is looked up in the
//usage:tcpd real daemon directory) or drops the connection.
//config:config TCPD
//config:	bool "tcpd: access control for inetd-style services"
//config:	default y
//config:	help
//config:	  The tcp_wrappers 7.6 tcpd, with hosts_options(5), as Debian builds it.
#include "common.h"
#include "applet.h"
#include "rules.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void to_syslog(void *ctx, int prio, const char *text)
{
	(void)ctx;
	syslog(prio, "%s", text);
}

static const struct rules_hooks hooks = {to_syslog, NULL, NULL};

/* After a refusal: swallow what a datagram client sent, pause (a client retrying in a loop
 * gets nothing faster), exit as tcp_wrappers' clean_exit does. */
static _Noreturn void clean_exit(const struct rules_request *rq)
{
	if (rq->udp) {
		char buf[512];

		while (recv(0, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	}
	sleep(5);
	exit(0);
}

/* IPv4 source routing lets a client claim another address: refuse such connections. */
static bool source_routed(int fd)
{
	unsigned char opt[40];
	socklen_t len = sizeof(opt);

	if (getsockopt(fd, IPPROTO_IP, IP_OPTIONS, opt, &len) < 0 || len == 0)
		return false;
	for (socklen_t i = 0; i < len;) {
		unsigned char type = opt[i];

		if (type == IPOPT_EOL)
			break;
		if (type == IPOPT_NOP) {
			i++;
			continue;
		}
		if (type == IPOPT_LSRR || type == IPOPT_SSRR)
			return true;
		if (i + 1 >= len || opt[i + 1] < 2)
			break;
		i += opt[i + 1];
	}
	return false;
}

int tcpd_main(int argc, char **argv)
{
	const char *name = str_basename(argv[0]);
	char path[4096];
	struct rules_request rq;
	struct rules_result res;

	/* "tcpd DAEMON ARGS" (gatebox tcpd ..., a unit's ExecStart): the daemon is the argument */
	if (strcmp(name, "tcpd") == 0) {
		if (argc < 2)
			applet_usage_exit(EXIT_USAGE);
		argv++;
		argc--;
		name = str_basename(argv[0]);
	}
	umask(022);
	if (argv[0][0] == '/')
		str_copy(path, sizeof(path), argv[0]);
	else if (str_printf(path, sizeof(path), "%s/%s", paths_get(PATHS_REAL_DAEMON_DIR),
			    argv[0]) < 0)
		die(EXIT_USAGE, "%s: path too long", argv[0]);
	log_open(name, true, LOG_DAEMON);

	rules_request_init(&rq, name, &hooks, NULL);
	if (rules_request_from_fd(&rq, 0) < 0) {
		/* not a socket: nothing to check against, as libwrap, refuse */
		syslog(LOG_ERR, "error: can't get client address: %m");
		clean_exit(&rq);
	}
	if (rq.client.sa.ss_family == AF_INET && source_routed(0)) {
		syslog(LOG_WARNING, "refused connect from %s with IP source routing options",
		       rules_client(&rq));
		shutdown(0, SHUT_RDWR);
		clean_exit(&rq);
	}
	rules_access(&rq, paths_get(PATHS_HOSTS_ALLOW), paths_get(PATHS_HOSTS_DENY), &res);
	if (res.fatal)
		clean_exit(&rq);
	if (!res.granted) {
		syslog(rq.deny_severity, "refused connect from %s (%s)", rules_client(&rq),
		       rules_host_addr(&rq.client));
		clean_exit(&rq);
	}
	syslog(rq.allow_severity, "connect from %s (%s)", rules_client(&rq),
	       rules_host_addr(&rq.client));
	argv[0] += name - argv[0]; /* the daemon sees its basename, as under tcp_wrappers */
	closelog();
	execv(path, argv);
	log_open(name, true, LOG_DAEMON);
	syslog(LOG_ERR, "error: cannot execute %s: %m", path);
	clean_exit(&rq);
}
