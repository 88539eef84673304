/* Unit-file enablement, as systemctl's client side does it (no manager needed): [Install]
 * WantedBy=/RequiredBy= symlinks in DIR/<target>.wants|.requires/, Alias= symlinks, Also=,
 * masking with a symlink to /dev/null, and the UnitFileState words. Paths: ROOT is a prefix
 * for an image being built ("" on the target), DIR the unit directory as the target sees it;
 * symlinks point to DIR/<unit> without ROOT, as systemctl --root makes them. */
#ifndef GATEBOX_INSTALL_H
#define GATEBOX_INSTALL_H

#include <stdbool.h>

enum install_state {
	INSTALL_NOT_FOUND,
	INSTALL_ENABLED,
	INSTALL_DISABLED,
	INSTALL_STATIC,
	INSTALL_INDIRECT,
	INSTALL_ALIAS,
	INSTALL_MASKED,
	INSTALL_BAD,
};

const char *install_state_name(enum install_state s);
/* is-enabled's exit status: does the state count as enabled? */
bool install_state_enabled(enum install_state s);

/* A change made, for the caller to report ("Created symlink L → T.", "Removed "L"."). */
typedef void install_report_fn(void *ctx, bool created, const char *link, const char *target);

/* "sshd" -> "sshd.service"; a name with a unit suffix is kept. */
void install_unit_name(const char *in, char *out, size_t size);
enum install_state install_get_state(const char *root, const char *dir, const char *name);
/* 0 done; 1 the unit has no installation config; -1 with errno (ENOENT no such unit,
 * ELOOP masked, EEXIST a different file is in the way: *conflict names it). */
int install_enable(const char *root, const char *dir, const char *name, install_report_fn *report,
		   void *ctx, char *conflict, size_t csize);
int install_disable(const char *root, const char *dir, const char *name, install_report_fn *report,
		    void *ctx);
/* mask: -1 EEXIST when a real file is there; unmask: removes only a /dev/null link. */
int install_mask(const char *root, const char *dir, const char *name, install_report_fn *report,
		 void *ctx);
int install_unmask(const char *root, const char *dir, const char *name, install_report_fn *report,
		   void *ctx);

#endif
