/* signet-admin: migrations and account administration.  ISC licence. */
#include "config.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "admin/admin.h"
#include "core/event.h"
#include "core/invite.h"
#include "core/mfa.h"
#include "core/password.h"
#include "core/validate.h"
#include "db/admin.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/mail.h"
#include "db/project.h"
#include "db/user.h"

/* calibrate's default target: about DESIGN.md's N = 2^17 on our hosts. */
#define CALIBRATE_MS	250

void
admin_usage(void)
{
	fprintf(stderr,
	    "usage: signet-admin [-c file] command [arguments]\n"
	    "commands:\n"
	    "  migrate                                 apply the SQL migrations "
	    "not yet applied\n"
	    "  project create --owner USERNAME --name NAME\n"
	    "                                          create a project; prints "
	    "its gid\n"
	    "  project list                            list the projects\n"
	    "  invite --project GID --email EMAIL      invite an address to a "
	    "project; prints\n"
	    "                                          the invitee's gid\n"
	    "  user list                               list the users\n"
	    "  user disable USERNAME                   disable an account and "
	    "revoke its tokens\n"
	    "  user mfa-reset USERNAME                 turn two-factor off (a "
	    "lost device)\n"
	    "  purge                                   delete expired codes, "
	    "old mail, throttles\n"
	    "                                          and audit rows past "
	    "audit_keep_days\n"
	    "  audit [--user U] [--since T] [--json]   print the audit log "
	    "(T: a time, or an\n"
	    "                                          age: 30m, 12h, 7d)\n"
	    "  calibrate [MILLISECONDS]                print the scrypt N that "
	    "costs about that\n"
	    "                                          much per hash here "
	    "(default %d)\n", CALIBRATE_MS);
	exit(EX_USAGE);
}

static int
sql_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a whole file into a new string; NULL with errno on failure. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/*
 * Apply every sql_dir/NNNN-name.sql whose version is not recorded, in
 * order, each in its own transaction under an advisory lock so that two
 * concurrent runs do not both apply one.  Idempotent.
 */
static int
cmd_migrate(void)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**names = NULL, *path, *sql;
	size_t		  n = 0, i;
	int		  rc = 1, v, done = 0, a;

	if (!db_ready())
		errx(1, "cannot connect to the database (see above)");
	if (db_admin_migrate_init() == -1)
		errx(1, "cannot create schema_versions");
	if ((d = opendir(cf->sql_dir)) == NULL)
		err(1, "%s", cf->sql_dir);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 9 && strcmp(de->d_name + l - 4, ".sql") == 0 &&
		    sscanf(de->d_name, "%4d-", &v) == 1) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), sql_name_cmp);
	for (i = 0; i < n; i++) {
		sscanf(names[i], "%4d-", &v);
		if (db_begin() == -1 || db_admin_migrate_lock() == -1)
			goto out;
		if ((a = db_admin_migrate_applied(v)) == -1)
			goto out;
		if (a == 1) {
			db_rollback();
			continue;
		}
		path = xasprintf("%s/%s", cf->sql_dir, names[i]);
		if ((sql = slurp(path)) == NULL) {
			warn("%s", path);
			free(path);
			goto out;
		}
		free(path);
		if (db_admin_migrate_run(sql) == -1) {
			free(sql);
			warnx("%s failed; nothing of it was applied", names[i]);
			goto out;
		}
		free(sql);
		if ((a = db_admin_migrate_applied(v)) != 1) {
			warnx("%s does not record version %d in schema_versions",
			    names[i], v);
			goto out;
		}
		if (db_commit() == -1)
			goto out;
		printf("applied %s\n", names[i]);
		done++;
	}
	if (done == 0)
		printf("the database is up to date\n");
	rc = 0;
out:
	db_rollback();
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Connect, or exit: every command but calibrate needs the database. */
void
admin_need_db(void)
{
	if (!db_ready())
		errx(EX_FAIL, "cannot connect to the database (see above)");
}

/*
 * The value of option name ("--owner VALUE" or "--owner=VALUE") among
 * argv[0..argc-1], each option at most once; every argument must be one
 * of the options in names (NULL-terminated).  NULL when absent.
 */
const char *
admin_option(int argc, char *argv[], const char *const *names,
    const char *name)
{
	const char	*val = NULL, *v;
	size_t		 n, k;
	int		 i;

	for (i = 0; i < argc; i++) {
		for (k = 0; names[k] != NULL; k++) {
			n = strlen(names[k]);
			if (strncmp(argv[i], names[k], n) == 0 &&
			    (argv[i][n] == '\0' || argv[i][n] == '='))
				break;
		}
		if (names[k] == NULL)
			admin_usage();
		n = strlen(names[k]);
		if (argv[i][n] == '=')
			v = argv[i] + n + 1;
		else if (++i < argc)
			v = argv[i];
		else
			admin_usage();
		if (strcmp(names[k], name) != 0)
			continue;
		if (val != NULL)
			admin_usage();
		val = v;
	}
	return val;
}

