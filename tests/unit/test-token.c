/* Unit tests: JWT issue and verify. */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/code.h"
#include "base/conf.h"
#include "core/token.h"
#include "base/xmalloc.h"

#define KEY	"0123456789abcdef0123456789abcdef"

static struct conf	c;

static void
setup(void)
{
	memset(&c, 0, sizeof(c));
	c.jwt_key = (unsigned char *)KEY;
	c.jwt_keylen = strlen(KEY);
	c.jwt_ttl = 3600;
	c.session_max_age = 30 * 86400;
	c.jwt_issuer = "signet-test";
	cf = &c;
}

/*
 * A token built by hand: header and payload JSON, signed with HMAC-SHA256
 * ("HS256"), HMAC-SHA512 ("HS512"), under another key ("badkey"), or with
 * an empty signature ("none").  The caller frees it.
 */
static char *
make(const char *header, const char *payload, const char *how)
{
	char		 h[512], p[1024], sig[128], *in;
	unsigned char	 mac[64];
	unsigned int	 maclen = 0;
	const EVP_MD	*md = EVP_sha256();
	const char	*key = KEY;
	char		*tok;

	code_b64url(h, header, strlen(header));
	code_b64url(p, payload, strlen(payload));
	in = xasprintf("%s.%s", h, p);
	sig[0] = '\0';
	if (strcmp(how, "none") != 0) {
		if (strcmp(how, "HS512") == 0)
			md = EVP_sha512();
		if (strcmp(how, "badkey") == 0)
			key = "another key, another key, another";
		HMAC(md, key, (int)strlen(key), (unsigned char *)in,
		    strlen(in), mac, &maclen);
		code_b64url(sig, mac, maclen);
	}
	tok = xasprintf("%s.%s", in, sig);
	free(in);
	return tok;
}

/* A payload with all our claims; iat and exp relative to now. */
static char *
claims(const char *iss, long iat_off, long exp_off)
{
	long	 now = (long)time(NULL);

	return xasprintf("{\"iss\":\"%s\",\"sub\":\"u-1\",\"iat\":%ld,"
	    "\"exp\":%ld,\"jti\":\"j-1\",\"epoch\":3}", iss, now + iat_off,
	    now + exp_off);
}

static int
verify(const char *tok)
{
	struct token_claims	 tc;
	int			 rc;

	rc = token_verify(tok, &tc);
	if (rc == -1)
		ck_assert_ptr_null(tc.sub);
	token_claims_free(&tc);
	return rc;
}

START_TEST(round_trip)
{
	struct token_claims	 tc;
	char			*tok;
	long			 exp = 0, now = (long)time(NULL);

	tok = token_issue("u-123", 7, TOKEN_ACCESS, 0, &exp);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(token_verify(tok, &tc), 0);
	ck_assert_str_eq(tc.sub, "u-123");
	ck_assert_int_eq(tc.epoch, 7);
	ck_assert_int_eq(tc.exp, exp);
	ck_assert_int_eq(tc.exp, tc.iat + 3600);
	ck_assert(tc.iat >= now && tc.iat <= now + 2);
	ck_assert_uint_eq(strlen(tc.jti), 24);
	ck_assert_int_eq(tc.type, TOKEN_ACCESS);
	ck_assert_int_eq(tc.auth_time, tc.iat);		/* a new session */
	token_claims_free(&tc);
	ck_assert_ptr_null(tc.sub);
	token_claims_free(&tc);		/* twice is fine */

	/* each token has its own jti */
	{
		struct token_claims	 tc2;
		char			*tok2 = token_issue("u-123", 7, TOKEN_ACCESS, 0, NULL);

		ck_assert_int_eq(token_verify(tok, &tc), 0);
		ck_assert_int_eq(token_verify(tok2, &tc2), 0);
		ck_assert_str_ne(tc.jti, tc2.jti);
		token_claims_free(&tc);
		token_claims_free(&tc2);
		free(tok2);
	}
	free(tok);
}
END_TEST

