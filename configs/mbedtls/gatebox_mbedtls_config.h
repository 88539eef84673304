/* gatebox's trimmed mbedtls 3.6 configuration (replaces mbedtls_config.h; build_info.h runs
 * check_config.h on it). The TLS issue grows this to what socketd's TLS termination needs;
 * until then only the version module is referenced and --gc-sections drops the rest. */
#ifndef GATEBOX_MBEDTLS_CONFIG_H
#define GATEBOX_MBEDTLS_CONFIG_H

#define MBEDTLS_VERSION_C

#endif
