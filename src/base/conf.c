/* signet: configuration.  ISC licence, see README. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"

struct conf	*cf;

enum cftype {
	CF_STR,		/* any text, may be empty */
	CF_WORD,	/* one of the words of cfkey.words */
	CF_INT,		/* decimal, 0x hex or 0 octal within [min, max] */
	CF_BOOL,	/* yes/no, true/false, on/off, 1/0 */
};

struct cfkey {
	const char	*name;
	enum cftype	 type;
	size_t		 off;
	const char	*def;		/* parsed by the same code as the file */
	long		 min, max;
	bool		 reload;	/* may SIGHUP change it? */
	const char	*words;		/* CF_WORD: the choices, by spaces */
};

#define S(k, d, r)		{ #k, CF_STR, offsetof(struct conf, k), d, 0, 0, r, NULL }
#define I(k, d, lo, hi, r)	{ #k, CF_INT, offsetof(struct conf, k), d, lo, hi, r, NULL }
#define W(k, d, w, r)		{ #k, CF_WORD, offsetof(struct conf, k), d, 0, 0, r, w }
#define B(k, d, r)		{ #k, CF_BOOL, offsetof(struct conf, k), d, 0, 0, r, NULL }

/*
 * The configuration keys.  "auto" is accepted by workers (4 x cores) and
 * hash_concurrency (cores).  Keep signet.conf(5) in step: a test checks it.
 */