/* Types and sessions (issue 12.18). */
START_TEST(types_and_sessions)
{
	struct token_claims	 tc;
	char			*tok;
	long			 now = (long)time(NULL), exp;

	/* A renew token says so. */
	tok = token_issue("u-1", 3, TOKEN_RENEW, 0, NULL);
	ck_assert_int_eq(token_verify(tok, &tc), 0);
	ck_assert_int_eq(tc.type, TOKEN_RENEW);
	token_claims_free(&tc);
	free(tok);

	/* A refreshed token keeps its session's start... */
	tok = token_issue("u-1", 3, TOKEN_ACCESS, now - 1000, &exp);
	ck_assert_int_eq(token_verify(tok, &tc), 0);
	ck_assert_int_eq(tc.auth_time, now - 1000);
	ck_assert_int_eq(exp, tc.iat + 3600);
	token_claims_free(&tc);
	free(tok);

	/* ... and never outlives it: exp stops at auth_time + max age. */
	tok = token_issue("u-1", 3, TOKEN_ACCESS, now - c.session_max_age + 60,
	    &exp);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(exp, now + 60);
	free(tok);

	/* A session past its age gets no token, and its tokens fail. */
	ck_assert_ptr_null(token_issue("u-1", 3, TOKEN_ACCESS,
	    now - c.session_max_age, NULL));
	tok = token_issue("u-1", 3, TOKEN_ACCESS, now - 100, NULL);
	c.session_max_age = 50;
	ck_assert_int_eq(token_verify(tok, &tc), TOKEN_EXPIRED);
	c.session_max_age = 30 * 86400;
	ck_assert_int_eq(token_verify(tok, &tc), 0);
	token_claims_free(&tc);
	free(tok);
}
END_TEST

/* Claims as older tokens and forgers write them. */
START_TEST(type_claims)
{
	struct token_claims	 tc;
	char			 payload[512], *tok;
	long			 now = (long)time(NULL);
	static const struct {
		const char	*extra;
		int		 rc;
		int		 type;
	} cases[] = {
		{ "", 0, TOKEN_ACCESS },		/* before types */
		{ ",\"typ\":\"access\"", 0, TOKEN_ACCESS },
		{ ",\"typ\":\"renew\"", 0, TOKEN_RENEW },
		{ ",\"typ\":\"refresh\"", -1, 0 },
		{ ",\"typ\":1", -1, 0 },
		{ ",\"typ\":\"\"", -1, 0 },
		{ ",\"auth_time\":\"x\"", -1, 0 },
		{ ",\"auth_time\":1", TOKEN_EXPIRED, 0 },	/* 1970: too old */
	};
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(payload, sizeof(payload), "{\"iss\":\"signet-test\","
		    "\"sub\":\"u\",\"jti\":\"j\",\"iat\":%ld,\"exp\":%ld,"
		    "\"epoch\":0%s}", now, now + 60, cases[i].extra);
		tok = make("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload,
		    "HS256");
		ck_assert_msg(token_verify(tok, &tc) == cases[i].rc, "case %zu",
		    i);
		if (cases[i].rc == 0) {
			ck_assert_int_eq(tc.type, cases[i].type);
			ck_assert_int_eq(tc.auth_time, now);
		}
		token_claims_free(&tc);
		free(tok);
	}
}
END_TEST

static const struct {
	const char	*fmt;	/* %s: the token */
	int		 rc;
} forms[] = {
	{ "%s", 0 },
	{ "Bearer %s", 0 },
	{ "bearer %s", 0 },
	{ "BEARER %s", 0 },
	{ "BeArEr    %s   ", 0 },
	{ "\tBearer\t%s\t", 0 },
	{ "   %s  ", 0 },
	{ "Bearer%s", -1 },
	{ "Basic %s", -1 },
	{ "Bearer Bearer %s", -1 },
	{ "Bearer %s x", -1 },
	{ "%s.", -1 },
	{ "%sx", -1 },
	{ "x%s", -1 },
	{ "Bearer\n%s", -1 },
	{ "%s\n", -1 },
};

START_TEST(header_forms)
{
	char	*tok, *authz;

	tok = token_issue("u-1", 1, TOKEN_ACCESS, 0, NULL);
	ck_assert_ptr_nonnull(tok);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	authz = xasprintf(forms[_i].fmt, tok);
#pragma GCC diagnostic pop
	ck_assert_msg(verify(authz) == forms[_i].rc, "form %d", _i);
	free(authz);
	free(tok);
}
END_TEST

