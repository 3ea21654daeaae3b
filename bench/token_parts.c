/*
 * bench/token_parts: what the pieces of verifying a signet JWT cost, alone
 * and hot in cache.  ISC licence, see README.
 *
 *   token_parts [-n ITERATIONS]
 *
 * Makes a token shaped like signet's (HS256; iss, sub, iat, exp, jti,
 * epoch) with libjwt, then times, per call:
 *   HMAC() one-shot            what src/token.c's sig_ok() does
 *   EVP_MAC, context reused    a MAC fetched once, re-initialised per token
 *   jwt_decode + jwt_free      what token_verify() does after sig_ok()
 *   grants_json x3             claim_int()'s way of reading exp, iat, epoch
 *   json-c parse of payload    base64url-decode and parse the claims with
 *                              json-c, read all six as typed values
 * Built by bench/run into build-bench/bench/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Unpadded base64url of len chars at s into out; returns the byte count. */
static size_t
b64url_decode(const char *s, size_t len, unsigned char *out)
{
	uint32_t	v = 0;
	size_t		i, n = 0;
	int		bits = 0, c;

	for (i = 0; i < len; i++) {
		if ((c = b64val((unsigned char)s[i])) < 0)
			return 0;
		v = v << 6 | (uint32_t)c;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return n;
}

int
main(int argc, char *argv[])
{
	static unsigned char	 key[48];
	unsigned char		 mac[EVP_MAX_MD_SIZE], buf[2048];
	OSSL_PARAM		 params[2];
	EVP_MAC			*m;
	EVP_MAC_CTX		*ctx;
	jwt_t			*jwt;
	json_object		*o, *v;
	const char		*dot1, *dot2;
	char			*tok, *s;
	unsigned int		 ml;
	size_t			 inlen, ol, n;
	volatile long		 sink = 0;
	double			 t;
	long			 i, iters = 200000;
	int			 c;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: token_parts [-n ITERATIONS]\n");
			return 2;
		}
		iters = atol(optarg);
	}
	if (iters < 1)
		iters = 1;
	memset(key, 0x5a, sizeof(key));
	if (jwt_new(&jwt) != 0 || jwt_add_grant(jwt, "iss", "signet") != 0 ||
	    jwt_add_grant(jwt, "sub", "7875e78d-6175-44b3-b8b2-d90af01acee1") ||
	    jwt_add_grant_int(jwt, "iat", 1795310727) != 0 ||
	    jwt_add_grant_int(jwt, "exp", 1795314327) != 0 ||
	    jwt_add_grant(jwt, "jti", "ICe6P6kLOKAShoNCcdTAxsll") != 0 ||
	    jwt_add_grant_int(jwt, "epoch", 0) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, key, sizeof(key)) != 0 ||
	    (tok = jwt_encode_str(jwt)) == NULL) {
		fprintf(stderr, "token_parts: cannot make a token\n");
		return 1;
	}
	jwt_free(jwt);
	dot1 = strchr(tok, '.');
	dot2 = strrchr(tok, '.');
	inlen = (size_t)(dot2 - tok);
	printf("token: %zu bytes; %ld calls each\n", strlen(tok), iters);

	t = now();
	for (i = 0; i < iters; i++) {
		ml = sizeof(mac);
		HMAC(EVP_sha256(), key, sizeof(key), (unsigned char *)tok,
		    inlen, mac, &ml);
		sink += mac[0];
	}
	printf("%-32s %6.2f us\n", "HMAC() one-shot", (now() - t) / iters * 1e6);

	m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = EVP_MAC_CTX_new(m);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx == NULL || !EVP_MAC_init(ctx, key, sizeof(key), params)) {
		fprintf(stderr, "token_parts: EVP_MAC set-up failed\n");
		return 1;
	}
	t = now();
	for (i = 0; i < iters; i++) {
		EVP_MAC_init(ctx, NULL, 0, NULL);
		EVP_MAC_update(ctx, (unsigned char *)tok, inlen);
		EVP_MAC_final(ctx, mac, &ol, sizeof(mac));
		sink += mac[0];
	}
	printf("%-32s %6.2f us\n", "EVP_MAC, context reused",
	    (now() - t) / iters * 1e6);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);

	t = now();
	for (i = 0; i < iters; i++) {
		jwt = NULL;
		sink += jwt_decode(&jwt, tok, key, sizeof(key));
		jwt_free(jwt);
	}
	printf("%-32s %6.2f us\n", "jwt_decode + jwt_free",
	    (now() - t) / iters * 1e6);

	jwt_decode(&jwt, tok, key, sizeof(key));
	t = now();
	for (i = 0; i < iters; i++) {
		s = jwt_get_grants_json(jwt, "exp");
		free(s);
		s = jwt_get_grants_json(jwt, "iat");
		free(s);
		s = jwt_get_grants_json(jwt, "epoch");
		free(s);
	}
	printf("%-32s %6.2f us\n", "jwt_get_grants_json x3",
	    (now() - t) / iters * 1e6);
	jwt_free(jwt);

	t = now();
	for (i = 0; i < iters; i++) {
		n = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf);
		buf[n] = '\0';
		o = json_tokener_parse((char *)buf);
		if (o == NULL)
			return 1;
		if (json_object_object_get_ex(o, "exp", &v))
			sink += json_object_get_int64(v);
		if (json_object_object_get_ex(o, "iat", &v))
			sink += json_object_get_int64(v);
		if (json_object_object_get_ex(o, "epoch", &v))
			sink += json_object_get_int64(v);
		if (json_object_object_get_ex(o, "iss", &v))
			sink += json_object_get_string_len(v);
		if (json_object_object_get_ex(o, "sub", &v))
			sink += json_object_get_string_len(v);
		if (json_object_object_get_ex(o, "jti", &v))
			sink += json_object_get_string_len(v);
		json_object_put(o);
	}
	printf("%-32s %6.2f us\n", "json-c parse of payload",
	    (now() - t) / iters * 1e6);
	free(tok);
	return sink == 42;
}