static const struct cfkey keys[] = {
	S(listen, "unix:" LOCALSTATEDIR "/run/signet/signet.sock", false),
	I(socket_mode, "0660", 0, 0777, false),
	S(web_server_addrs, "", false),
	I(backlog, "128", 1, 65535, false),
	I(workers, "auto", 0, 1024, true),
	S(user, "", false),
	S(group, "", false),
	W(log, "stderr", "stderr syslog", false),
	W(log_format, "text", "text json", true),
	B(debug, "no", true),
	I(shutdown_timeout, "30", 1, 3600, true),

	I(max_body, "65536", 256, 16777216, true),
	S(public_url, "http://127.0.0.1:8080", true),
	S(link_prefixes, "", true),
	S(trusted_proxies, "", true),
	S(metrics_allow, "127.0.0.0/8, ::1", true),

	S(database, "dbname=signet", true),
	W(db_statements, "prepared", "prepared unnamed", true),
	S(mailer_database, "", true),
	S(sql_dir, PKGDATADIR "/sql", true),
	I(audit_keep_days, "180", 0, 36500, true),

	S(jwt_secret_file, SYSCONFDIR "/signet/jwt.key", true),
	S(secret_file, SYSCONFDIR "/signet/hmac.key", true),
	S(totp_key_file, "", true),
	S(totp_issuer, "signet", true),
	I(jwt_ttl, "3600", 2, 31536000, true),
	I(session_max_age, "2592000", 2, 315360000, true),
	I(reauth_window, "900", 0, 315360000, true),
	S(jwt_issuer, "signet", true),

	I(scrypt_n, "131072", 2, 1L << 24, true),
	I(scrypt_r, "8", 1, 64, true),
	I(scrypt_p, "1", 1, 64, true),
	B(scrypt_weak_ok, "no", true),
	I(hash_concurrency, "auto", 1, 1024, false),
	I(hash_queue, "auto", 0, 4096, false),
	I(hash_wait_ms, "2000", 1, 600000, true),
	I(password_min_score, "3", 0, 4, true),
	I(password_min_length_single_factor, "8", 8, 1024, true),

	I(code_ttl, "900", 1, 86400, true),
	I(code_max_attempts, "5", 1, 100, true),
	I(activation_ttl, "86400", 1, 2592000, true),
	S(default_language, "en", true),
	S(templates_dir, PKGDATADIR "/templates", true),

	S(smtp_server, "127.0.0.1:25", true),
	W(smtp_starttls, "no", "no yes required", true),
	S(smtp_user, "", true),
	S(smtp_password_file, "", true),
	S(mail_from, "signet@localhost", true),
	I(mail_max_attempts, "10", 1, 1000, true),
	I(mail_keep_days, "30", 0, 36500, true),
	I(mail_concurrency, "2", 0, 64, true),
	I(smtp_timeout_greeting, "10", 1, 600, true),
	I(smtp_timeout_command, "10", 1, 600, true),
	I(smtp_timeout_data_end, "30", 1, 1200, true),

	I(throttle_signup_email_cooldown, "60", 0, 86400, true),
	I(throttle_signup_email_daily, "10", 0, 1000000, true),
	I(throttle_signup_addr_hourly, "100", 0, 1000000, true),
	I(throttle_login_account_free, "5", 0, 1000000, true),
	I(throttle_login_account_hourly, "100", 0, 1000000, true),
	I(throttle_login_addr_hourly, "1000", 0, 1000000, true),
	I(throttle_reset_email_cooldown, "60", 0, 86400, true),
	I(throttle_reset_email_daily, "10", 0, 1000000, true),
	I(throttle_reset_addr_hourly, "100", 0, 1000000, true),
	S(throttle_exempt, "", true),

	W(signup_personality, "auto", "auto bedita freesewing", true),
	S(bedita_api_keys, "", true),
	S(bedita_clients_file, "", true),
	S(freesewing_confirm_url, "http://127.0.0.1:8080", true),

	S(openapi_file, "", true),
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

const char *
conf_key_name(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

static long
ncores(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n;
}

/* "KEY: expected a, b or c" into err, from k's words.  Returns -1. */
static int
expected(const struct cfkey *k, char *err, size_t errsz)
{
	const char	*w = k->words, *sep;
	size_t		 n, len;

	len = (size_t)snprintf(err, errsz, "%s: expected ", k->name);
	while (*w != '\0' && len < errsz) {
		n = strcspn(w, " ");
		sep = w[n] == '\0' ? "" : strchr(w + n + 1, ' ') ? ", " : " or ";
		len += (size_t)snprintf(err + len, errsz - len, "%.*s%s",
		    (int)n, w, sep);
		w += n + (w[n] != '\0');
	}
	return -1;
}

/* Set key k of c from text v.  Returns 0, or -1 with a reason in err. */
static int
set_key(struct conf *c, const struct cfkey *k, const char *v, char *err,
    size_t errsz)
{
	char	*end, **sp;
	long	 n;
	void	*slot = (char *)c + k->off;

	switch (k->type) {
	case CF_WORD:
		if (!conf_word_in(k->words, v))
			return expected(k, err, errsz);
		/* FALLTHROUGH */
	case CF_STR:
		sp = slot;
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case CF_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") ||
		    !strcmp(v, "on") || !strcmp(v, "1"))
			*(bool *)slot = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") ||
		    !strcmp(v, "off") || !strcmp(v, "0"))
			*(bool *)slot = false;
		else {
			snprintf(err, errsz, "%s: expected yes or no", k->name);
			return -1;
		}
		return 0;
	case CF_INT:
		if (strcmp(v, "auto") == 0 && !strcmp(k->name, "hash_queue")) {
			*(long *)slot = HASH_QUEUE_AUTO;
			return 0;
		}
		if (strcmp(v, "auto") == 0 &&
		    (!strcmp(k->name, "workers") ||
		    !strcmp(k->name, "hash_concurrency"))) {
			n = ncores();
			if (!strcmp(k->name, "workers"))
				n *= 4;
		} else {
			errno = 0;
			n = strtol(v, &end, 0);
			if (*v == '\0' || *end != '\0' || errno != 0) {
				snprintf(err, errsz, "%s: not a number", k->name);
				return -1;
			}
		}
		if (n < k->min || n > k->max) {
			snprintf(err, errsz, "%s: %ld is outside %ld..%ld",
			    k->name, n, k->min, k->max);
			return -1;
		}
		*(long *)slot = n;
		return 0;
	}
	return -1;
}

static const struct cfkey *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/*
 * Is the host of a TCP listen spec ("HOST:PORT", "[V6]:PORT") a loopback
 * address?  An empty host or a wildcard is not.
 */