START_TEST(tampered)
{
	char	*tok, *bad, *p, *payload, *dot1, *dot2;
	char	 b64[512];
	size_t	 len;

	tok = token_issue("u-1", 1, TOKEN_ACCESS, 0, NULL);
	ck_assert_int_eq(verify(tok), 0);
	dot1 = strchr(tok, '.');
	dot2 = strrchr(tok, '.');

	/* the payload re-encoded with another sub, signature kept */
	payload = xasprintf("{\"iss\":\"signet-test\",\"sub\":\"u-2\","
	    "\"iat\":%ld,\"exp\":%ld,\"jti\":\"x\",\"epoch\":1}",
	    (long)time(NULL), (long)time(NULL) + 60);
	code_b64url(b64, payload, strlen(payload));
	bad = xasprintf("%.*s.%s%s", (int)(dot1 - tok), tok, b64, dot2);
	ck_assert_int_eq(verify(bad), -1);
	free(bad);
	free(payload);

	/* one payload character changed */
	bad = xstrdup(tok);
	p = bad + (dot1 - tok) + 5;
	*p = *p == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(bad), -1);
	free(bad);

	/* the signature: first character, last character, truncated, gone */
	bad = xstrdup(tok);
	p = bad + (dot2 - tok) + 1;
	*p = *p == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(bad), -1);
	free(bad);
	bad = xstrdup(tok);
	len = strlen(bad);
	/* 'A' <-> 'B' in the last place changes only padding bits */
	bad[len - 1] = bad[len - 1] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(bad), -1);
	bad[len - 1] = '\0';
	ck_assert_int_eq(verify(bad), -1);
	bad[dot2 - tok + 1] = '\0';
	ck_assert_int_eq(verify(bad), -1);
	free(bad);

	/* another key */
	c.jwt_key = (unsigned char *)"fedcba9876543210fedcba9876543210";
	ck_assert_int_eq(verify(tok), -1);
	free(tok);
}
END_TEST

/* Hand-made tokens: each row one thing right or wrong. */
static const struct {
	const char	*header;
	const char	*how;
	const char	*iss;
	long		 iat_off, exp_off;
	int		 rc;
	const char	*what;
} made[] = {
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    0, 60, 0, "well made" },
	{ "{\"alg\":\"HS256\"}", "HS256", "signet-test", 0, 60, 0,
	    "no typ" },
	{ "{\"alg\":\"none\",\"typ\":\"JWT\"}", "none", "signet-test",
	    0, 60, -1, "alg none, no signature" },
	{ "{\"alg\":\"none\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    0, 60, -1, "alg none, HS256 signature" },
	{ "{\"alg\":\"None\",\"typ\":\"JWT\"}", "none", "signet-test",
	    0, 60, -1, "alg None" },
	{ "{\"typ\":\"JWT\"}", "HS256", "signet-test", 0, 60, -1,
	    "no alg" },
	{ "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "HS512", "signet-test",
	    0, 60, -1, "HS512 under our key" },
	{ "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    0, 60, -1, "says HS512, HS256 signature" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS512", "signet-test",
	    0, 60, -1, "says HS256, HS512 signature" },
	{ "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    0, 60, -1, "says RS256" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "badkey", "signet-test",
	    0, 60, -1, "another key" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    -7200, -3600, TOKEN_EXPIRED, "expired an hour ago" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    -3600, 0, TOKEN_EXPIRED, "expires now" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    -3600, 5, 0, "expires in 5 s" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    30, 3600, 0, "iat 30 s ahead" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet-test",
	    120, 3600, -1, "iat 120 s ahead" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet", 0, 60,
	    -1, "wrong issuer" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "signet-test2",
	    0, 60, -1, "issuer with a suffix" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256", "", 0, 60, -1,
	    "empty issuer" },
	{ "not json", "HS256", "signet-test", 0, 60, -1, "header not JSON" },
};

START_TEST(made_table)
{
	char	*payload, *tok;

	payload = claims(made[_i].iss, made[_i].iat_off, made[_i].exp_off);
	tok = make(made[_i].header, payload, made[_i].how);
	ck_assert_msg(verify(tok) == made[_i].rc, "%s: %s", made[_i].what,
	    tok);
	free(tok);
	free(payload);
}
END_TEST

