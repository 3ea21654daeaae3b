/* signet: accounts: login, tokens, sessions.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "core/account.h"
#include "core/event.h"
#include "core/password.h"
#include "core/throttle.h"
#include "core/token.h"
#include "core/validate.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/login.h"
#include "db/session.h"
#include "db/user.h"

/*
 * The key a login's tries count under: the account's id when the login
 * names one, whichever name was typed (username, email or id), else the
 * login as typed (folded): unknown names get a bucket of their own.
 */
static char *
login_key(const char *login, int found, const struct user *u)
{
	if (found == 1)
		return xasprintf("login-id:%lld", u->id);
	return throttle_key("login", login);
}

/*
 * Why a login was refused, for its event (the answer is the same for
 * all): no such account, a wrong password, or an account not active.
 */
static enum event_outcome
refusal(int found, int ok, const struct user *u)
{
	if (!found)
		return OUT_UNKNOWN_USER;
	if (!ok)
		return OUT_BAD_PASSWORD;
	return strcmp(u->status, "disabled") == 0 ? OUT_DISABLED : OUT_INACTIVE;
}

/* What the statement after a login's hash records (db/login.h). */
struct outcome {
	const struct user	*u;		/* NULL: no such account */
	enum event_outcome	 why;
	bool			 told;		/* its audit row goes along */
	const char		*rehash;	/* OUT_OK: new MCF, or NULL */
	const char		*akey;		/* OUT_OK: the account's try */
	bool			 give_back;	/* OUT_OK: not forgotten */
	const char		*ckey;		/* a refusal: address's key */
	struct session		*s;		/* OUT_OK: session, or NULL */
};

/*
 * Record a login's outcome, with the audit row of its event (told) in the
 * same commit.  A row the statement cannot write (the audit table refusing
 * it) must not fail the login: the outcome again without it, and the row
 * is queued for event_flush(), which says it was lost.  0 or -1.
 */
static int
record(const struct outcome *o)
{
	struct audit_row	 ev, *evp = NULL;
	long long		 id = o->u != NULL ? o->u->id : 0;
	const char		*gid = o->u != NULL ? o->u->gid : NULL;
	int			 rc;

	if (o->told) {
		event_row(EV_LOGIN, o->why, id, gid, &ev);
		evp = &ev;
	}
	for (;;) {
		rc = o->why == OUT_OK ?
		    db_login_ok(id, o->rehash, o->akey, o->give_back, evp,
		    o->s) :
		    db_login_failed(id, o->ckey, THROTTLE_HOUR, evp);
		if (rc == 0 || evp == NULL || db_down())
			break;
		evp = NULL;
	}
	if (rc == 0 && o->told) {
		if (evp != NULL)
			event_note_written(EV_LOGIN, o->why);
		else
			event_note(EV_LOGIN, o->why, id, gid);
	}
	return rc;
}

/*
 * Two round trips to the database whatever the throttles ask, one each
 * side of the hash, and one commit each (db/login.h): the lookup, the
 * client address's limit and the account's try reserved in one statement;
 * the outcome and its audit row in another.  A refused throttle costs one
 * more, to say how long to wait.
 */
