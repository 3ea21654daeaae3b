/* signet: access tokens (JWT, HS256).  ISC licence, see README. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jwt.h>
#include <json-c/json.h>

#include "core/code.h"
#include "base/conf.h"
#include "base/log.h"
#include "core/token.h"
#include "base/xmalloc.h"

/* Longer than any token we issue by far; longer input is refused unread. */
#define TOKEN_MAX	2048

/* How far ahead of our clock a token's iat may be (another host's skew). */
#define IAT_SKEW	60

/* Base64url of an HMAC-SHA256: 43 characters. */
#define SIG_LEN		CODE_B64URL_LEN(32)

/* The "typ" claim of each type. */
static const char *const type_names[] = {
	[TOKEN_ACCESS] = "access",
	[TOKEN_RENEW] = "renew",
};

/* token_issue(), with app (a JSON object's text, or NULL) as claim app. */
static char *
issue(const char *sub, long epoch, enum token_type type, long auth_time,
    long *exp_out, const char *app)
{
	jwt_t	*jwt = NULL;
	char	*jti = NULL, *s, *tok = NULL;
	long	 iat, exp, end;

	iat = (long)time(NULL);
	if (auth_time <= 0 || auth_time > iat)
		auth_time = iat;
	/* No token outlives the session it belongs to. */
	end = auth_time + cf->session_max_age;
	if (end <= iat)
		return NULL;
	exp = iat + cf->jwt_ttl < end ? iat + cf->jwt_ttl : end;
	jti = code_token();
	if (jwt_new(&jwt) != 0 ||
	    jwt_add_grant(jwt, "iss", cf->jwt_issuer) != 0 ||
	    jwt_add_grant(jwt, "sub", sub) != 0 ||
	    jwt_add_grant_int(jwt, "iat", iat) != 0 ||
	    jwt_add_grant_int(jwt, "exp", exp) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0 ||
	    jwt_add_grant_int(jwt, "epoch", epoch) != 0 ||
	    jwt_add_grant(jwt, "typ", type_names[type]) != 0 ||
	    jwt_add_grant_int(jwt, "auth_time", auth_time) != 0 ||
	    (app != NULL && jwt_add_grants_json(jwt, app) != 0) ||
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

char *
token_issue(const char *user_gid, long epoch, enum token_type type,
    long auth_time, long *exp_out)
{
	return issue(user_gid, epoch, type, auth_time, exp_out, NULL);
}

char *
token_issue_app(const char *app_id, const char *name, enum token_type type,
    long auth_time)
{
	struct json_object	*o, *a;
	char			*sub, *tok;

	a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_string(app_id));
	json_object_object_add(a, "name", json_object_new_string(name));
	o = json_object_new_object();
	json_object_object_add(o, "app", a);
	sub = xasprintf("%s%s", TOKEN_APP_SUB, app_id);
	tok = issue(sub, 0, type, auth_time, NULL,
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	free(sub);
	json_object_put(o);
	return tok;
}

static bool
b64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
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
		} else if (!b64url_char((unsigned char)p[i]))
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
	char		 want[SIG_LEN + 1];

	if (strlen(sig) != SIG_LEN)
		return false;
	code_hmac256(cf->jwt_key, cf->jwt_keylen, tok, inlen, mac);
	code_b64url(want, mac, sizeof(mac));
	return code_equal(want, sig, SIG_LEN);
}

/*
 * Decode one base64url part of a token (len bytes at s) and parse it as a
 * JSON object.  Returns it (the caller puts it) or NULL.
 */