/* Payloads signed right but with claims missing or of the wrong type. */
static const char *const payloads[] = {
	"{\"iss\":\"signet-test\",\"iat\":%ld,\"exp\":%ld,\"jti\":\"j\","
	    "\"epoch\":3}",
	"{\"iss\":\"signet-test\",\"sub\":\"\",\"iat\":%ld,\"exp\":%ld,"
	    "\"jti\":\"j\",\"epoch\":3}",
	"{\"iss\":\"signet-test\",\"sub\":42,\"iat\":%ld,\"exp\":%ld,"
	    "\"jti\":\"j\",\"epoch\":3}",
	"{\"iss\":\"signet-test\",\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld,"
	    "\"jti\":\"j\"}",
	"{\"iss\":\"signet-test\",\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld,"
	    "\"jti\":\"j\",\"epoch\":\"3\"}",
	"{\"iss\":\"signet-test\",\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld,"
	    "\"epoch\":3}",
	"{\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld,\"jti\":\"j\",\"epoch\":3}",
	"{\"iss\":\"signet-test\",\"sub\":\"u\",\"iat\":%ld,\"exp\":\"%ld\","
	    "\"jti\":\"j\",\"epoch\":3}",
	"{\"iss\":\"signet-test\",\"sub\":\"u\",\"iat\":\"%ld\",\"exp\":%ld,"
	    "\"jti\":\"j\",\"epoch\":3}",
	"{\"iss\":\"signet-test\",\"sub\":\"u\",\"iat\":%ld,\"exp\":%ld.5,"
	    "\"jti\":\"j\",\"epoch\":3}",
	"{\"iss\":\"signet-test\",\"sub\":\"u\",\"nbf\":%ld,\"x\":%ld,"
	    "\"jti\":\"j\",\"epoch\":3}",
	"[%ld, %ld]",
};

START_TEST(claims_table)
{
	char	*payload, *tok;
	long	 now = (long)time(NULL);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	payload = xasprintf(payloads[_i], now, now + 60);
#pragma GCC diagnostic pop
	tok = make("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, "HS256");
	ck_assert_msg(verify(tok) == -1, "payload %d", _i);
	free(tok);
	free(payload);
}
END_TEST

/*
 * Claims as signet writes them are read by a scanner of its own, all
 * other JSON by json-c: whichever reads them, the same claims give the
 * same answer.  %1$ld is now, %2$ld an hour on.
 */
#define CL_HEAD	"\"iss\":\"signet-test\",\"iat\":%1$ld,\"exp\":%2$ld,\"jti\":\"j\""
static const struct {
	const char	*payload;
	int		 rc;
	const char	*sub;
	long		 epoch;
} alike[] = {
	/* ours, the scanner's */
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3}", 0, "u-1", 3 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":0}", 0, "u-1", 0 },
	{ "{" CL_HEAD ",\"sub\":\"u 1/2\",\"epoch\":999999999999999999}",
	    0, "u 1/2", 999999999999999999L },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3,\"\":\"\"}", 0, "u-1", 3 },
	/* json-c's: blanks, escapes, other bytes, more digits, a sign */
	{ "{ " CL_HEAD ", \"sub\" : \"u-1\", \"epoch\" : 3 }\n", 0, "u-1", 3 },
	{ "{" CL_HEAD ",\"sub\":\"u\\\"1\",\"epoch\":3}", 0, "u\"1", 3 },
	{ "{" CL_HEAD ",\"sub\":\"\\u0075-1\",\"epoch\":3}", 0, "u-1", 3 },
	{ "{" CL_HEAD ",\"sub\":\"\xc3\xa9\",\"epoch\":3}", 0, "\xc3\xa9", 3 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":1000000000000000000}",
	    0, "u-1", 1000000000000000000L },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":-2}", 0, "u-1", -2 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3,\"x\":{\"a\":[1]}}", 0,
	    "u-1", 3 },
	{ "{" CL_HEAD ",\"sub\":\"u-0\",\"epoch\":3,\"sub\":\"u-1\"}", 0,
	    "u-1", 3 },		/* a key twice: the last one */
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":"
	    "999999999999999999999999999999}", 0, "u-1",
	    LONG_MAX },		/* past int64: json-c's, saturated */
	/* refused either way */
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":03}", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3,}", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3}x", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3}}", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":true}", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":null,\"epoch\":3}", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3.0}", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3e0}", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1\",\"epoch\":3", -1, NULL, 0 },
	{ "{" CL_HEAD ",\"sub\":\"u-1,\"epoch\":3}", -1, NULL, 0 },
	{ "{" CL_HEAD ",sub:\"u-1\",\"epoch\":3}", -1, NULL, 0 },
	{ "{}", -1, NULL, 0 },
	{ "{", -1, NULL, 0 },
	{ "", -1, NULL, 0 },
};

