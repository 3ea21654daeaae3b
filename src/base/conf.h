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
	char		*log_format;	/* text | json */
	bool		 debug;
	long		 shutdown_timeout;

	/* HTTP */
	long		 max_body;
	char		*public_url;
	char		*link_prefixes;
	char		**links;	/* the prefixes in force, NULL-ended */
	char		*trusted_proxies;
	struct cidrs	 proxies;	/* parsed trusted_proxies */
	char		*metrics_allow;
	struct cidrs	 metrics_nets;	/* parsed metrics_allow */

	/* database */
	char		*database;
	char		*db_statements;	/* prepared | unnamed */
	bool		 db_unnamed;	/* parsed db_statements: unnamed */
	char		*mailer_database;	/* "": the same as database */
	char		*sql_dir;
	long		 audit_keep_days;	/* 0: keep for ever */

	/* secrets and tokens */
	char		*jwt_secret_file;
	char		*secret_file;
	char		*totp_key_file;	/* "": no two-factor */
	char		*totp_issuer;
	long		 jwt_ttl;
	long		 session_max_age;
	long		 reauth_window;	/* 0: off */
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
	long		 password_min_length_single_factor;

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
	long		 mail_concurrency;	/* mailer processes */
	long		 smtp_timeout_greeting;	/* s: connect, greeting, EHLO,
						   STARTTLS, AUTH */
	long		 smtp_timeout_command;	/* s: MAIL, RCPT, DATA, each
						   write of the message */
	long		 smtp_timeout_data_end;	/* s: the reply to the final
						   dot (and to QUIT) */

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
	char		*bedita_clients_file;
	char		*freesewing_confirm_url;

	/* loaded by conf_load_secrets(), never logged */
	unsigned char	*jwt_key;
	size_t		 jwt_keylen;
	unsigned char	*hmac_key;
	size_t		 hmac_keylen;
	char		*smtp_password;
	unsigned char	*totp_key;	/* NULL: no two-factor */
	size_t		 totp_keylen;
	char		*bedita_clients;	/* the file's text, or NULL */

	/* the OpenAPI document GET /api/openapi.yaml serves (conf_load()) */
	char		*openapi_file;	/* "": that path is 404 */
	char		*openapi;	/* the file's text, or NULL */
	size_t		 openapi_len;
};

/* The least scrypt_n accepted without scrypt_weak_ok: OWASP's N = 2^14. */
#define SCRYPT_N_FLOOR	16384

/* hash_queue = auto: as many may wait for a permit as there are permits. */
#define HASH_QUEUE_AUTO	(-1)

/* The configuration in force in this process. */
extern struct conf	*cf;

/*
 * Fill *c with the defaults, then the settings of path (NULL: defaults
 * only), and read openapi_file (not a secret).  Returns 0, or -1 with a
 * message "file:line: what" in err.  On failure *c is freed.  A key given
 * twice: the later wins.
 */
int	 conf_load(struct conf *c, const char *path, char *err, size_t errsz)
	    __attribute__((warn_unused_result));

/*
 * Read jwt_secret_file, secret_file, totp_key_file, smtp_password_file
 * and bedita_clients_file.  Refuses a JWT, HMAC or TOTP key under 32
 * bytes.  Returns 0 or -1 with the reason in err.
 */
int	 conf_load_secrets(struct conf *c, char *err, size_t errsz)
	    __attribute__((warn_unused_result));

/*
 * For conf.c: read a whole file that is not a secret (any mode, any owner;
 * at most 4 MiB) into a new NUL-terminated buffer (*out, *outlen).  0 or
 * -1 with "key: path: why" in err.
 */
int	 conf_read_text(const char *key, const char *path, char **out,
	    size_t *outlen, char *err, size_t errsz)
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
