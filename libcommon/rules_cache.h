/* The compiled form of hosts.allow/hosts.deny for a resident process (socketd): both tables
 * parsed once, kept in memory, reloaded when a file's inode, size or mtime changes, with
 * literal addresses and IPv4 net/mask patterns indexed so that a 100,000-line table decides
 * in microseconds. It gives the same verdict and matched line as rules_access(); its
 * warnings come once per load instead of once per decision. */
#ifndef GATEBOX_RULES_CACHE_H
#define GATEBOX_RULES_CACHE_H

#include "rules.h"

#include <sys/stat.h>

struct rules_cache_rule;
struct rules_cache_key;
struct rules_cache_mask;

struct rules_cache_table {
	char *path;
	bool exists;
	int open_errno; /* open failed with something else than ENOENT: the table is in error */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct rules_cache_rule *rules;
	size_t nrules;
	bool broken; /* a broken line ended the table: no match means error */
	int broken_line;
	/* index: exact numeric client tokens, IPv4 net/mask tokens, and the rest */
	struct rules_cache_key *keys;
	size_t nkeys;
	struct rules_cache_mask *masks;
	size_t nmasks;
	size_t *generic;
	size_t ngeneric;
	char *arena;
};

struct rules_cache {
	struct rules_cache_table allow, deny;
	int watch_fd; /* inotify on both tables (rules_cache_watch), or -1 */
	bool watch_rearm; /* an event was seen: stat the tables and watch them again */
};

/* Load both tables; diagnostics of the load go through rq's hooks. 0, or -1 (ENOMEM). */
int rules_cache_init(struct rules_cache *c, const char *allow, const char *deny,
		     struct rules_request *rq);
/* Reload whichever table changed on disk; returns 1 if one was reloaded, 0, or -1. */
/* Watch both tables (inotify on them and on their directories: edits, renames over them,
 * creation and removal, through symbolic links and bind mounts), so that a refresh with
 * nothing changed costs one read instead of two stats of the paths. 0, or -1 when inotify
 * is unavailable: refreshes go on stat'ing. */
int rules_cache_watch(struct rules_cache *c);
int rules_cache_refresh(struct rules_cache *c, struct rules_request *rq);
void rules_cache_free(struct rules_cache *c);

/* One table, as rules_table_scan: RULES_YES (line in *line, options text copied into
 * opts, or opts[0] = '\0'... NULL when the rule has none), RULES_NO or RULES_ERR. */
int rules_cache_match(struct rules_cache_table *t, struct rules_request *rq, int *line,
		      const char **opts);
/* The decision, as rules_access (options of the matching rule run on a copy). */
void rules_cache_access(struct rules_cache *c, struct rules_request *rq, struct rules_result *res);

#endif
