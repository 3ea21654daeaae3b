/* signet: access tokens (JWT, HS256).  ISC licence, see README. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

/* The header of every token we issue, base64url: {"alg":"HS256","typ":"JWT"}. */
#define HEADER_B64	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

/* The claims a token holds at most: room for them, base64url, signed. */
#define CLAIMS_MAX	1024

/*
 * token_issue(), with app (a JSON object's text, or NULL) as claim app.
 * Made here, like token_verify() reads it: the claims written straight
 * into their JSON, the signature by code_hmac256()'s reused context.
 * libjwt (a JSON library of its own, a MAC looked up per call) took 15 us
 * a token, a tenth of /api/init's whole cost (BENCHMARKS.md); the unit
 * tests check libjwt decodes what this makes.
 */
static char *
issue(const char *sub, long epoch, enum token_type type, long auth_time,
    long *exp_out, const char *app)
{
	unsigned char	 mac[32];
	char		 claims[CLAIMS_MAX], iss[CLAIMS_MAX / 4];
	char		 subj[CLAIMS_MAX / 4], *jti, *tok;
	size_t		 n, len, hlen = sizeof(HEADER_B64) - 1;
	long		 iat, exp, end;
	int		 w;

	iat = (long)time(NULL);
	if (auth_time <= 0 || auth_time > iat)
		auth_time = iat;
	/* No token outlives the session it belongs to. */
	end = auth_time + cf->session_max_age;
	if (end <= iat)
		return NULL;
	exp = iat + cf->jwt_ttl < end ? iat + cf->jwt_ttl : end;
	/* Escaped, each fits with room to spare, or the token is refused. */
	if (log_json_string(iss, sizeof(iss), cf->jwt_issuer) + 1 >=
	    sizeof(iss) || log_json_string(subj, sizeof(subj), sub) + 1 >=
	    sizeof(subj)) {
		log_err("token_issue: the issuer or subject is too long");
		return NULL;
	}
	jti = code_token();
	w = snprintf(claims, sizeof(claims), "{\"iss\":%s,\"sub\":%s,"
	    "\"iat\":%ld,\"exp\":%ld,\"jti\":\"%s\",\"epoch\":%ld,"
	    "\"typ\":\"%s\",\"auth_time\":%ld%s%s}", iss, subj, iat, exp, jti,
	    epoch, type_names[type], auth_time, app != NULL ? ",\"app\":" : "",
	    app != NULL ? app : "");
	free(jti);
	if (w < 0 || (size_t)w >= sizeof(claims)) {
		log_err("token_issue: the claims do not fit");
		return NULL;
	}
	n = (size_t)w;
	/* header.claims.signature, each base64url without padding */
	len = hlen + 1 + CODE_B64URL_LEN(n) + 1 + SIG_LEN;
	tok = xmalloc(len + 1);
	memcpy(tok, HEADER_B64 ".", hlen + 1);
	code_b64url(tok + hlen + 1, claims, n);
	n = strlen(tok);
	code_hmac256(cf->jwt_key, cf->jwt_keylen, tok, n, mac);
	tok[n] = '.';
	code_b64url(tok + n + 1, mac, sizeof(mac));
	explicit_bzero(mac, sizeof(mac));
	if (exp_out != NULL)
		*exp_out = exp;
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
	struct json_object	*a;
	char			*sub, *tok;

	a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_string(app_id));
	json_object_object_add(a, "name", json_object_new_string(name));
	sub = xasprintf("%s%s", TOKEN_APP_SUB, app_id);
	tok = issue(sub, 0, type, auth_time, NULL,
	    json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	free(sub);
	json_object_put(a);
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
 * A token's claims.  The ones signet writes (issue()) are a flat object of
 * plain strings and small integers with no blank, and are read by
 * flat_parse(); any other text goes to json-c, whose tree then answers.
 * After the signature is checked only our key's tokens get here, so
 * json-c reads the application tokens (an object inside) and those of
 * older versions, and flat_parse() all the rest, at a tenth of the cost.
 */
#define FLAT_MAX	16

bool	token_scan_claims = true;

struct claims {
	struct json_object	*o;		/* json-c's tree, or NULL */
	size_t			 n;		/* else the flat members: */
	struct {
		char		*key, *str;	/* str NULL: an integer */
		size_t		 keylen, len;
		long		 num;
	}			 m[FLAT_MAX];
	char			 text[TOKEN_MAX + 1];
};

/* A byte a flat string holds as it is: printable ASCII, no escape. */
static bool
plain(char c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

/*
 * Read s (len bytes, NUL after them) as a flat object into c: strings of
 * plain bytes, integers of at most 18 digits without sign or leading
 * zero, no key twice, nothing else.  False for anything more (json-c then
 * reads it, and may well refuse it).
 */
static bool
flat_parse(char *s, size_t len, struct claims *c)
{
	size_t	i = 1, k, v, j, digits;
	long	num;

	c->n = 0;
	if (s[0] != '{')
		return false;
	if (s[i] == '}')
		return i + 1 == len;
	for (;;) {
		if (c->n == FLAT_MAX || s[i++] != '"')
			return false;
		for (k = i; plain(s[i]); i++)
			continue;
		if (s[i] != '"' || s[i + 1] != ':')
			return false;
		c->m[c->n].key = s + k;
		c->m[c->n].keylen = i - k;
		i += 2;
		if (s[i] == '"') {
			for (v = ++i; plain(s[i]); i++)
				continue;
			if (s[i] != '"')
				return false;
			c->m[c->n].str = s + v;
			c->m[c->n].len = i - v;
			i++;
		} else {
			for (num = 0, digits = 0; s[i] >= '0' && s[i] <= '9';
			    i++, digits++)
				if (digits < 18)	/* more: refused below */
					num = num * 10 + (s[i] - '0');
			if (digits == 0 || digits > 18 ||
			    (digits > 1 && s[i - digits] == '0'))
				return false;
			c->m[c->n].str = NULL;
			c->m[c->n].num = num;
		}
		for (j = 0; j < c->n; j++)
			if (c->m[j].keylen == c->m[c->n].keylen &&
			    memcmp(c->m[j].key, c->m[c->n].key,
			    c->m[j].keylen) == 0)
				return false;
		c->n++;
		if (s[i] == '}')
			break;
		if (s[i++] != ',')
			return false;
	}
	if (i + 1 != len)
		return false;
	/* Each key and string ends at its closing quote, now a NUL. */
	for (j = 0; j < c->n; j++) {
		c->m[j].key[c->m[j].keylen] = '\0';
		if (c->m[j].str != NULL)
			c->m[j].str[c->m[j].len] = '\0';
	}
	return true;
}

/*
 * Decode one base64url part of a token (len bytes at s) and parse it as a
 * JSON object.  Returns it (the caller puts it) or NULL.
 */
static struct json_object *
part_json(const char *s, size_t len)
{
	static struct json_tokener	*tok;	/* one per process, reset */
	unsigned char			 buf[TOKEN_MAX];
	struct json_object		*o;
	size_t				 n;

	if (code_b64url_decode(s, len, buf, sizeof(buf), &n) == -1)
		return NULL;
	if (tok == NULL) {
		if ((tok = json_tokener_new_ex(4)) == NULL)
			return NULL;
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	}
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, (const char *)buf, (int)n);
	if (o != NULL && (json_tokener_get_parse_end(tok) != n ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* The claims part of a token into c: 0, or -1 if it is no JSON object. */
static int
claims_read(const char *s, size_t len, struct claims *c)
{
	size_t	n;

	c->o = NULL;
	c->n = 0;
	if (code_b64url_decode(s, len, (unsigned char *)c->text,
	    sizeof(c->text) - 1, &n) == -1)
		return -1;
	c->text[n] = '\0';
	if (token_scan_claims && n > 0 && memchr(c->text, '\0', n) == NULL &&
	    flat_parse(c->text, n, c))
		return 0;
	return (c->o = part_json(s, len)) != NULL ? 0 : -1;
}

/* The flat member name, or -1. */
static int
flat_member(const struct claims *c, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; i < c->n; i++)
		if (c->m[i].keylen == len && memcmp(c->m[i].key, name, len) == 0)
			return (int)i;
	return -1;
}

static bool
claim_has(const struct claims *c, const char *name)
{
	if (c->o != NULL)
		return json_object_object_get_ex(c->o, name, NULL);
	return flat_member(c, name) >= 0;
}

/* An integer claim into *v: 0, or -1 if absent or not a JSON integer. */
static int
claim_int(const struct claims *c, const char *name, long *v)
{
	struct json_object	*o;
	int64_t			 n;
	int			 i;

	if (c->o == NULL) {
		if ((i = flat_member(c, name)) < 0 || c->m[i].str != NULL)
			return -1;
		*v = c->m[i].num;
		return 0;
	}
	if (!json_object_object_get_ex(c->o, name, &o) ||
	    !json_object_is_type(o, json_type_int))
		return -1;
	errno = 0;
	n = json_object_get_int64(o);
	if (errno != 0 || n < LONG_MIN || n > LONG_MAX)
		return -1;
	*v = (long)n;
	return 0;
}

/* A non-empty string member of a json-c object, borrowed, or NULL. */
static const char *
object_str(struct json_object *obj, const char *name)
{
	struct json_object	*o;

	if (!json_object_object_get_ex(obj, name, &o) ||
	    !json_object_is_type(o, json_type_string) ||
	    json_object_get_string_len(o) == 0)
		return NULL;
	return json_object_get_string(o);
}

/* A non-empty string claim, borrowed from c, or NULL. */
static const char *
claim_str(const struct claims *c, const char *name)
{
	int	i;

	if (c->o != NULL)
		return object_str(c->o, name);
	if ((i = flat_member(c, name)) < 0 || c->m[i].str == NULL ||
	    c->m[i].len == 0)
		return NULL;
	return c->m[i].str;
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
	struct json_object	*head = NULL, *alg, *o;
	struct claims		 claims;
	char			*tok = NULL, *sig, *dot;
	const char		*iss, *sub, *jti, *typ, *app;
	long			 now;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	claims.o = NULL;
	if (authz == NULL || cf->jwt_key == NULL || cf->jwt_keylen == 0)
		return -1;
	if ((tok = token_text(authz)) == NULL)
		goto out;
	sig = strrchr(tok, '.') + 1;
	if (!sig_ok(tok, (size_t)(sig - 1 - tok), sig))
		goto out;
	dot = strchr(tok, '.');
	/* Our own header, byte for byte, says HS256; any other is read. */
	if (((size_t)(dot - tok) != sizeof(HEADER_B64) - 1 ||
	    memcmp(tok, HEADER_B64, sizeof(HEADER_B64) - 1) != 0) &&
	    ((head = part_json(tok, (size_t)(dot - tok))) == NULL ||
	    !json_object_object_get_ex(head, "alg", &alg) ||
	    !json_object_is_type(alg, json_type_string) ||
	    strcmp(json_object_get_string(alg), "HS256") != 0))
		goto out;
	if (claims_read(dot + 1, (size_t)(sig - 1 - (dot + 1)), &claims) == -1)
		goto out;

	now = (long)time(NULL);
	if (claim_int(&claims, "exp", &out->exp) == -1 ||
	    claim_int(&claims, "iat", &out->iat) == -1 ||
	    claim_int(&claims, "epoch", &out->epoch) == -1)
		goto out;
	if (out->iat > now + IAT_SKEW)
		goto out;
	/*
	 * Tokens from before types and session ages: access tokens whose
	 * session began when they were issued.
	 */
	if (claim_has(&claims, "auth_time")) {
		if (claim_int(&claims, "auth_time", &out->auth_time) == -1)
			goto out;
	} else
		out->auth_time = out->iat;
	if (out->exp <= now || out->auth_time <= now - cf->session_max_age) {
		rc = TOKEN_EXPIRED;
		goto out;
	}
	out->type = TOKEN_ACCESS;
	if (claim_has(&claims, "typ")) {
		if ((typ = claim_str(&claims, "typ")) == NULL)
			goto out;
		if (strcmp(typ, type_names[TOKEN_RENEW]) == 0)
			out->type = TOKEN_RENEW;
		else if (strcmp(typ, type_names[TOKEN_ACCESS]) != 0)
			goto out;
	}
	if ((iss = claim_str(&claims, "iss")) == NULL ||
	    cf->jwt_issuer == NULL || strcmp(iss, cf->jwt_issuer) != 0)
		goto out;
	if ((sub = claim_str(&claims, "sub")) == NULL ||
	    (jti = claim_str(&claims, "jti")) == NULL)
		goto out;
	/* An application's token: sub "app:<id>" and claim app {id, name}. */
	if (strncmp(sub, TOKEN_APP_SUB, strlen(TOKEN_APP_SUB)) == 0) {
		if (claims.o == NULL ||
		    !json_object_object_get_ex(claims.o, "app", &o) ||
		    (app = object_str(o, "id")) == NULL ||
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
	json_object_put(claims.o);
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
