/* signet: access tokens (JWT, HS256).  ISC licence, see README. */
#ifndef SIGNET_TOKEN_H
#define SIGNET_TOKEN_H

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
};

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
 * Check authz, an Authorization header value "Bearer <jwt>" (scheme in any
 * case, any blanks) or a bare JWT: HS256 only, whatever the header says,
 * signature under cf->jwt_key compared in constant time, integer iat and
 * exp, not expired, iat at most 60 s ahead, iss cf->jwt_issuer, string
 * sub and jti, integer epoch; its session not older than session_max_age
 * (auth_time, or iat when absent); typ "access" or "renew" (absent:
 * access).  Whether the epoch is still the user's is
 * for the caller.  Returns 0 with *out filled (free with
 * token_claims_free()), or -1 with *out zeroed.
 */
int	 token_verify(const char *authz, struct token_claims *out)
	    __attribute__((warn_unused_result));

/* Free what *c holds and zero it; NULL and zeroed structs are fine. */
void	 token_claims_free(struct token_claims *c);

#endif
