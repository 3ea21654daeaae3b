/*
 * libFuzzer target: token_verify() on claims of arbitrary bytes, signed
 * under the key so that they are read: once by signet's own scanner and
 * once by json-c alone, which must give the same answer, claim for claim.
 * The same bytes as a JSON string through the session writer (base/jw)
 * must come out as json-c writes them.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/jw.h"
#include "core/code.h"
#include "core/problem.h"
#include "core/token.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define KEY	"fuzzing key, fuzzing key, fuzzing key!"

static struct conf	c;

/*
 * code.c's code_check() reports through these; the target never calls it,
 * and linking them would bring the database layer in.
 */
void
problem_db(struct problem *p)
{
	(void)p;
	abort();
}

void
problem_field(struct problem *p, const char *field, const char *reason)
{
	(void)p;
	(void)field;
	(void)reason;
	abort();
}

static int
verify(const char *tok, struct token_claims *tc, bool scan)
{
	token_scan_claims = scan;
	return token_verify(tok, tc);
}

static void
same_str(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 head[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";
	struct token_claims	 a, b;
	struct json_object	*o;
	struct jw		 w;
	unsigned char		 mac[32];
	char			*tok, *text;
	size_t			 n, len;
	int			 ra, rb;

	if (size > 1400)
		return 0;
	if (c.jwt_key == NULL) {
		c.jwt_key = (unsigned char *)KEY;
		c.jwt_keylen = sizeof(KEY) - 1;
		c.jwt_issuer = (char *)"signet";
		c.session_max_age = 1L << 40;
		cf = &c;
	}
	tok = malloc(sizeof(head) + CODE_B64URL_LEN(size) + 2 +
	    CODE_B64URL_LEN(32));
	memcpy(tok, head, sizeof(head) - 1);
	code_b64url(tok + sizeof(head) - 1, data, size);
	n = strlen(tok);
	code_hmac256(c.jwt_key, c.jwt_keylen, tok, n, mac);
	tok[n] = '.';
	code_b64url(tok + n + 1, mac, sizeof(mac));
	ra = verify(tok, &a, true);
	rb = verify(tok, &b, false);
	if (ra != rb || a.exp != b.exp || a.iat != b.iat ||
	    a.epoch != b.epoch || a.auth_time != b.auth_time ||
	    a.type != b.type)
		abort();
	same_str(a.sub, b.sub);
	same_str(a.jti, b.jti);
	same_str(a.app, b.app);
	token_claims_free(&a);
	token_claims_free(&b);
	free(tok);

	jw_init(&w);
	jw_strn(&w, (const char *)data, size);
	text = jw_done(&w, &len);
	o = json_object_new_string_len((const char *)data, (int)size);
	if (strcmp(text, json_object_to_json_string_ext(o, JW_JSONC_FLAGS)) != 0)
		abort();
	json_object_put(o);
	free(text);
	return 0;
}
