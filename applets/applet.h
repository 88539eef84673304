/* What the multiplexer (applets/main.c) gives every applet. */
#ifndef GATEBOX_APPLET_H
#define GATEBOX_APPLET_H

#include <stdio.h>

#include "config.h"

/* Every enabled applet's entry point, from the generated table. */
#define APPLET(name, fn, usage) int fn(int argc, char **argv);
#include "applets.h"
#undef APPLET

/* The name the applet was called by ("tcpd", "atq", ...). */
extern const char *applet_name;

/* Print the running applet's --help text to f. */
void applet_usage(FILE *f);
/* Print the usage to stderr and exit with code (EXIT_USAGE unless the mimicked tool differs). */
_Noreturn void applet_usage_exit(int code);

#endif
