/* signet: a second factor (TOTP) for logins.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "core/account.h"
#include "core/code.h"
#include "core/event.h"
#include "core/mfa.h"
#include "core/throttle.h"
#include "core/totp.h"
#include "db/db.h"
#include "db/mfa.h"
#include "db/user.h"
#include "mail/outbox.h"

/*
 * Recovery codes: 10 characters of a 32-letter alphabet without the look-
 * alikes (0/o, 1/l), 50 bits, shown as "xxxxx-xxxxx"; typed in any case,
 * with or without the dash or blanks.
 */
#define RECOVERY_LEN	10
static const char recovery_abc[] = "abcdefghijkmnpqrstuvwxyz23456789";

bool
mfa_available(void)
{
	return cf->totp_key != NULL;
}

void
mfa_setup_free(struct mfa_setup *s)
{
	if (s->secret != NULL)
		xfreezero(s->secret, strlen(s->secret));
	if (s->uri != NULL)
		xfreezero(s->uri, strlen(s->uri));
	free(s->svg);
	memset(s, 0, sizeof(*s));
}

void
mfa_codes_free(char *codes[MFA_RECOVERY_CODES])
{
	size_t	i;

	for (i = 0; i < MFA_RECOVERY_CODES; i++) {
		if (codes[i] != NULL)
			xfreezero(codes[i], strlen(codes[i]));
		codes[i] = NULL;
	}
}

/* Without a totp_key_file: NOT_IMPLEMENTED.  0 or -1. */
static int
offered(struct problem *p)
{
	if (mfa_available())
		return 0;
	p->kind = PROB_NOT_IMPLEMENTED;
	p->detail = "two-factor is not configured here";
	return -1;
}

/* The MAC a recovery code is kept as, bound to the user; false: no code. */
static bool
recovery_mac(const char *gid, const char *code, char out[67])
{
	char	 norm[RECOVERY_LEN + 1];
	size_t	 n = 0;

	for (; *code != '\0'; code++) {
		if (*code == '-' || *code == ' ')
			continue;
		if (n == RECOVERY_LEN || strchr(recovery_abc,
		    tolower((unsigned char)*code)) == NULL)
			return false;
		norm[n++] = (char)tolower((unsigned char)*code);
	}
	if (n != RECOVERY_LEN)
		return false;
	norm[n] = '\0';
	code_bound_mac("recovery", norm, gid, out);
	explicit_bzero(norm, sizeof(norm));
	return true;
}

/* A new recovery code, "xxxxx-xxxxx". */
static char *
recovery_new(void)
{
	unsigned char	 b[RECOVERY_LEN];
	char		*s;
	size_t		 i, j = 0;

	if (random_bytes(b, sizeof(b)) == -1)
		exit(1);
	s = xmalloc(RECOVERY_LEN + 2);
	for (i = 0; i < RECOVERY_LEN; i++) {
		if (i == RECOVERY_LEN / 2)
			s[j++] = '-';
		s[j++] = recovery_abc[b[i] & 31];
	}
	s[j] = '\0';
	explicit_bzero(b, sizeof(b));
	return s;
}

/* One hex digit's value, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The secret of user u from its sealed form m->sealed (bytea hex text).
 * 0, or -1 with VALIDATION on "secret" when there is none, INTERNAL when
 * it cannot be opened (another totp_key_file: logged).
 */
static int
open_secret(const struct user *u, const struct mfa_state *m,
    unsigned char secret[TOTP_SECRET_LEN], struct problem *p)
{
	unsigned char	 sealed[TOTP_SEALED_LEN];
	const char	*h = m->sealed;
	size_t		 i;
	int		 hi, lo;

	if (*h == '\0') {
		problem_field(p, "secret", "set two-factor up first");
		return -1;
	}
	if (strncmp(h, "\\x", 2) != 0 || strlen(h) != 2 + 2 * sizeof(sealed))
		goto bad;
	for (i = 0; i < sizeof(sealed); i++) {
		if ((hi = hexval(h[2 + 2 * i])) == -1 ||
		    (lo = hexval(h[3 + 2 * i])) == -1)
			goto bad;
		sealed[i] = (unsigned char)(hi << 4 | lo);
	}
	if (totp_open(cf->totp_key, cf->totp_keylen, u->gid, sealed,
	    sizeof(sealed), secret) == 0)
		return 0;
bad:
	log_err("mfa: the secret of user %s does not open with this "
	    "totp_key_file", u->gid);
	p->kind = PROB_INTERNAL;
	return -1;
}

/* Mail the owner of u about its second factor (template name). */
static int
tell(const struct user *u, const char *name)
{
	const struct mail_var vars[] = {
		{ "username", u->username },
	};

	return outbox_put_template(u->email, name, u->language, vars, 1);
}