static struct json_object *
part_json(const char *s, size_t len)
{
	unsigned char		 buf[TOKEN_MAX];
	struct json_tokener	*tok;
	struct json_object	*o;
	size_t			 n;

	if (code_b64url_decode(s, len, buf, sizeof(buf), &n) == -1 ||
	    (tok = json_tokener_new_ex(4)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)buf, (int)n);
	if (o != NULL && (json_tokener_get_parse_end(tok) != n ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* An integer claim into *v: 0, or -1 if absent or not a JSON integer. */
static int
claim_int(struct json_object *claims, const char *name, long *v)
{
	struct json_object	*o;
	int64_t			 n;

	if (!json_object_object_get_ex(claims, name, &o) ||
	    !json_object_is_type(o, json_type_int))
		return -1;
	errno = 0;
	n = json_object_get_int64(o);
	if (errno != 0 || n < LONG_MIN || n > LONG_MAX)
		return -1;
	*v = (long)n;
	return 0;
}

/* A non-empty string claim, borrowed from claims, or NULL. */
static const char *
claim_str(struct json_object *claims, const char *name)
{
	struct json_object	*o;

	if (!json_object_object_get_ex(claims, name, &o) ||
	    !json_object_is_type(o, json_type_string) ||
	    json_object_get_string_len(o) == 0)
		return NULL;
	return json_object_get_string(o);
}

/*
 * Verification is ours end to end, with no second HMAC and no second JSON
 * library (libjwt would compute the signature again and parse with
 * jansson): the signature first, in constant time, then the header must
 * name HS256 (whatever it says, only HMAC-SHA256 under our key passed),
 * then the claims, typed.
 */
int
token_verify(const char *authz, struct token_claims *out)
{
	struct json_object	*head = NULL, *claims = NULL, *alg, *o;
	char			*tok = NULL, *sig, *dot;
	const char		*iss, *sub, *jti, *typ, *app;
	long			 now;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	if (authz == NULL || cf->jwt_key == NULL || cf->jwt_keylen == 0)
		return -1;
	if ((tok = token_text(authz)) == NULL)
		goto out;
	sig = strrchr(tok, '.') + 1;
	if (!sig_ok(tok, (size_t)(sig - 1 - tok), sig))
		goto out;
	dot = strchr(tok, '.');
	if ((head = part_json(tok, (size_t)(dot - tok))) == NULL ||
	    !json_object_object_get_ex(head, "alg", &alg) ||
	    !json_object_is_type(alg, json_type_string) ||
	    strcmp(json_object_get_string(alg), "HS256") != 0)
		goto out;
	if ((claims = part_json(dot + 1, (size_t)(sig - 1 - (dot + 1)))) == NULL)
		goto out;

	now = (long)time(NULL);
	if (claim_int(claims, "exp", &out->exp) == -1 ||
	    claim_int(claims, "iat", &out->iat) == -1 ||
	    claim_int(claims, "epoch", &out->epoch) == -1)
		goto out;
	if (out->iat > now + IAT_SKEW)
		goto out;
	/*
	 * Tokens from before types and session ages: access tokens whose
	 * session began when they were issued.
	 */
	if (json_object_object_get_ex(claims, "auth_time", &o)) {
		if (claim_int(claims, "auth_time", &out->auth_time) == -1)
			goto out;
	} else
		out->auth_time = out->iat;
	if (out->exp <= now || out->auth_time + cf->session_max_age <= now) {
		rc = TOKEN_EXPIRED;
		goto out;
	}
	out->type = TOKEN_ACCESS;
	if (json_object_object_get_ex(claims, "typ", &o)) {
		if ((typ = claim_str(claims, "typ")) == NULL)
			goto out;
		if (strcmp(typ, type_names[TOKEN_RENEW]) == 0)
			out->type = TOKEN_RENEW;
		else if (strcmp(typ, type_names[TOKEN_ACCESS]) != 0)
			goto out;
	}
	if ((iss = claim_str(claims, "iss")) == NULL ||
	    cf->jwt_issuer == NULL || strcmp(iss, cf->jwt_issuer) != 0)
		goto out;
	if ((sub = claim_str(claims, "sub")) == NULL ||
	    (jti = claim_str(claims, "jti")) == NULL)
		goto out;
	/* An application's token: sub "app:<id>" and claim app {id, name}. */
	if (strncmp(sub, TOKEN_APP_SUB, strlen(TOKEN_APP_SUB)) == 0) {
		if (!json_object_object_get_ex(claims, "app", &o) ||
		    (app = claim_str(o, "id")) == NULL ||
		    strcmp(app, sub + strlen(TOKEN_APP_SUB)) != 0)
			goto out;
		out->app = xstrdup(app);
	}
	out->sub = xstrdup(sub);
	out->jti = xstrdup(jti);
	rc = 0;
out:
	if (rc != 0)
		token_claims_free(out);
	json_object_put(head);
	json_object_put(claims);
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
	free(c->app);
	memset(c, 0, sizeof(*c));
}