/*
 * db_row_fn: print a listing's row, its columns separated by tabs, SQL
 * NULL as "-", control characters (tabs, newlines) as spaces.
 */
void
admin_print_row(const char *const *cols, int ncols, void *arg)
{
	const char	*s;
	int		 c;

	for (c = 0; c < ncols; c++) {
		for (s = cols[c] ? cols[c] : "-"; *s != '\0'; s++)
			putchar((unsigned char)*s < 0x20 || *s == 0x7f ?
			    ' ' : *s);
		putchar(c == ncols - 1 ? '\n' : '\t');
	}
}

/* UTF-8 code points in s (what PostgreSQL's length() counts). */
static size_t
chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int
cmd_project_create(int argc, char *argv[])
{
	static const char *const names[] = { "--owner", "--name", NULL };
	const char	*owner, *name;
	char		 gid[GID_LEN];
	int		 rc;

	owner = admin_option(argc, argv, names, "--owner");
	name = admin_option(argc, argv, names, "--name");
	if (owner == NULL || name == NULL)
		admin_usage();
	if (chars(name) < 1 || chars(name) > 200)
		errx(EX_FAIL, "a project name has 1 to 200 characters");
	admin_need_db();
	if ((rc = db_project_create(owner, name, gid)) == -1)
		errx(EX_FAIL, "could not create the project (see above)");
	if (rc == 0)
		errx(EX_FAIL, "no user has the username \"%s\"", owner);
	printf("%s\n", gid);
	return EX_OK;
}

static int
cmd_project_list(void)
{
	admin_need_db();
	if (db_project_list(admin_print_row, NULL) == -1)
		errx(EX_FAIL, "could not list the projects (see above)");
	return EX_OK;
}

static int
cmd_invite(int argc, char *argv[])
{
	static const char *const names[] = { "--project", "--email", NULL };
	const char		*project, *email;
	struct invitation	 inv;
	struct problem		 p = { 0 };
	size_t			 i;

	project = admin_option(argc, argv, names, "--project");
	email = admin_option(argc, argv, names, "--email");
	if (project == NULL || email == NULL)
		admin_usage();
	if (!validate_gid(project))
		errx(EX_FAIL, "\"%s\" is not a project gid", project);
	if (strchr(email, '@') == NULL)
		errx(EX_FAIL, "\"%s\" is not an email address", email);
	admin_need_db();
	if (invite_create(NULL, project, email, &inv, &p) == 0) {
		printf("%s\n", inv.invitee.gid);
		fprintf(stderr, "%s: %s\n", inv.status, inv.mailed ?
		    "invitation mailed" : "already a member, nothing mailed");
		invitation_free(&inv);
		return EX_OK;
	}
	switch (p.kind) {
	case PROB_FORBIDDEN:
		errx(EX_FAIL, "no active project has the gid %s", project);
	case PROB_VALIDATION:
		for (i = 0; i < p.nverrs; i++)
			warnx("%s %s", email, p.verrs[i].reason);
		return EX_FAIL;
	case PROB_INVITE_INVALID:
		errx(EX_FAIL, "%s declined this project's invitation or was "
		    "deactivated in it", email);
	default:
		errx(EX_FAIL, "could not invite %s (see above)", email);
	}
}

static int
cmd_user_list(void)
{
	admin_need_db();
	if (db_admin_user_list(admin_print_row, NULL) == -1)
		errx(EX_FAIL, "could not list the users (see above)");
	return EX_OK;
}

static int
cmd_user_disable(const char *username)
{
	struct user	u;
	int		rc, known;

	admin_need_db();
	if ((rc = db_admin_user_disable(username)) == -1)
		errx(EX_FAIL, "could not disable %s (see above)", username);
	if (rc == 1) {
		if (db_user_by_username(username, &u) == 1) {
			event_note(EV_ACCOUNT_DISABLED, OUT_OK, u.id, u.gid);
			db_user_free(&u);
		}
		fprintf(stderr, "%s disabled; its tokens are revoked\n",
		    username);
		return EX_OK;
	}
	if ((known = db_user_name_taken(username)) == -1)
		errx(EX_FAIL, "database error (see above)");
	if (!known)
		errx(EX_FAIL, "no user has the username \"%s\"", username);
	fprintf(stderr, "%s was disabled already\n", username);
	return EX_OK;
}

static int
cmd_user_mfa_reset(const char *username)
{
	struct problem	 p = { 0 };
	struct user	 u;
	int		 found;

	admin_need_db();
	if ((found = db_user_by_username(username, &u)) == -1)
		errx(EX_FAIL, "database error (see above)");
	if (!found)
		errx(EX_FAIL, "no user has the username \"%s\"", username);
	if (!u.totp_enabled) {
		fprintf(stderr, "%s has no two-factor\n", username);
		db_user_free(&u);
		return EX_OK;
	}
	if (mfa_reset(u.id, &p) == -1)
		errx(EX_FAIL, "could not reset two-factor of %s (see above)",
		    username);
	fprintf(stderr, "two-factor of %s is off; its owner was told\n",
	    username);
	db_user_free(&u);
	return EX_OK;
}