/*
 * Check a second-factor code of u (a TOTP code, good once, or an unused
 * recovery code), its try counted against the account first like a
 * password's.  0 right (*recovery: it was a recovery code); -1 with
 * LOGIN_FAILED (wrong, used, a replay), RATE_LIMITED or the database.
 */
static int
check_code(const struct user *u, const char *code, bool *recovery,
    struct problem *p)
{
	struct mfa_state	 m;
	unsigned char		 secret[TOTP_SECRET_LEN];
	char			*key, mac[67];
	long long		 step;
	long			 wait;
	int			 ok = 0, rc = -1;

	*recovery = false;
	key = xasprintf("login-id:%lld", u->id);
	wait = throttle_reserve(key, THROTTLE_HOUR,
	    cf->throttle_login_account_free, cf->throttle_login_account_hourly);
	if (throttle_problem(wait, p) == -1)
		goto out;
	if ((ok = db_mfa_get(u->id, &m)) == -1)
		goto dberr;
	if (!ok || !m.enabled) {
		p->kind = PROB_LOGIN_FAILED;
		goto out;
	}
	if (open_secret(u, &m, secret, p) == -1)
		goto out;
	step = totp_match(secret, code, time(NULL));
	explicit_bzero(secret, sizeof(secret));
	if (step >= 0)
		ok = db_mfa_use_step(u->id, step);
	else if (recovery_mac(u->gid, code, mac)) {
		ok = db_mfa_use_recovery(u->id, mac);
		*recovery = ok == 1;
	} else
		ok = 0;
	if (ok == -1)
		goto dberr;
	if (!ok) {
		if (db_user_login_failed(u->id) == -1)
			goto dberr;
		p->kind = PROB_LOGIN_FAILED;
		goto out;
	}
	if (throttle_clear(key) == -1)
		goto dberr;
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	free(key);
	return rc;
}