int
account_login(const char *asked, enum login_by by, const char *password,
    const char *client, struct user *u, struct session *s, struct problem *p)
{
	struct login_start	 ls;
	char			 rehash[PASSWORD_MCF_LEN], abuf[THROTTLE_ADDR_LEN];
	char			 cbuf[THROTTLE_KEY_MAX + 1], nbuf[THROTTLE_KEY_MAX + 1];
	char			*akey = NULL, *ckey = NULL, *nkey, *login;
	const char		*again = NULL, *cfit = NULL;
	enum event_outcome	 why = OUT_ERROR;
	long			 wait = 0;
	int			 ok = 0, rc = -1;
	bool			 told = false;	/* the event's row is in */

	memset(u, 0, sizeof(*u));
	memset(&ls, 0, sizeof(ls));
	if (s != NULL)
		memset(s, 0, sizeof(*s));
	if (password_busy()) {
		event_note(EV_LOGIN, OUT_BUSY, 0, NULL);
		return password_problem(PASSWORD_BUSY, p);
	}
	login = by == LOGIN_ANY ? validate_login(asked) : xstrdup(asked);
	if (!throttle_exempt(client)) {
		ckey = throttle_key("login-addr", throttle_address(client,
		    abuf));
		cfit = throttle_fit(ckey, cbuf);
	}
	nkey = throttle_key("login", login);
	if (db_login_start(&(struct login_ask){ .login = login,
	    .by_any = by == LOGIN_ANY, .client_key = cfit,
	    .client_limit = cf->throttle_login_addr_hourly,
	    .name_key = throttle_fit(nkey, nbuf), .window = THROTTLE_HOUR,
	    .free = cf->throttle_login_account_free,
	    .limit = cf->throttle_login_account_hourly }, u, &ls) == -1) {
		free(nkey);
		problem_db(p);
		goto out;
	}
	free(nkey);
	akey = login_key(login, ls.found, u);
	/* Throttles before any hash: refused, say how long to wait. */
	if (ls.client_over)
		wait = throttle_peek(ckey, THROTTLE_HOUR,
		    cf->throttle_login_addr_hourly);
	else if (!ls.reserved)
		wait = throttle_refused(akey, THROTTLE_HOUR,
		    cf->throttle_login_account_free,
		    cf->throttle_login_account_hourly);
	if (ls.client_over && wait == 0)
		wait = 1;		/* its window ended meanwhile */
	if (throttle_problem(wait, p) == -1) {
		why = event_outcome_of(p, OUT_ERROR);
		goto out;
	}

	/* Unknown users cost one hash too: no timing oracle. */
	ok = password_verify(password, ls.found ? u->password : NULL);
	if (ok == PASSWORD_BUSY) {
		/* Not a try: the account's reservation goes back. */
		if (throttle_unreserve(akey) == -1)
			problem_db(p);
		else {
			password_problem(ok, p);
			why = OUT_BUSY;
		}
		goto out;
	}
	if (!ok || !ls.found || strcmp(u->status, "active") != 0) {
		if (record(&(struct outcome){ .u = ls.found ? u : NULL,
		    .why = refusal(ls.found, ok, u), .told = true,
		    .ckey = cfit }) == -1) {
			problem_db(p);
			goto out;
		}
		p->kind = PROB_LOGIN_FAILED;
		told = true;
		goto out;
	}
	if (password_needs_rehash(u->password) &&
	    password_hash(password, rehash) == 0)
		again = rehash;
	/*
	 * With a second factor due, the login is not done yet: its try goes
	 * back, and the code's try counts (mfa_login()), so the password
	 * cannot clear the count of wrong codes; mfa_login() tells how it
	 * ends.  Without one, the login is done: told here.
	 */
	if (record(&(struct outcome){ .u = u, .why = OUT_OK,
	    .told = !u->totp_enabled, .rehash = again, .akey = akey,
	    .give_back = u->totp_enabled, .s = s }) == -1) {
		problem_db(p);
		goto out;
	}
	/* Changed since the lookup: account_session() will say so. */
	if (s != NULL && s->users != NULL && (strcmp(s->status, "active") !=
	    0 || s->epoch != u->token_epoch))
		db_session_free(s);
	rc = 0;
out:
	if (rc == -1 && !told)
		event_note(EV_LOGIN, why, ls.found == 1 ? u->id : 0,
		    ls.found == 1 ? u->gid : NULL);
	if (rc == -1)
		db_user_free(u);
	explicit_bzero(rehash, sizeof(rehash));
	free(akey);
	free(ckey);
	free(login);
	return rc;
}

int
account_password(const struct user *u, const char *password,
    struct problem *p)
{
	char	*key;
	long	 wait;
	int	 ok, rc = -1;

