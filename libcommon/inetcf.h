/* Which daemon names exist, and whether they are wrapped: read from an inetd.conf (BSD and
 * BusyBox inetd format), as tcpdmatch and tcpdchk use it to warn about rules that name
 * services that do not exist or are not behind tcpd. */
#ifndef GATEBOX_INETCF_H
#define GATEBOX_INETCF_H

#include "rules.h"

enum inetcf_wrap { INETCF_UNKNOWN = -1, INETCF_NOT = 1, INETCF_MAYBE = 2, INETCF_YES = 3 };

struct inetcf_ent {
	struct inetcf_ent *next;
	enum inetcf_wrap wrap;
	char name[];
};

struct inetcf {
	struct inetcf_ent *list;
	const char *path; /* the file read, or NULL when none was found */
};

/* Read conf (NULL: /etc/inetd.conf if it exists; a directory: socketd units, gatebox's
 * extension, see inetcf.c). Diagnostics go through rq's hooks in the
 * file's own line context; real_daemon_dir is where tcpd finds bare names. Returns -1 with
 * errno only when an explicitly named file cannot be opened. */
int inetcf_read(struct inetcf *cf, const char *conf, const char *real_daemon_dir,
		struct rules_request *rq);
int inetcf_set(struct inetcf *cf, const char *name, enum inetcf_wrap wrap);
enum inetcf_wrap inetcf_get(const struct inetcf *cf, const char *name);
void inetcf_free(struct inetcf *cf);

#endif
