/* Paths on the target: the Kconfig default, unless the documented environment variable
 * (DESIGN.md, "Files on the target") is set to a non-empty value. */
#ifndef GATEBOX_PATHS_H
#define GATEBOX_PATHS_H

enum paths_id {
	PATHS_UNIT_DIR,
	PATHS_RUN_DIR,
	PATHS_HOSTS_ALLOW,
	PATHS_HOSTS_DENY,
	PATHS_SPOOL_DIR,
	PATHS_AT_ALLOW,
	PATHS_AT_DENY,
	PATHS_REAL_DAEMON_DIR,
	PATHS_COUNT
};

const char *paths_get(enum paths_id id);
/* The environment variable that overrides id. */
const char *paths_env_name(enum paths_id id);
/* The compiled-in default of id. */
const char *paths_default(enum paths_id id);

#endif
