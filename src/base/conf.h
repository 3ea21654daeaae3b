/* signet: configuration.  ISC licence, see README. */
#ifndef SIGNET_CONF_H
#define SIGNET_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/cidr.h"

/*
 * Every setting of signet.conf(5).  The table in conf.c is the one place
 * that names a key, its type, default and whether SIGHUP may change it.
 */
struct conf {
	char		*path;		/* file it came from, or NULL */

	/* process */
	char		*listen;
	long		 socket_mode;
	char		*web_server_addrs;	/* FCGI_WEB_SERVER_ADDRS */
	long		 backlog;
	long		 workers;
	char		*user;
	char		*group;
	char		*log;		/* stderr | syslog */
	bool		 debug;
	long		 shutdown_timeout;

	/* HTTP */
	long		 max_body;
	char		*public_url;
	char		*link_prefixes;
	char		**links;	/* the prefixes in force, NULL-ended */
	char		*trusted_proxies;
	struct cidrs	 proxies;	/* parsed trusted_proxies */

	/* database */
	char		*database;
	char		*db_statements;	/* prepared | unnamed */
	bool		 db_unnamed;	/* parsed db_statements: unnamed */
	char		*mailer_database;	/* "": the same as database */
	char		*sql_dir;

	/* secrets and tokens */
	char		*jwt_secret_file;
	char		*secret_file;
	long		 jwt_ttl;
	long		 session_max_age;
	char		*jwt_issuer;

	/* passwords */
	long		 scrypt_n;
	long		 scrypt_r;
	long		 scrypt_p;
	bool		 scrypt_weak_ok;
	long		 hash_concurrency;
	long		 hash_queue;
	long		 hash_wait_ms;
	long		 password_min_score;

	/* codes and links */
	long		 code_ttl;
	long		 code_max_attempts;
	long		 activation_ttl;
	char		*default_language;
	char		*templates_dir;

	/* mail */
	char		*smtp_server;
	char		*smtp_starttls;	/* no | yes | required */
	char		*smtp_user;
	char		*smtp_password_file;
	char		*mail_from;
	long		 mail_max_attempts;
	long		 mail_keep_days;

	/* throttles: 0 disables a limit */
	long		 throttle_signup_email_cooldown;
	long		 throttle_signup_email_daily;
	long		 throttle_signup_addr_hourly;
	long		 throttle_login_account_free;
	long		 throttle_login_account_hourly;
	long		 throttle_login_addr_hourly;
	long		 throttle_reset_email_cooldown;
	long		 throttle_reset_email_daily;
	long		 throttle_reset_addr_hourly;
	char		*throttle_exempt;
	struct cidrs	 exempt;	/* parsed throttle_exempt */

	/* personalities */
	char		*signup_personality;	/* auto | bedita | freesewing */
	char		*bedita_api_keys;
	char		*freesewing_confirm_url;

	/* loaded by conf_load_secrets(), never logged */
	unsigned char	*jwt_key;
	size_t		 jwt_keylen;
	unsigned char	*hmac_key;
	size_t		 hmac_keylen;
	char		*smtp_password;
};

/* The least scrypt_n accepted without scrypt_weak_ok: OWASP's N = 2^14. */
#define SCRYPT_N_FLOOR	16384

/* hash_queue = auto: as many may wait for a permit as there are permits. */
#define HASH_QUEUE_AUTO	(-1)

/* The configuration in force in this process. */
extern struct conf	*cf;

/*
 * Fill *c with the defaults, then the settings of path (NULL: defaults
 * only).  Returns 0, or -1 with a message "file:line: what" in err.
 * On failure *c is freed.  A key given twice: the later wins.
 */
int	 conf_load(struct conf *c, const char *path, char *err, size_t errsz)
	    __attribute__((warn_unused_result));

/*
 * Read jwt_secret_file, secret_file and smtp_password_file.  Refuses a
 * JWT key under 32 bytes.  Returns 0 or -1 with the reason in err.
 */
int	 conf_load_secrets(struct conf *c, char *err, size_t errsz)
	    __attribute__((warn_unused_result));

void	 conf_free(struct conf *c);

/* Copy the keys that SIGHUP may not change from old into c; warn on each. */
void	 conf_keep_fixed(struct conf *c, const struct conf *old);

/*
 * SIGHUP: read cf->path again with its secrets; on success keep the keys
 * that cannot change (with a warning each) and make it the configuration
 * in force.  On failure the old one stays.  0 or -1, logged.
 */
int	 conf_reload(void);

/* Iterate the key names (for the documentation test); NULL at the end. */
const char *conf_key_name(size_t i);

/* Is word one of the blank/comma separated words of list? */
bool	 conf_word_in(const char *list, const char *word);

#endif