START_TEST(claims_alike)
{
	struct token_claims	 tc;
	char			*payload, *tok;
	long			 now = (long)time(NULL);
	int			 rc, scan;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	payload = xasprintf(alike[_i].payload, now, now + 3600);
#pragma GCC diagnostic pop
	tok = make("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, "HS256");
	for (scan = 0; scan < 2; scan++) {	/* json-c alone, then as built */
		token_scan_claims = scan;
		rc = token_verify(tok, &tc);
		ck_assert_msg(rc == alike[_i].rc, "row %d, scan %d: %s", _i,
		    scan, payload);
		if (rc == 0) {
			ck_assert_str_eq(tc.sub, alike[_i].sub);
			ck_assert_str_eq(tc.jti, "j");
			ck_assert_int_eq(tc.epoch, alike[_i].epoch);
			ck_assert_int_eq(tc.iat, now);
			ck_assert_int_eq(tc.exp, now + 3600);
			ck_assert_int_eq(tc.auth_time, now);
			ck_assert_int_eq(tc.type, TOKEN_ACCESS);
		} else
			ck_assert_ptr_null(tc.sub);
		token_claims_free(&tc);
	}
	free(tok);
	free(payload);
}
END_TEST

/* Tokens libjwt makes with other algorithms under the same key. */
/*
 * What token_issue() makes by hand, an independent implementation reads:
 * libjwt decodes it under the same key, HS256, with every claim typed as
 * written; under another key it refuses it.  An application's token too.
 */
START_TEST(libjwt_reads_ours)
{
	jwt_t	*jwt;
	char	*tok, *app;
	long	 now = (long)time(NULL), exp;

	c.jwt_issuer = "signet \"test\"";
	tok = token_issue("33a9f10c-8cb6-4380-81e0-c176d85192b1", 7,
	    TOKEN_RENEW, now - 5, &exp);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(jwt_decode(&jwt, tok, (const unsigned char *)KEY,
	    (int)strlen(KEY)), 0);
	ck_assert_int_eq(jwt_get_alg(jwt), JWT_ALG_HS256);
	ck_assert_str_eq(jwt_get_header(jwt, "typ"), "JWT");
	ck_assert_str_eq(jwt_get_grant(jwt, "iss"), "signet \"test\"");
	ck_assert_str_eq(jwt_get_grant(jwt, "sub"),
	    "33a9f10c-8cb6-4380-81e0-c176d85192b1");
	ck_assert_str_eq(jwt_get_grant(jwt, "typ"), "renew");
	ck_assert_int_eq(jwt_get_grant_int(jwt, "epoch"), 7);
	ck_assert_int_eq(jwt_get_grant_int(jwt, "auth_time"), now - 5);
	ck_assert_int_eq(jwt_get_grant_int(jwt, "exp"), exp);
	ck_assert(jwt_get_grant_int(jwt, "iat") >= now);
	ck_assert_uint_eq(strlen(jwt_get_grant(jwt, "jti")), CODE_TOKEN_LEN);
	jwt_free(jwt);
	ck_assert_int_ne(jwt_decode(&jwt, tok, (const unsigned char *)
	    "another key, another key, another", 33), 0);
	free(tok);

	tok = token_issue_app("app-1", "My \"app\"", TOKEN_ACCESS, 0);
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(jwt_decode(&jwt, tok, (const unsigned char *)KEY,
	    (int)strlen(KEY)), 0);
	app = jwt_get_grants_json(jwt, "app");
	ck_assert_str_eq(app, "{\"id\":\"app-1\",\"name\":\"My \\\"app\\\"\"}");
	ck_assert_str_eq(jwt_get_grant(jwt, "sub"), "app:app-1");
	free(app);
	jwt_free(jwt);
	free(tok);
}
END_TEST

START_TEST(libjwt_algs)
{
	static const jwt_alg_t	 algs[] = { JWT_ALG_HS384, JWT_ALG_HS512,
	    JWT_ALG_NONE };
	jwt_t			*jwt;
	char			*tok;
	long			 now = (long)time(NULL);
	size_t			 i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		ck_assert_int_eq(jwt_new(&jwt), 0);
		ck_assert_int_eq(jwt_add_grant(jwt, "iss", "signet-test"), 0);
		ck_assert_int_eq(jwt_add_grant(jwt, "sub", "u-1"), 0);
		ck_assert_int_eq(jwt_add_grant(jwt, "jti", "j"), 0);
		ck_assert_int_eq(jwt_add_grant_int(jwt, "iat", now), 0);
		ck_assert_int_eq(jwt_add_grant_int(jwt, "exp", now + 60), 0);
		ck_assert_int_eq(jwt_add_grant_int(jwt, "epoch", 1), 0);
		if (algs[i] == JWT_ALG_NONE)
			ck_assert_int_eq(jwt_set_alg(jwt, algs[i], NULL, 0), 0);
		else
			ck_assert_int_eq(jwt_set_alg(jwt, algs[i],
			    (const unsigned char *)KEY, strlen(KEY)), 0);
		tok = jwt_encode_str(jwt);
		ck_assert_ptr_nonnull(tok);
		ck_assert_msg(verify(tok) == -1, "alg %d accepted", algs[i]);
		free(tok);
		jwt_free(jwt);
	}
}
END_TEST

