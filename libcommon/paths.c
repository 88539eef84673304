/* Path defaults from Kconfig with their environment overrides (see paths.h). */
#include "common.h"

static const struct {
	const char *env;
	const char *def;
} table[PATHS_COUNT] = {
	[PATHS_UNIT_DIR] = {"GATEBOX_UNIT_DIR", CONFIG_UNIT_DIR},
	[PATHS_RUN_DIR] = {"GATEBOX_RUN_DIR", CONFIG_RUN_DIR},
	[PATHS_HOSTS_ALLOW] = {"GATEBOX_HOSTS_ALLOW", CONFIG_HOSTS_ALLOW},
	[PATHS_HOSTS_DENY] = {"GATEBOX_HOSTS_DENY", CONFIG_HOSTS_DENY},
	[PATHS_SPOOL_DIR] = {"GATEBOX_SPOOL_DIR", CONFIG_SPOOL_DIR},
	[PATHS_AT_ALLOW] = {"GATEBOX_AT_ALLOW", CONFIG_AT_ALLOW},
	[PATHS_AT_DENY] = {"GATEBOX_AT_DENY", CONFIG_AT_DENY},
	[PATHS_REAL_DAEMON_DIR] = {"GATEBOX_REAL_DAEMON_DIR", CONFIG_REAL_DAEMON_DIR},
};

const char *paths_get(enum paths_id id)
{
	const char *v = getenv(table[id].env);

	return (v && *v) ? v : table[id].def;
}

const char *paths_env_name(enum paths_id id)
{
	return table[id].env;
}

const char *paths_default(enum paths_id id)
{
	return table[id].def;
}