static bool
loopback_listen(const char *spec)
{
	size_t	n = (size_t)(strrchr(spec, ':') - spec);

	return (n >= 4 && strncmp(spec, "127.", 4) == 0) ||
	    (n == 9 && strncmp(spec, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(spec, "[::1]", 5) == 0);
}

/*
 * The prefixes a mailed link may start with (link_prefixes), or when it
 * is empty the origin of public_url ("scheme://host[:port]"), into
 * c->links (NULL-terminated).  0, or -1 with err on a word that is not
 * "scheme://...".
 */
static int
links_parse(struct conf *c, char *err, size_t errsz)
{
	const char	*s = c->link_prefixes, *w, *sep;
	size_t		 n = 0, len;

	c->links = xcalloc(strlen(s) / 2 + 2, sizeof(*c->links));
	for (;;) {
		s += strspn(s, ", \t");
		if (*s == '\0')
			break;
		len = strcspn(s, ", \t");
		if ((sep = strstr(s, "://")) == NULL || sep >= s + len ||
		    sep == s) {
			snprintf(err, errsz, "link_prefixes: \"%.*s\" is not "
			    "scheme://...", (int)(len > 60 ? 60 : len), s);
			return -1;
		}
		c->links[n++] = xstrndup(s, len);
		s += len;
	}
	if (n == 0) {
		w = c->public_url;
		if ((sep = strstr(w, "://")) == NULL) {
			snprintf(err, errsz, "public_url: expected "
			    "scheme://host[:port][/path]");
			return -1;
		}
		c->links[n++] = xstrndup(w, (size_t)(sep + 3 - w) +
		    strcspn(sep + 3, "/?#"));
	}
	return 0;
}

/* Checks across keys, and parsing of derived values.  0 or -1 + err. */
static int
conf_finish(struct conf *c, char *err, size_t errsz)
{
	const char	*bad;

	if (cidrs_parse(&c->proxies, c->trusted_proxies, &bad) == -1) {
		snprintf(err, errsz, "trusted_proxies: bad address range "
		    "near \"%.40s\"", bad);
		return -1;
	}
	if (cidrs_parse(&c->exempt, c->throttle_exempt, &bad) == -1) {
		snprintf(err, errsz, "throttle_exempt: bad address range "
		    "near \"%.40s\"", bad);
		return -1;
	}
	if (cidrs_parse(&c->metrics_nets, c->metrics_allow, &bad) == -1) {
		snprintf(err, errsz, "metrics_allow: bad address range "
		    "near \"%.40s\"", bad);
		return -1;
	}
	if (c->scrypt_n & (c->scrypt_n - 1)) {
		snprintf(err, errsz, "scrypt_n: %ld is not a power of two",
		    c->scrypt_n);
		return -1;
	}
	if (c->scrypt_n < SCRYPT_N_FLOOR && !c->scrypt_weak_ok) {
		snprintf(err, errsz, "scrypt_n: %ld is below %d, the least "
		    "OWASP accepts (scrypt_weak_ok = yes allows it, for tests)",
		    c->scrypt_n, SCRYPT_N_FLOOR);
		return -1;
	}
	if (c->socket_mode & 0002) {
		snprintf(err, errsz, "socket_mode: %04lo lets every local user "
		    "write to the socket; give the web server a group (0660)",
		    (unsigned long)c->socket_mode);
		return -1;
	}
	if (c->hash_queue == HASH_QUEUE_AUTO)
		c->hash_queue = c->hash_concurrency;
	if (links_parse(c, err, errsz) == -1)
		return -1;
	/*
	 * unnamed: every statement is sent with its text each time (no named
	 * prepared statement lives on the connection), as a pooler in
	 * transaction mode needs (pgbouncer before 1.21).
	 */
	c->db_unnamed = strcmp(c->db_statements, "unnamed") == 0;
	if (strncmp(c->listen, "unix:", 5) != 0 &&
	    strrchr(c->listen, ':') == NULL) {
		snprintf(err, errsz, "listen: expected unix:PATH or HOST:PORT");
		return -1;
	}
	/*
	 * A TCP socket others can reach takes FastCGI only from the web
	 * servers named (libfcgi's FCGI_WEB_SERVER_ADDRS, which knows IPv4
	 * peers only).
	 */
	if (strncmp(c->listen, "unix:", 5) != 0 && !loopback_listen(c->listen)) {
		if (c->listen[0] == '[') {
			snprintf(err, errsz, "listen: an IPv6 address other "
			    "than [::1]: libfcgi cannot check its peers");
			return -1;
		}
		if (*c->web_server_addrs == '\0') {
			snprintf(err, errsz, "listen: %s is reachable from "
			    "other hosts: set web_server_addrs to the web "
			    "servers' addresses", c->listen);
			return -1;
		}
	}
	/* Not a secret: read with the configuration, by signet-admin too. */
	if (*c->openapi_file != '\0' && conf_read_text("openapi_file",
	    c->openapi_file, &c->openapi, &c->openapi_len, err, errsz) == -1)
		return -1;
	return 0;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errsz)
{
	FILE			*f = NULL;
	char			*line = NULL, *key, *val, *eq, why[256];
	size_t			 cap = 0, i;
	ssize_t			 len;
	unsigned long		 lineno = 0;
	const struct cfkey	*k;
	int			 rc = -1;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (set_key(c, &keys[i], keys[i].def, why, sizeof(why)) == -1) {
			snprintf(err, errsz, "built-in default: %s", why);
			goto out;
		}
	if (path == NULL) {
		if (conf_finish(c, why, sizeof(why)) == -1) {
			snprintf(err, errsz, "built-in default: %s", why);
			goto out;
		}
		return 0;
	}
	c->path = xstrdup(path);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (strlen(line) != (size_t)len) {
			snprintf(err, errsz, "%s:%lu: NUL byte", path, lineno);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errsz, "%s:%lu: expected key = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if ((k = key_find(key)) == NULL) {
			snprintf(err, errsz, "%s:%lu: unknown key \"%.64s\"",
			    path, lineno, key);
			goto out;
		}
		if (set_key(c, k, val, why, sizeof(why)) == -1) {
			snprintf(err, errsz, "%s:%lu: %s", path, lineno, why);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (conf_finish(c, why, sizeof(why)) == -1) {
		snprintf(err, errsz, "%s: %s", path, why);
		goto out;
	}
	rc = 0;
out:
	free(line);
	if (f != NULL)
		fclose(f);
	if (rc == -1)
		conf_free(c);
	return rc;
}

void
conf_free(struct conf *c)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == CF_STR || keys[i].type == CF_WORD)
			free(*(char **)((char *)c + keys[i].off));
	free(c->path);
	cidrs_free(&c->proxies);
	cidrs_free(&c->exempt);
	cidrs_free(&c->metrics_nets);
	for (i = 0; c->links != NULL && c->links[i] != NULL; i++)
		free(c->links[i]);
	free(c->links);
	xfreezero(c->jwt_key, c->jwt_keylen);
	xfreezero(c->hmac_key, c->hmac_keylen);
	xfreezero(c->totp_key, c->totp_keylen);
	if (c->smtp_password != NULL)
		xfreezero(c->smtp_password, strlen(c->smtp_password));
	if (c->bedita_clients != NULL)
		xfreezero(c->bedita_clients, strlen(c->bedita_clients));
	free(c->openapi);
	memset(c, 0, sizeof(*c));
}

