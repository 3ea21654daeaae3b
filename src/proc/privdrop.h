/* signet: giving up root for good.  ISC licence, see README. */
#ifndef SIGNET_PRIVDROP_H
#define SIGNET_PRIVDROP_H

#include <stdbool.h>

/*
 * Become user, and group (NULL or "": the user's login group), for good:
 * setgroups(2) to that one group, setresgid(2), setresuid(2), then verify
 * that every id changed and that regaining root fails.  Needs root, unless
 * the process already runs as exactly that user and group (then it is a
 * no-op, e.g. under systemd's User=).  Refuses user root.  Runs before the
 * first fork, so it reports with warnx(3).  Returns 0, or -1 when the drop
 * did not happen or did not stick: the caller must exit.
 */
int	privdrop(const char *user, const char *group)
	    __attribute__((warn_unused_result));

/*
 * The daemon's policy, applied once the listening socket is open and the
 * secrets are read: with cf->user set, chown the unix socket sockpath (if
 * not NULL) to user:group and privdrop(); as root without cf->user, refuse
 * unless allow_root (-f, for development).  0, or -1 (warned): exit.
 */
int	privdrop_config(const char *sockpath, bool allow_root)
	    __attribute__((warn_unused_result));

#endif