int
mfa_setup(long long id, struct mfa_setup *s, struct problem *p)
{
	struct user	 u;
	unsigned char	 secret[TOTP_SECRET_LEN], sealed[TOTP_SEALED_LEN];
	char		 hex[2 + 2 * TOTP_SEALED_LEN + 1];
	size_t		 i;
	int		 done, rc = -1;

	memset(s, 0, sizeof(*s));
	if (offered(p) == -1 || account_user(id, NULL, &u, p) == -1)
		return -1;
	if (u.totp_enabled) {
		problem_field(p, "mfa", "is on already");
		goto out;
	}
	if (random_bytes(secret, sizeof(secret)) == -1)
		exit(1);
	totp_seal(cf->totp_key, cf->totp_keylen, u.gid, secret, sealed);
	memcpy(hex, "\\x", 2);
	for (i = 0; i < sizeof(sealed); i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", sealed[i]);
	if ((done = db_mfa_set_secret(id, hex)) == -1) {
		problem_db(p);
		goto out;
	}
	if (!done) {
		/* Turned on meanwhile. */
		problem_field(p, "mfa", "is on already");
		goto out;
	}
	s->secret = totp_base32(secret);
	s->uri = totp_uri(cf->totp_issuer, u.username, s->secret);
	s->svg = totp_qr_svg(s->uri);
	log_info("mfa: user %s began enrolment", u.gid);
	rc = 0;
out:
	explicit_bzero(secret, sizeof(secret));
	db_user_free(&u);
	return rc;
}

int
mfa_confirm(long long id, const char *asked, const char *code,
    char *codes[MFA_RECOVERY_CODES], struct problem *p)
{
	struct user		 u;
	struct mfa_state	 m;
	unsigned char		 secret[TOTP_SECRET_LEN];
	char			 macs[MFA_RECOVERY_CODES][67], *b32 = NULL;
	const char		*mp[MFA_RECOVERY_CODES];
	long long		 step;
	size_t			 i;
	int			 found, rc = -1;

	memset(codes, 0, MFA_RECOVERY_CODES * sizeof(codes[0]));
	memset(secret, 0, sizeof(secret));
	if (offered(p) == -1 || account_user(id, NULL, &u, p) == -1)
		return -1;
	if ((found = db_mfa_get(id, &m)) == -1)
		goto dberr;
	if (found && m.enabled) {
		problem_field(p, "mfa", "is on already");
		goto out;
	}
	if (open_secret(&u, &m, secret, p) == -1)
		goto out;
	b32 = totp_base32(secret);
	if (asked != NULL && (strlen(asked) != strlen(b32) ||
	    !code_equal(asked, b32, strlen(b32)))) {
		problem_field(p, "secret", "is not the secret set up last");
		goto out;
	}
	if ((step = totp_match(secret, code, time(NULL))) < 0) {
		problem_field(p, "totp", "is not a current code");
		goto out;
	}
	for (i = 0; i < MFA_RECOVERY_CODES; i++) {
		codes[i] = recovery_new();
		recovery_mac(u.gid, codes[i], macs[i]);
		mp[i] = macs[i];
	}
	if (db_begin() == -1 ||
	    (found = db_mfa_enable(id, step, mp, MFA_RECOVERY_CODES)) == -1)
		goto dberr;
	if (!found) {
		problem_field(p, "mfa", "is on already");
		goto out;
	}
	if (tell(&u, "mfa_enabled") == -1 || db_commit() == -1)
		goto dberr;
	log_info("mfa: user %s turned two-factor on", u.gid);
	event_note(EV_MFA_ENABLED, OUT_OK, u.id, u.gid);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	if (rc == -1)
		mfa_codes_free(codes);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(macs, sizeof(macs));
	if (b32 != NULL)
		xfreezero(b32, strlen(b32));
	db_user_free(&u);
	return rc;
}

/* Turn it off for u and mail the owner: 0 or -1 with the database. */
static int
turn_off(const struct user *u, struct problem *p)
{
	if (db_begin() == -1 || db_mfa_disable(u->id) == -1 ||
	    tell(u, "mfa_disabled") == -1 || db_commit() == -1) {
		problem_db(p);
		db_rollback();
		return -1;
	}
	return 0;
}

int
mfa_disable(long long id, const char *password, const char *code,
    struct problem *p)
{
	struct user	 u;
	bool		 recovery;
	int		 rc = -1;

	if (account_user(id, NULL, &u, p) == -1)
		return -1;
	if (!u.totp_enabled) {
		problem_field(p, "mfa", "is not on");
		goto out;
	}
	if (offered(p) == -1)
		goto out;
	if (account_password(&u, password, p) == -1) {
		event_note(EV_MFA_DISABLED, event_outcome_of(p,
		    OUT_BAD_PASSWORD), u.id, u.gid);
		goto out;
	}
	if (check_code(&u, code, &recovery, p) == -1) {
		event_note(EV_MFA_DISABLED, event_outcome_of(p,
		    OUT_BAD_SECOND_FACTOR), u.id, u.gid);
		goto out;
	}
	if (turn_off(&u, p) == -1)
		goto out;
	log_info("mfa: user %s turned two-factor off", u.gid);
	event_note(EV_MFA_DISABLED, OUT_OK, u.id, u.gid);
	rc = 0;
out:
	db_user_free(&u);
	return rc;
}

/* The login of u ends with outcome; returns 0 for ok, else -1. */
static int
login_done(const struct user *u, enum event_outcome outcome)
{
	event_note(EV_LOGIN, outcome, u->id, u->gid);
	return outcome == OUT_OK ? 0 : -1;
}

int
mfa_login(const struct user *u, const char *code, struct problem *p)
{
	bool	recovery;

	if (!u->totp_enabled)
		return 0;	/* done, and told, by account_login() */
	if (code == NULL || *code == '\0') {
		p->kind = PROB_SECOND_FACTOR;
		return login_done(u, OUT_SECOND_FACTOR_REQUIRED);
	}
	if (offered(p) == -1) {
		/* Its secret cannot be read here: no login, and say why. */
		log_err("mfa: user %s has two-factor, but no totp_key_file is "
		    "set", u->gid);
		p->kind = PROB_UNAVAILABLE;
		return login_done(u, OUT_ERROR);
	}
	if (check_code(u, code, &recovery, p) == -1)
		return login_done(u, event_outcome_of(p, OUT_BAD_SECOND_FACTOR));
	if (recovery) {
		log_info("mfa: user %s used a recovery code", u->gid);
		event_note(EV_MFA_RECOVERY_USED, OUT_OK, u->id, u->gid);
		if (tell(u, "mfa_recovery_used") == -1) {
			problem_db(p);
			return login_done(u, OUT_ERROR);
		}
	}
	return login_done(u, OUT_OK);
}

int
mfa_reset(long long id, struct problem *p)
{
	struct user	 u;
	int		 found;

	if ((found = db_user_by_id(id, &u)) == -1) {
		problem_db(p);
		return -1;
	}
	if (!found) {
		p->kind = PROB_NOT_FOUND;
		return -1;
	}
	found = turn_off(&u, p);
	if (found == 0) {
		log_info("mfa: two-factor of user %s reset by an operator",
		    u.gid);
		event_note(EV_MFA_RESET, OUT_OK, u.id, u.gid);
	}
	db_user_free(&u);
	return found;
}