void
conf_keep_fixed(struct conf *c, const struct conf *old)
{
	size_t		 i;
	void		*to;
	const void	*from;
	char		**sp;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].reload)
			continue;
		to = (char *)c + keys[i].off;
		from = (const char *)old + keys[i].off;
		switch (keys[i].type) {
		case CF_WORD:
		case CF_STR:
			sp = to;
			if (strcmp(*sp, *(char *const *)from) == 0)
				continue;
			free(*sp);
			*sp = xstrdup(*(char *const *)from);
			break;
		case CF_INT:
			if (*(long *)to == *(const long *)from)
				continue;
			*(long *)to = *(const long *)from;
			break;
		case CF_BOOL:
			if (*(bool *)to == *(const bool *)from)
				continue;
			*(bool *)to = *(const bool *)from;
			break;
		}
		log_warn("reload: %s cannot change without a restart; "
		    "keeping the old value", keys[i].name);
	}
}

int
conf_reload(void)
{
	struct conf	*c;
	char		 err[512];

	c = xcalloc(1, sizeof(*c));
	if (conf_load(c, cf->path, err, sizeof(err)) == -1 ||
	    conf_load_secrets(c, err, sizeof(err)) == -1) {
		log_err("reload failed, keeping the old configuration: %s",
		    err);
		conf_free(c);
		free(c);
		return -1;
	}
	conf_keep_fixed(c, cf);
	conf_free(cf);
	free(cf);
	cf = c;
	log_set_debug(cf->debug);
	log_set_json(strcmp(cf->log_format, "json") == 0);
	return 0;
}

bool
conf_word_in(const char *list, const char *word)
{
	size_t	wl = strlen(word), n;

	for (;;) {
		list += strspn(list, ", \t");
		if (*list == '\0')
			return false;
		n = strcspn(list, ", \t");
		if (n == wl && memcmp(list, word, n) == 0)
			return true;
		list += n;
	}
}
