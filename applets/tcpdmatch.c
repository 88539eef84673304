/* tcpdmatch: predict how the TCP wrappers would handle one request, in tcp_wrappers 7.6's
 * output format, with the matched: and option: lines that Debian's build loses to syslog. */
//applet:tcpdmatch TCPDMATCH
//usage:tcpdmatch usage: tcpdmatch [-d] [-i inet_conf] daemon[@host] [user@]host
//usage:tcpdmatch 	-d: use allow/deny files in current directory
//usage:tcpdmatch 	-i: location of inetd.conf file
//config:config TCPDMATCH
//config:	bool "tcpdmatch: predict what tcpd would do for a request"
//config:	default y
//config:	help
//config:	  tcpdmatch [-d] [-i inet_conf] daemon[@host] [user@]host, as tcp_wrappers 7.6.
#include "common.h"
#include "applet.h"
#include "inetcf.h"
#include "rules.h"

#include <netdb.h>
#include <strings.h>
#include <unistd.h>

static void to_stdout(void *ctx, int prio, const char *text)
{
	(void)ctx;
	(void)prio;
	printf("%s\n", text);
}

static void trace_stdout(void *ctx, const char *text)
{
	(void)ctx;
	printf("%s\n", text);
}

static void banner_stdout(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	fwrite(text, 1, len, stdout);
}

static const struct rules_hooks hooks = {to_stdout, trace_stdout, banner_stdout};

static _Noreturn void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-d] [-i inet_conf] daemon[@host] [user@]host\n"
		"\t-d: use allow/deny files in current directory\n"
		"\t-i: location of inetd.conf file\n",
		argv0);
	exit(1);
}

static bool is_unknown(const char *s)
{
	return strcasecmp(s, RULES_UNKNOWN) == 0;
}

static bool is_numeric(const char *s)
{
	unsigned int a4;
	unsigned char a6[16];

	return rules_dot_quad(s, &a4) == 0 ||
		(ENABLE_IPV6 && strchr(s, ':') && rules_inet6(s, a6) == 0);
}

static void report(struct rules_request *rq, const char *allow, const char *deny)
{
	struct rules_result res;

	if (!is_unknown(rules_host_name(&rq->client)))
		printf("client:   hostname %s\n", rq->client.name);
	if (!is_unknown(rules_host_addr(&rq->client)))
		printf("client:   address  %s\n", rq->client.addr);
	if (!is_unknown(rules_user(rq)))
		printf("client:   username %s\n", rq->user);
	if (!is_unknown(rules_host_name(&rq->server)))
		printf("server:   hostname %s\n", rq->server.name);
	if (!is_unknown(rules_host_addr(&rq->server)))
		printf("server:   address  %s\n", rq->server.addr);
	if (!is_unknown(rq->daemon))
		printf("server:   process  %s\n", rq->daemon);
	rq->delegated = false;
	rules_access(rq, allow, deny, &res);
	if (res.fatal) {
		fflush(stdout);
		exit(0); /* tcpd would sleep 5 s first; an analysis tool need not */
	}
	printf("access:   %s\n", rq->delegated ? "delegated" : res.granted ? "granted" : "denied");
	fflush(stdout);
}

int tcpdmatch_main(int argc, char **argv)
{
	const char *allow = paths_get(PATHS_HOSTS_ALLOW), *deny = paths_get(PATHS_HOSTS_DENY);
	const char *inet_conf = NULL;
	char *daemon, *server, *client, *user = NULL;
	char unknown[] = RULES_UNKNOWN;
	struct rules_request rq;
	struct inetcf cf;
	struct addrinfo *res, *ai;
	int c;

	opt_reset();
	while ((c = opt_getopt(argc, argv, "di:")) != -1) {
		switch (c) {
		case 'd':
			allow = "hosts.allow";
			deny = "hosts.deny";
			break;
		case 'i':
			inet_conf = opt_arg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc != opt_ind + 2)
		usage(argv[0]);
	daemon = argv[opt_ind];
	client = argv[opt_ind + 1];
	server = strchr(daemon, '@');
	if (server)
		*server++ = '\0';
	else
		server = unknown;
	rules_request_init(&rq, NULL, &hooks, NULL);
	if (daemon[0] == '/') {
		rules_warn(&rq, "%s: daemon name normalized to: %s", daemon, str_basename(daemon));
		daemon = strrchr(daemon, '/') + 1;
	}
	rules_request_init(&rq, daemon, &hooks, NULL);
	rq.dry_run = true;
	rq.verbose = true;

	if (inetcf_read(&cf, inet_conf, paths_get(PATHS_REAL_DAEMON_DIR), &rq) < 0) {
		fprintf(stderr, "open %s: %s\n", inet_conf, strerror(errno));
		return 1;
	}
	inetcf_set(&cf, "portmap", INETCF_NOT);
	inetcf_set(&cf, "rpcbind", INETCF_NOT);
	switch (inetcf_get(&cf, daemon)) {
	case INETCF_UNKNOWN:
		/* Debian's prints "(null)" when it found no inetd.conf (the differential test
		 * holds us to it) */
		rules_warn(&rq, "%s: no such process name in %s", daemon,
			   cf.path ? cf.path : "(null)");
		break;
	case INETCF_NOT:
		rules_warn(&rq, "%s: service possibly not wrapped", daemon);
		break;
	default:
		break;
	}
	inetcf_free(&cf);

	/* The server: a name or an address is resolved (one address only), the words unknown
	 * and paranoid are taken as the name. */
	if (is_numeric(server) ||
	    (strcasecmp(server, RULES_UNKNOWN) != 0 && strcasecmp(server, RULES_PARANOID) != 0)) {
		int count = 0;

		if (!(res = rules_find_host(&rq, server))) {
			fflush(stdout);
			return 1;
		}
		for (ai = res; ai; ai = ai->ai_next) {
			count++;
			rules_host_set_sockaddr(&rq.server, ai->ai_addr, ai->ai_addrlen);
			if (is_unknown(rules_host_name(&rq.server)))
				rules_warn(&rq, "host address %s->name lookup failed",
					   rules_host_addr(&rq.server));
		}
		freeaddrinfo(res);
		if (count > 1) {
			fflush(stdout);
			fprintf(stderr, "Error: %s has more than one address\n", server);
			fprintf(stderr, "Please specify an address instead\n");
			return 1;
		}
	} else {
		rules_host_set_name(&rq.server, server);
	}

	/* The client: [user@]host */
	/* split at the first '@' of the argument (an empty user is no user) */
	if ((user = strchr(client, '@')) != NULL) {
		*user = '\0';
		if (*client)
			rules_set_user(&rq, client);
		client = user + 1;
	}
	if (is_numeric(client)) {
		rules_host_set_addr_text(&rq.client, client);
		report(&rq, allow, deny);
		return 0;
	}
	if (strcasecmp(client, RULES_UNKNOWN) == 0 || strcasecmp(client, RULES_PARANOID) == 0) {
		rules_host_set_name(&rq.client, client);
		report(&rq, allow, deny);
		return 0;
	}
	if (!(res = rules_find_host(&rq, client))) {
		fflush(stdout);
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		rules_host_set_sockaddr(&rq.client, ai->ai_addr, ai->ai_addrlen);
		if (is_unknown(rules_host_name(&rq.client)))
			rules_warn(&rq, "host address %s->name lookup failed",
				   rules_host_addr(&rq.client));
		report(&rq, allow, deny);
		if (ai->ai_next)
			printf("\n");
	}
	freeaddrinfo(res);
	return 0;
}