	if (password_busy())
		return password_problem(PASSWORD_BUSY, p);
	key = login_key(NULL, 1, u);
	wait = throttle_reserve(key, THROTTLE_HOUR,
	    cf->throttle_login_account_free, cf->throttle_login_account_hourly);
	if (throttle_problem(wait, p) == -1)
		goto out;
	if ((ok = password_verify(password, u->password)) == PASSWORD_BUSY) {
		if (throttle_unreserve(key) == -1)
			problem_db(p);
		else
			password_problem(ok, p);
		goto out;
	}
	if (!ok) {
		if (db_user_login_failed(u->id) == -1)
			problem_db(p);
		else
			p->kind = PROB_LOGIN_FAILED;
		goto out;
	}
	/* As account_login(): a right password never clears wrong codes. */
	if ((u->totp_enabled ? throttle_unreserve(key) :
	    throttle_clear(key)) == -1) {
		problem_db(p);
		goto out;
	}
	rc = 0;
out:
	free(key);
	return rc;
}

static int	unauthorized(struct problem *, enum auth_why);

int
account_user(long long id, const char *gid, struct user *u, struct problem *p)
{
	int	found;

	found = gid != NULL ? db_user_by_gid(gid, u) : db_user_by_id(id, u);
	if (found == -1) {
		problem_db(p);
		return -1;
	}
	if (found && strcmp(u->status, "active") == 0)
		return 0;
	if (found)
		db_user_free(u);
	memset(u, 0, sizeof(*u));
	return unauthorized(p, AUTH_REVOKED);
}

/* Refuse a token: UNAUTHORIZED for why.  Returns -1. */
static int
unauthorized(struct problem *p, enum auth_why why)
{
	p->kind = PROB_UNAUTHORIZED;
	p->why = why;
	return -1;
}

int
account_bearer(const char *authz, enum token_type type, bool active,
    struct bearer *b, struct problem *p)
{
	struct token_claims	c;
	int			found;

	memset(b, 0, sizeof(*b));
	if (authz == NULL)
		return unauthorized(p, AUTH_ABSENT);
	if ((found = token_verify(authz, &c)) != 0)
		return unauthorized(p, found == TOKEN_EXPIRED ? AUTH_EXPIRED :
		    AUTH_INVALID);
	if (c.type != type) {
		token_claims_free(&c);
		return unauthorized(p, AUTH_INVALID);
	}
	b->gid = c.sub;
	c.sub = NULL;
	b->app = c.app;
	c.app = NULL;
	b->epoch = c.epoch;
	b->left = c.exp - (long)time(NULL);
	b->auth_time = c.auth_time;
	token_claims_free(&c);
	if (!active)
		return 0;
	if (b->app != NULL) {
		/* An application alone is nobody to act for. */
		account_bearer_free(b);
		return unauthorized(p, AUTH_ABSENT);
	}
	if ((found = db_user_auth(b->gid, b->epoch, &b->id)) == 1)
		return 0;
	account_bearer_free(b);
	if (found == -1) {
		problem_db(p);
		return -1;
	}
	return unauthorized(p, AUTH_REVOKED);
}

void
account_bearer_free(struct bearer *b)
{
	free(b->gid);
	free(b->app);
	memset(b, 0, sizeof(*b));
}

int
account_session(const char *gid, long epoch, struct session *s,
    struct problem *p)
{
	int	found;

	if ((found = db_session_load(gid, s)) == -1) {
		problem_db(p);
		return -1;
	}
	if (!found || strcmp(s->status, "active") != 0 ||
	    (epoch >= 0 && s->epoch != epoch)) {
		db_session_free(s);
		return unauthorized(p, AUTH_REVOKED);
	}
	return 0;
}

int
account_logout(long long id, struct problem *p)
{
	if (db_user_bump_epoch(id) == -1) {
		problem_db(p);
		return -1;
	}
	event_note(EV_LOGOUT, OUT_OK, id, NULL);
	return 0;
}

bool
account_store_ok(void)
{
	return db_ping() == 0;
}
