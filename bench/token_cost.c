/*
 * bench/token_cost: what signet's own token_issue() and token_verify()
 * cost per call, hot in cache, beside libjwt's encode and decode of the
 * same claims (what signet used to call).  ISC licence, see README.
 *
 *   token_cost [-n ITERATIONS]
 *
 * Links signet's library; built by bench/run into build-bench/bench/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jwt.h>

#include "base/conf.h"
#include "core/token.h"

#define GID	"33a9f10c-8cb6-4380-81e0-c176d85192b1"

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libjwt's token of the same claims as token_issue() writes. */
static char *
libjwt_issue(const unsigned char *key, size_t keylen)
{
	jwt_t	*j;
	char	*s;
	long	 t = (long)time(NULL);

	if (jwt_new(&j) != 0)
		exit(1);
	jwt_add_grant(j, "iss", "signet");
	jwt_add_grant(j, "sub", GID);
	jwt_add_grant_int(j, "iat", t);
	jwt_add_grant_int(j, "exp", t + 3600);
	jwt_add_grant(j, "jti", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
	jwt_add_grant_int(j, "epoch", 3);
	jwt_add_grant(j, "typ", "access");
	jwt_add_grant_int(j, "auth_time", t);
	jwt_set_alg(j, JWT_ALG_HS256, key, (int)keylen);
	s = jwt_encode_str(j);
	jwt_free(j);
	return s;
}

int
main(int argc, char *argv[])
{
	static struct conf	 c;
	static unsigned char	 key[48];
	struct token_claims	 tc;
	jwt_t			*j;
	char			*tok;
	double			 t0;
	long			 n = 200000, i;
	int			 ch;

	while ((ch = getopt(argc, argv, "n:")) != -1)
		if (ch == 'n')
			n = atol(optarg);
	memset(key, 7, sizeof(key));
	c.jwt_key = key;
	c.jwt_keylen = sizeof(key);
	c.jwt_ttl = 3600;
	c.session_max_age = 30 * 86400;
	c.jwt_issuer = "signet";
	cf = &c;

	t0 = now();
	for (i = 0; i < n; i++)
		free(token_issue(GID, 3, TOKEN_ACCESS, 0, NULL));
	printf("token_issue (signet)        %6.2f us\n", (now() - t0) / n * 1e6);
	t0 = now();
	for (i = 0; i < n; i++)
		free(libjwt_issue(key, sizeof(key)));
	printf("jwt_encode_str (libjwt)     %6.2f us\n", (now() - t0) / n * 1e6);
	tok = token_issue(GID, 3, TOKEN_ACCESS, 0, NULL);
	t0 = now();
	for (i = 0; i < n; i++) {
		if (token_verify(tok, &tc) != 0)
			exit(1);
		token_claims_free(&tc);
	}
	printf("token_verify (signet)       %6.2f us\n", (now() - t0) / n * 1e6);
	t0 = now();
	for (i = 0; i < n; i++) {
		if (jwt_decode(&j, tok, key, (int)sizeof(key)) != 0)
			exit(1);
		jwt_free(j);
	}
	printf("jwt_decode (libjwt)         %6.2f us\n", (now() - t0) / n * 1e6);
	free(tok);
	return 0;
}
