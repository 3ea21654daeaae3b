/* signet: the BEdita personality: POST /auth, its grants.  ISC licence. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "core/account.h"
#include "core/code.h"
#include "core/mfa.h"
#include "core/throttle.h"
#include "core/token.h"
#include "wire/bedita.h"
#include "wire/req.h"

/*
 * The key the clients' secrets are digested under before they are
 * compared: not a secret, only a way to compare values of any length in
 * time that depends on neither.
 */
#define CLIENT_DIGEST_KEY	"signet bedita_clients_file"

/* One application line of bedita_clients_file, borrowed from its text. */
struct client_line {
	const char	*id, *secret, *name;
	size_t		 idlen, secretlen, namelen;
};

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The next application at *text, which moves past it: 1 with *c filled,
 * 0 at the end.  Blank lines, comments and lines of one field are
 * skipped (a line of one field has no secret: no client can match it).
 */
static int
next_client(const char **text, struct client_line *c)
{
	const char	*s = *text, *line, *end, *p;

	while (*s != '\0') {
		line = s;
		end = s + strcspn(s, "\n");
		s = *end != '\0' ? end + 1 : end;
		while (end > line && (blank(end[-1]) || end[-1] == '\r'))
			end--;
		while (line < end && blank(*line))
			line++;
		if (line == end || *line == '#')
			continue;
		for (p = line; p < end && !blank(*p); p++)
			;
		c->id = line;
		c->idlen = (size_t)(p - line);
		while (p < end && blank(*p))
			p++;
		if (p == end)
			continue;
		c->secret = p;
		while (p < end && !blank(*p))
			p++;
		c->secretlen = (size_t)(p - c->secret);
		while (p < end && blank(*p))
			p++;
		c->name = p;
		c->namelen = (size_t)(end - p);
		if (c->namelen == 0) {
			c->name = c->id;
			c->namelen = c->idlen;
		}
		*text = s;
		return 1;
	}
	*text = s;
	return 0;
}

static bool
same_id(const struct client_line *c, const char *id)
{
	return c->idlen == strlen(id) && memcmp(c->id, id, c->idlen) == 0;
}

bool
bedita_client_check(const char *text, const char *id, const char *secret,
    char **name)
{
	struct client_line	 c;
	unsigned char		 want[32], have[32];
	bool			 found = false;

	*name = NULL;
	if (text == NULL)
		return false;
	code_hmac256(CLIENT_DIGEST_KEY, strlen(CLIENT_DIGEST_KEY), secret,
	    strlen(secret), want);
	while (next_client(&text, &c) == 1) {
		if (!same_id(&c, id))
			continue;
		code_hmac256(CLIENT_DIGEST_KEY, strlen(CLIENT_DIGEST_KEY),
		    c.secret, c.secretlen, have);
		if (code_equal(want, have, sizeof(want)) && !found) {
			*name = xstrndup(c.name, c.namelen);
			found = true;
		}
	}
	explicit_bzero(want, sizeof(want));
	explicit_bzero(have, sizeof(have));
	return found;
}

bool
bedita_client_find(const char *text, const char *id, char **name)
{
	struct client_line	c;

	*name = NULL;
	if (text == NULL)
		return false;
	while (next_client(&text, &c) == 1)
		if (same_id(&c, id)) {
			*name = xstrndup(c.name, c.namelen);
			return true;
		}
	return false;
}

/* {"jwt", "renew"} from two tokens, or NULL when either is; frees both. */
static struct json_object *
pair(char *jwt, char *renew)
{
	struct json_object	*m = NULL;

	if (jwt != NULL && renew != NULL) {
		m = json_object_new_object();
		json_object_object_add(m, "jwt", json_object_new_string(jwt));
		json_object_object_add(m, "renew",
		    json_object_new_string(renew));
	}
	free(jwt);
	free(renew);
	return m;
}

struct json_object *
bedita_token_meta(const char *gid, long epoch, long auth_time)
{
	return pair(token_issue(gid, epoch, TOKEN_ACCESS, auth_time, NULL),
	    token_issue(gid, epoch, TOKEN_RENEW, auth_time, NULL));
}

/* The same for application id called name (client credentials). */
static struct json_object *
app_meta(const char *id, const char *name, long auth_time)
{
	return pair(token_issue_app(id, name, TOKEN_ACCESS, auth_time),
	    token_issue_app(id, name, TOKEN_RENEW, auth_time));
}

/*
 * 200 {"meta": m, "links"}.  m NULL: no pair could be made; when
 * renewing, the session is over (a login again, BEdita's 401), else 500.
 */
static void
reply_pair(struct req *r, struct json_object *m, bool renewing)
{
	struct json_object	*o;
	struct problem		 p = { .kind = PROB_INTERNAL };

	if (m == NULL) {
		if (renewing)
			p.kind = PROB_LOGIN_FAILED;
		bedita_fail(r, &p);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "meta", m);
	json_object_object_add(o, "links", bedita_links(r));
	req_reply(r, 200, o);
}