static int
cmd_purge(void)
{
	long long	 pending, confs, mails, throttles, drafts, events;

	admin_need_db();
	if (db_admin_purge_pending(&pending) == -1 ||
	    db_admin_purge_confirmations(&confs) == -1 ||
	    db_admin_purge_drafts(&drafts) == -1 ||
	    db_mail_purge(cf->mail_keep_days, &mails) == -1 ||
	    db_admin_purge_throttles(&throttles) == -1 ||
	    db_audit_purge(cf->audit_keep_days, &events) == -1)
		errx(EX_FAIL, "purge failed (see above)");
	printf("deleted %lld expired pending signups, %lld used or expired "
	    "confirmations, %lld mails older than %ld days, %lld idle "
	    "throttles, %lld drafts without a usable link, ", pending, confs,
	    mails, cf->mail_keep_days, throttles, drafts);
	if (cf->audit_keep_days > 0)
		printf("%lld audit rows older than %ld days\n", events,
		    cf->audit_keep_days);
	else
		printf("no audit rows (audit_keep_days = 0 keeps them)\n");
	return EX_OK;
}

static int
cmd_calibrate(const char *arg)
{
	double	 target = CALIBRATE_MS, ms;
	char	*end;
	long	 n;

	if (arg != NULL) {
		errno = 0;
		target = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' || target < 1 ||
		    target > 60000)
			errx(EX_USAGE, "calibrate: the target is 1 to 60000 "
			    "milliseconds");
	}
	if (password_calibrate(target, cf->scrypt_r, cf->scrypt_p, &n,
	    &ms) == -1)
		errx(EX_FAIL, "calibrate: no N up to 1 GiB of memory hashes "
		    "within %.0f ms with r = %ld, p = %ld", target, cf->scrypt_r,
		    cf->scrypt_p);
	printf("%ld\n", n);
	fprintf(stderr, "scrypt_n = %ld: one hash takes %.0f ms here "
	    "(r = %ld, p = %ld, target %.0f ms, %ld MiB each)\n", n, ms,
	    cf->scrypt_r, cf->scrypt_p, target,
	    (long)((128.0 * (double)cf->scrypt_r * (double)n) / 1048576.0));
	return EX_OK;
}

static int	command(int, char *[]);

int
main(int argc, char *argv[])
{
	const char	*path;
	char		 msg[512];
	int		 ch, rc;

	if ((path = getenv("SIGNET_CONFIG")) == NULL)
		path = SYSCONFDIR "/signet/signet.conf";
	while ((ch = getopt(argc, argv, "+c:h")) != -1)
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			admin_usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		admin_usage();
	log_init("signet-admin", 0);
	cf = xcalloc(1, sizeof(*cf));
	if (conf_load(cf, path, msg, sizeof(msg)) == -1)
		errx(EX_FAIL, "%s", msg);
	/* What a command changes goes to the audit log as the admin's. */
	event_begin(&(struct event_origin){ .personality = "admin",
	    .agent = "signet-admin" });
	rc = command(argc, argv);
	event_flush();
	return rc;
}

/* Run the command argv[0] with its arguments.  Returns the exit status. */
static int
command(int argc, char *argv[])
{
	if (strcmp(argv[0], "migrate") == 0 && argc == 1)
		return cmd_migrate();
	if (strcmp(argv[0], "project") == 0 && argc >= 2) {
		if (strcmp(argv[1], "create") == 0)
			return cmd_project_create(argc - 2, argv + 2);
		if (strcmp(argv[1], "list") == 0 && argc == 2)
			return cmd_project_list();
	}
	if (strcmp(argv[0], "invite") == 0)
		return cmd_invite(argc - 1, argv + 1);
	if (strcmp(argv[0], "user") == 0 && argc >= 2) {
		if (strcmp(argv[1], "list") == 0 && argc == 2)
			return cmd_user_list();
		if (strcmp(argv[1], "disable") == 0 && argc == 3)
			return cmd_user_disable(argv[2]);
		if (strcmp(argv[1], "mfa-reset") == 0 && argc == 3)
			return cmd_user_mfa_reset(argv[2]);
	}
	if (strcmp(argv[0], "purge") == 0 && argc == 1)
		return cmd_purge();
	if (strcmp(argv[0], "audit") == 0)
		return audit_command(argc - 1, argv + 1);
	if (strcmp(argv[0], "calibrate") == 0 && argc <= 2)
		return cmd_calibrate(argc == 2 ? argv[1] : NULL);
	admin_usage();
	return EX_USAGE;
}
