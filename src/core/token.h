/* signet: access tokens (JWT, HS256).  ISC licence, see README. */
#ifndef SIGNET_TOKEN_H
#define SIGNET_TOKEN_H

/* The claims of a verified token; the strings are owned by the struct. */
struct token_claims {
	char	*sub;		/* the user's gid */
	char	*jti;		/* the token's random id */
	long	 epoch;		/* the user's token epoch when issued */
	long	 iat;
	long	 exp;
};

/*
 * A new HS256 JWT under cf->jwt_key for user_gid with claims iss
 * (cf->jwt_issuer), sub, iat (now), exp (iat + cf->jwt_ttl), a random jti
 * and epoch.  Stores exp in *exp_out when that is not NULL.  Returns the
 * compact token, which the caller frees, or NULL (logged) on failure.
 */
char	*token_issue(const char *user_gid, long epoch, long *exp_out)
	    __attribute__((warn_unused_result));

/*
 * Check authz, an Authorization header value "Bearer <jwt>" (scheme in any
 * case, any blanks) or a bare JWT: HS256 only, whatever the header says,
 * signature under cf->jwt_key compared in constant time, integer iat and
 * exp, not expired, iat at most 60 s ahead, iss cf->jwt_issuer, string
 * sub and jti, integer epoch.  Whether the epoch is still the user's is
 * for the caller.  Returns 0 with *out filled (free with
 * token_claims_free()), or -1 with *out zeroed.
 */
int	 token_verify(const char *authz, struct token_claims *out)
	    __attribute__((warn_unused_result));

/* Free what *c holds and zero it; NULL and zeroed structs are fine. */
void	 token_claims_free(struct token_claims *c);

#endif
