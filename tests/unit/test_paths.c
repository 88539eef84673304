/* libcommon paths: Kconfig defaults, overridden by non-empty environment variables. */
#include "common.h"
#include "harness.h"

int main(void)
{
	UNIT_MODULE("paths");
	unsetenv("GATEBOX_HOSTS_ALLOW");
	CHECK_STR("default is the Kconfig string", paths_get(PATHS_HOSTS_ALLOW),
		  CONFIG_HOSTS_ALLOW);
	setenv("GATEBOX_HOSTS_ALLOW", "/tmp/x.allow", 1);
	CHECK_STR("environment overrides", paths_get(PATHS_HOSTS_ALLOW), "/tmp/x.allow");
	setenv("GATEBOX_HOSTS_ALLOW", "", 1);
	CHECK_STR("empty variable means default", paths_get(PATHS_HOSTS_ALLOW), CONFIG_HOSTS_ALLOW);
	CHECK_STR("env name of the unit dir", paths_env_name(PATHS_UNIT_DIR), "GATEBOX_UNIT_DIR");
	CHECK_STR("env name of the spool", paths_env_name(PATHS_SPOOL_DIR), "GATEBOX_SPOOL_DIR");
	for (int id = 0; id < PATHS_COUNT; id++)
		CHECK(paths_env_name(id), paths_default(id)[0] == '/');
	return unit_done();
}