/*
 * grant_type "client_credentials" {client_id, client_secret}: an
 * application listed in bedita_clients_file gets a token pair of its own,
 * with no user (token_issue_app()).  Anything else is BEdita 4's 401 "App
 * authentication failed", and counts as a failed login of the client's
 * address (throttle_login_addr_hourly): a secret is guessed no faster
 * than a password.
 */
static void
client_credentials(struct req *r)
{
	struct problem	 p = { 0 };
	const char	*id, *secret;
	char		*name;

	if (throttle_client("login-addr", r->remote,
	    cf->throttle_login_addr_hourly, false, &p) == -1) {
		bedita_fail(r, &p);
		return;
	}
	id = bedita_string(r, "client_id");
	secret = bedita_string(r, "client_secret");
	if (id == NULL || secret == NULL ||
	    !bedita_client_check(cf->bedita_clients, id, secret, &name)) {
		if (throttle_client("login-addr", r->remote,
		    cf->throttle_login_addr_hourly, true, &p) == -1 &&
		    p.kind != PROB_RATE_LIMITED) {
			bedita_fail(r, &p);
			return;
		}
		bedita_error(r, 401, "App authentication failed", NULL, NULL);
		return;
	}
	reply_pair(r, app_meta(id, name, 0), false);
	free(name);
}

/*
 * An application's renew token: a new pair while the application is
 * still listed (else BEdita 5's 401 for a disabled application).
 */
static void
app_renew(struct req *r, const struct bearer *b)
{
	char	*name;

	if (!bedita_client_find(cf->bedita_clients, b->app, &name)) {
		bedita_error(r, 401, "Application unauthorized", NULL, NULL);
		return;
	}
	reply_pair(r, app_meta(b->app, name, b->auth_time), true);
	free(name);
}

/*
 * grant_type "refresh_token" with a renew token in Authorization: a fresh
 * pair of the same session, for its user (active, epoch current) or its
 * application.  Any refusal is BEdita's 401 "Login request not
 * successful".
 */
static void
renew(struct req *r)
{
	struct bearer	 b;
	struct problem	 p = { 0 };

	if (account_bearer(r->authz, TOKEN_RENEW, false, &b, &p) == 0 &&
	    b.app != NULL) {
		app_renew(r, &b);
		account_bearer_free(&b);
		return;
	}
	account_bearer_free(&b);
	memset(&p, 0, sizeof(p));
	if (account_bearer(r->authz, TOKEN_RENEW, true, &b, &p) == -1) {
		if (p.kind == PROB_UNAUTHORIZED)
			p.kind = PROB_LOGIN_FAILED;
		bedita_fail(r, &p);
		return;
	}
	reply_pair(r, bedita_token_meta(b.gid, b.epoch, b.auth_time), true);
	account_bearer_free(&b);
}

/*
 * POST /auth {username, password[, grant_type][, totp]}: a JWT and a renew
 * token; totp (a signet extension) is the second factor of an account
 * that has one.
 *
 * "renew" is a JWT of type renew, as long-lived as "jwt" (an access
 * token): each is refused where the other is due.  BEdita's renewal,
 * grant_type "refresh_token" (or a body without credentials) with the
 * renew token in Authorization, is answered with a fresh pair of the same
 * session while the token is valid, its user active, its epoch current
 * (logout revokes it) and the session younger than session_max_age.
 * grant_type "client_credentials" logs an application in.  Any failure of
 * a user's login is BEdita's one 401 "Login request not successful".
 */
void
bedita_auth(struct req *r)
{
	struct problem	 p = { 0 };
	struct user	 u;
	const char	*name, *pw, *grant;

	name = bedita_string(r, "username");
	pw = bedita_string(r, "password");
	grant = bedita_string(r, "grant_type");
	if (grant != NULL && strcmp(grant, "client_credentials") == 0) {
		client_credentials(r);
		return;
	}
	if ((grant != NULL && strcmp(grant, "refresh_token") == 0) ||
	    (grant == NULL && name == NULL && pw == NULL && r->authz != NULL)) {
		renew(r);
		return;
	}
	if ((grant != NULL && strcmp(grant, "password") != 0) ||
	    name == NULL || pw == NULL) {
		p.kind = PROB_LOGIN_FAILED;
		bedita_fail(r, &p);
		return;
	}
	/* totp, a signet extension: the second factor of an account with one. */
	if (account_login(name, LOGIN_USERNAME, pw, r->remote, &u, NULL,
	    &p) == -1 ||
	    mfa_login(&u, bedita_string(r, "totp"), &p) == -1) {
		bedita_fail(r, &p);
		db_user_free(&u);
		return;
	}
	reply_pair(r, bedita_token_meta(u.gid, u.token_epoch, 0), false);
	db_user_free(&u);
}
