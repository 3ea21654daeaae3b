/* signet: access tokens (JWT, HS256).  ISC licence, see README. */
#ifndef SIGNET_TOKEN_H
#define SIGNET_TOKEN_H

#include <stdbool.h>

/*
 * What a token is for: an access token authenticates requests; a renew
 * token (BEdita's) only gets a new pair.  Neither is taken for the other.
 */
enum token_type {
	TOKEN_ACCESS,
	TOKEN_RENEW,
};

/* The claims of a verified token; the strings are owned by the struct. */
struct token_claims {
	char		*sub;		/* the user's gid */
	char		*jti;		/* the token's random id */
	long		 epoch;		/* the user's token epoch when issued */
	long		 iat;
	long		 exp;
	long		 auth_time;	/* when the session began: the last
					   password (or code, or link) */
	enum token_type	 type;
	char		*app;		/* an application's token: its id */
};

/* The sub of an application's token: this and its client id. */
#define TOKEN_APP_SUB	"app:"

/*
 * A new HS256 JWT under cf->jwt_key for user_gid with claims iss
 * (cf->jwt_issuer), sub, iat (now), exp, a random jti, epoch, typ
 * ("access" or "renew") and auth_time: the session's start, carried
 * unchanged by every token refreshed from it (<= 0: now, a new session).
 * exp is iat + jwt_ttl, but never past auth_time + session_max_age: a
 * session ends then, however often it was refreshed.  Stores exp in
 * *exp_out when that is not NULL.  Returns the compact token, which the
 * caller frees, or NULL when the session is over or on failure (logged).
 */
char	*token_issue(const char *user_gid, long epoch, enum token_type type,
	    long auth_time, long *exp_out) __attribute__((warn_unused_result));

/*
 * A token of an application that logged in by itself (BEdita's client
 * credentials): sub "app:<app_id>", claim app {"id", "name"}, epoch 0, no
 * user.  auth_time as token_issue().  Caller frees; NULL as token_issue().
 */
char	*token_issue_app(const char *app_id, const char *name,
	    enum token_type type, long auth_time)
	    __attribute__((warn_unused_result));

/* token_verify(): a token of ours, but expired or its session over. */
#define TOKEN_EXPIRED	(-2)

/*
 * Check authz, an Authorization header value "Bearer <jwt>" (scheme in any
 * case, any blanks) or a bare JWT: HS256 only, whatever the header says,
 * signature under cf->jwt_key compared in constant time, integer iat and
 * exp, not expired, iat at most 60 s ahead, iss cf->jwt_issuer, string
 * sub and jti, integer epoch; its session not older than session_max_age
 * (auth_time, or iat when absent); typ "access" or "renew" (absent:
 * access).  Whether the epoch is still the user's is
 * for the caller.  Returns 0 with *out filled (free with
 * token_claims_free()), or with *out zeroed TOKEN_EXPIRED (signed by us,
 * but past exp or session_max_age) or -1 (anything else).
 */
int	 token_verify(const char *authz, struct token_claims *out)
	    __attribute__((warn_unused_result));

/*
 * The tests' switch: false, and token_verify() reads every token's claims
 * with json-c, also those its own scanner takes (the two must agree).
 */
extern bool	token_scan_claims;

/* Free what *c holds and zero it; NULL and zeroed structs are fine. */
void	 token_claims_free(struct token_claims *c);

#endif
