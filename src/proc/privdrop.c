/* signet: giving up root for good.  ISC licence, see README. */
#include "config.h"

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "proc/privdrop.h"

/*
 * Look up user and group (NULL or "": the user's login group).  Returns 0
 * with *uid and *gid set, or -1 (warned).
 */
static int
ids(const char *user, const char *group, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	struct group	*gr;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		warnx("user \"%s\": %s", user,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL && *group != '\0') {
		errno = 0;
		if ((gr = getgrnam(group)) == NULL) {
			warnx("group \"%s\": %s", group,
			    errno ? strerror(errno) : "no such group");
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/* Do all real, effective and saved ids, and the groups, say uid/gid? */
static bool
ids_are(uid_t uid, gid_t gid)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg, groups[2];
	int	n;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return false;
	if (ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid)
		return false;
	/* At most the one group: more means setgroups did not happen. */
	if ((n = getgroups(2, groups)) == -1)
		return false;
	return n == 0 || (n == 1 && groups[0] == gid);
}

int
privdrop(const char *user, const char *group)
{
	uid_t	uid;
	gid_t	gid;

	if (user == NULL || *user == '\0') {
		warnx("privdrop: no user given");
		return -1;
	}
	if (ids(user, group, &uid, &gid) == -1)
		return -1;
	if (uid == 0) {
		warnx("user \"%s\" is root: name an unprivileged user", user);
		return -1;
	}
	if (geteuid() != 0) {
		/* Started as that user already (systemd User=, su): fine. */
		if (ids_are(uid, gid))
			return 0;
		warnx("cannot become %s:%s: not running as root", user,
		    group && *group ? group : "(login group)");
		return -1;
	}
	/* Groups first: once the uid is gone, so is the right to change them. */
	if (setgroups(1, &gid) == -1) {
		warn("setgroups(%ld)", (long)gid);
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		warn("setresgid(%ld)", (long)gid);
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		warn("setresuid(%ld)", (long)uid);
		return -1;
	}
	/* Trust, but verify: a drop that did not stick is worse than none. */
	if (!ids_are(uid, gid)) {
		warnx("privilege drop to %s did not take effect", user);
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1 ||
	    (gid != 0 && (setgid(0) != -1 || setegid(0) != -1))) {
		warnx("privilege drop to %s: root could be regained", user);
		return -1;
	}
	return 0;
}

int
privdrop_config(const char *sockpath, bool allow_root)
{
	uid_t	uid;
	gid_t	gid;

	if (*cf->user == '\0') {
		if ((getuid() == 0 || geteuid() == 0) && !allow_root) {
			warnx("refusing to run as root: set user (and group) "
			    "in %s, or use -f for development",
			    cf->path ? cf->path : "the configuration");
			return -1;
		}
		if (*cf->group != '\0')
			warnx("group is set but user is not: ignoring group");
		return 0;
	}
	/*
	 * The socket was made by root: hand it to the identity we become,
	 * so socket_mode means what it says (e.g. 0660 and group www-data
	 * let the web server in).  Only root may give files away.
	 */
	if (sockpath != NULL && geteuid() == 0) {
		if (ids(cf->user, cf->group, &uid, &gid) == -1)
			return -1;
		if (chown(sockpath, uid, gid) == -1) {
			warn("chown %s", sockpath);
			return -1;
		}
	}
	return privdrop(cf->user, cf->group);
}
