/* %-expansion of option values and banners (hosts_access(5) "% EXPANSIONS"). Every byte an
 * expansion contributes outside tcp_wrappers' safe set becomes '_' before anything can reach
 * a shell; the rule's own literal text is left as the admin wrote it. */
#include "common.h"
#include "rules.h"

#include <unistd.h>

int rules_expand(struct rules_request *rq, const char *in, char *out, size_t size)
{
	char tmp[RULES_EXPAND_MAX];
	size_t used = 0;

	while (*in) {
		const char *piece;
		char num[24];
		size_t len;

		if (in[0] == '%' && in[1] != '\0') {
			char ch = in[1];

			in += 2;
			switch (ch) {
			case 'a':
				piece = rules_host_addr(&rq->client);
				break;
			case 'A':
				piece = rules_host_addr(&rq->server);
				break;
			case 'c':
				piece = rules_client(rq);
				break;
			case 'd':
				piece = rq->daemon;
				break;
			case 'h':
				piece = rules_host_info(&rq->client);
				break;
			case 'H':
				piece = rules_host_info(&rq->server);
				break;
			case 'n':
				piece = rules_host_name(&rq->client);
				break;
			case 'N':
				piece = rules_host_name(&rq->server);
				break;
			case 'p':
				snprintf(num, sizeof(num), "%ld", (long)getpid());
				piece = num;
				break;
			case 'r':
				snprintf(num, sizeof(num), "%u", rules_host_port(&rq->client));
				piece = num;
				break;
			case 'R':
				snprintf(num, sizeof(num), "%u", rules_host_port(&rq->server));
				piece = num;
				break;
			case 's':
				piece = rules_server(rq);
				break;
			case 'u':
				piece = rules_user(rq);
				break;
			case '%':
				piece = "%";
				break;
			default:
				rules_warn(rq, "unrecognized %%%c", ch);
				piece = "";
				break;
			}
			str_copy(tmp, sizeof(tmp), piece);
			rules_sanitize(tmp);
			piece = tmp;
			len = strlen(tmp);
		} else {
			piece = in++;
			len = 1;
		}
		/* libwrap keeps one byte spare besides the terminator */
		if (used + len + 1 >= size) {
			out[used] = '\0';
			rules_warn(rq, "percent_x: expansion too long: %.30s...", out);
			errno = E2BIG;
			return -1;
		}
		memcpy(out + used, piece, len);
		used += len;
	}
	out[used] = '\0';
	return 0;
}