static const char *const junk[] = {
	"",
	" ",
	"Bearer",
	"Bearer ",
	"Bearer    ",
	"null",
	"a.b",
	"a.b.c",
	"a.b.c.d",
	"..",
	"a..c",
	".b.c",
	"eyJhbGciOiJIUzI1NiJ9..sig",
	"eyJhbGciOiJIUzI1NiJ9.e30.",
	"eyJhbGciOiJIUzI1NiJ9.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"eyJhbGciOiJIUzI1NiJ9.e30=.AAAA",
	"eyJhbGciOiJIUzI1NiJ9.e3+/.AAAA",
	"Bearer \xff\xfe.\x01.x",
	"\xc3\xa9.\xc3\xa9.\xc3\xa9",
};

START_TEST(junk_table)
{
	ck_assert_msg(verify(junk[_i]) == -1, "junk %d", _i);
}
END_TEST

START_TEST(junk_other)
{
	struct token_claims	 tc;
	char			*big;

	ck_assert_int_eq(token_verify(NULL, &tc), -1);
	big = xmalloc(100001);
	memset(big, 'A', 100000);
	big[100000] = '\0';
	big[10] = big[20] = '.';
	ck_assert_int_eq(verify(big), -1);
	free(big);

	/* no key loaded: nothing verifies */
	big = token_issue("u-1", 1, TOKEN_ACCESS, 0, NULL);
	c.jwt_key = NULL;
	c.jwt_keylen = 0;
	ck_assert_int_eq(verify(big), -1);
	free(big);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("token");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, types_and_sessions);
	tcase_add_test(tc, type_claims);
	tcase_add_loop_test(tc, header_forms, 0,
	    sizeof(forms) / sizeof(forms[0]));
	tcase_add_test(tc, tampered);
	tcase_add_loop_test(tc, made_table, 0, sizeof(made) / sizeof(made[0]));
	tcase_add_loop_test(tc, claims_alike, 0,
	    sizeof(alike) / sizeof(alike[0]));
	tcase_add_loop_test(tc, claims_table, 0,
	    sizeof(payloads) / sizeof(payloads[0]));
	tcase_add_test(tc, libjwt_algs);
	tcase_add_test(tc, libjwt_reads_ours);
	tcase_add_loop_test(tc, junk_table, 0, sizeof(junk) / sizeof(junk[0]));
	tcase_add_test(tc, junk_other);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
