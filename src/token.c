/* signet: access tokens (JWT, HS256).  ISC licence, see README. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "code.h"
#include "conf.h"
#include "log.h"
#include "token.h"
#include "xmalloc.h"

/* Longer than any token we issue by far; longer input is refused unread. */
#define TOKEN_MAX	2048

/* How far ahead of our clock a token's iat may be (another host's skew). */
#define IAT_SKEW	60

/* Base64url of an HMAC-SHA256: 43 characters. */
#define SIG_LEN		CODE_B64URL_LEN(32)

char *
token_issue(const char *user_gid, long epoch, long *exp_out)
{
	jwt_t	*jwt = NULL;
	char	*jti = NULL, *s, *tok = NULL;
	long	 iat, exp;

	iat = (long)time(NULL);
	exp = iat + cf->jwt_ttl;
	jti = code_token();
	if (jwt_new(&jwt) != 0 ||
	    jwt_add_grant(jwt, "iss", cf->jwt_issuer) != 0 ||
	    jwt_add_grant(jwt, "sub", user_gid) != 0 ||
	    jwt_add_grant_int(jwt, "iat", iat) != 0 ||
	    jwt_add_grant_int(jwt, "exp", exp) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0 ||
	    jwt_add_grant_int(jwt, "epoch", epoch) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, cf->jwt_key,
	    (int)cf->jwt_keylen) != 0) {
		log_err("token_issue: cannot build the token");
		goto out;
	}
	if ((s = jwt_encode_str(jwt)) == NULL) {
		log_err("token_issue: cannot encode the token");
		goto out;
	}
	tok = xstrdup(s);
	free(s);
	if (exp_out != NULL)
		*exp_out = exp;
out:
	free(jti);
	jwt_free(jwt);
	return tok;
}

/*
 * The JWT in an Authorization value: after an optional "Bearer" and blanks,
 * up to trailing blanks.  Returns a copy the caller frees, or NULL if it is
 * not three non-empty base64url parts joined by dots, or too long.
 */
static char *
token_text(const char *authz)
{
	const char	*p = authz, *end;
	size_t		 len, dots = 0, i;

	p += strspn(p, " \t");
	if (strncasecmp(p, "bearer", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
		p += 6 + strspn(p + 6, " \t");
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t)(end - p);
	if (len == 0 || len > TOKEN_MAX)
		return NULL;
	for (i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (i == 0 || i == len - 1 || p[i - 1] == '.')
				return NULL;
			dots++;
		} else if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", p[i]) == NULL)
			return NULL;
	}
	if (dots != 2)
		return NULL;
	return xstrndup(p, len);
}

/*
 * Is sig the HS256 signature of the signing input (header.payload, the
 * first inlen bytes of tok) under cf->jwt_key?  We check it ourselves, so
 * that whatever alg the header names, only HMAC-SHA256 under our key
 * passes, and the comparison is constant-time.
 */
static bool
sig_ok(const char *tok, size_t inlen, const char *sig)
{
	unsigned char	 mac[32];
	unsigned int	 maclen = sizeof(mac);
	char		 want[SIG_LEN + 1];

	if (strlen(sig) != SIG_LEN)
		return false;
	if (HMAC(EVP_sha256(), cf->jwt_key, (int)cf->jwt_keylen,
	    (const unsigned char *)tok, inlen, mac, &maclen) == NULL)
		return false;
	code_b64url(want, mac, sizeof(mac));
	return code_equal(want, sig, SIG_LEN);
}

/*
 * An integer claim into *v.  Returns 0, or -1 if absent or not a JSON
 * integer that fits a long.  libjwt 1.10's jwt_get_grant_int() returns -1
 * without an error for a string or a real, so look at the JSON text.
 */
static int
claim_int(jwt_t *jwt, const char *name, long *v)
{
	char	*js, *ep;
	int	 rc = -1;

	if ((js = jwt_get_grants_json(jwt, name)) == NULL)
		return -1;
	if (strspn(js + (*js == '-'), "0123456789") == 0)
		goto out;
	errno = 0;
	*v = strtol(js, &ep, 10);
	if (errno == 0 && *ep == '\0')
		rc = 0;
out:
	free(js);
	return rc;
}

int
token_verify(const char *authz, struct token_claims *out)
{
	jwt_t		*jwt = NULL;
	char		*tok = NULL, *sig;
	const char	*alg, *iss, *sub, *jti;
	long		 now;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (authz == NULL || cf->jwt_key == NULL || cf->jwt_keylen == 0)
		return -1;
	if ((tok = token_text(authz)) == NULL)
		goto out;
	sig = strrchr(tok, '.') + 1;
	if (!sig_ok(tok, (size_t)(sig - 1 - tok), sig))
		goto out;

	/*
	 * The signature is ours, so the header is too; still pin the alg
	 * libjwt saw and the header names, lest a token we never issued
	 * (say, "none" under a leaked key) get through.
	 */
	if (jwt_decode(&jwt, tok, cf->jwt_key, (int)cf->jwt_keylen) != 0 ||
	    jwt == NULL)
		goto out;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256 ||
	    (alg = jwt_get_header(jwt, "alg")) == NULL ||
	    strcmp(alg, "HS256") != 0)
		goto out;

	now = (long)time(NULL);
	if (claim_int(jwt, "exp", &out->exp) == -1 ||
	    claim_int(jwt, "iat", &out->iat) == -1 ||
	    claim_int(jwt, "epoch", &out->epoch) == -1)
		goto out;
	if (out->exp <= now || out->iat > now + IAT_SKEW)
		goto out;
	if ((iss = jwt_get_grant(jwt, "iss")) == NULL ||
	    cf->jwt_issuer == NULL || strcmp(iss, cf->jwt_issuer) != 0)
		goto out;
	if ((sub = jwt_get_grant(jwt, "sub")) == NULL || *sub == '\0' ||
	    (jti = jwt_get_grant(jwt, "jti")) == NULL || *jti == '\0')
		goto out;
	out->sub = xstrdup(sub);
	out->jti = xstrdup(jti);
	rc = 0;
out:
	if (rc == -1)
		token_claims_free(out);
	jwt_free(jwt);
	free(tok);
	return rc;
}

void
token_claims_free(struct token_claims *c)
{
	if (c == NULL)
		return;
	free(c->sub);
	free(c->jti);
	memset(c, 0, sizeof(*c));
}
