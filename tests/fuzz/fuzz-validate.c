/* libFuzzer target: the validators and address ranges on arbitrary bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cidr.h"
#include "core/validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidrs	 cs;
	const char	*why, *bad;
	char		*buf, *user, *email, *pw;

	/* Three NUL-separated strings: username, email, password. */
	buf = malloc(size + 3);
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	user = buf;
	email = user + strlen(user) + 1;
	if (email > buf + size)
		email = buf + size + 1;
	pw = email + strlen(email) + 1;
	if (pw > buf + size + 1)
		pw = buf + size + 2;
	(void)validate_username(user, &why);
	(void)validate_email(email, NULL, &why);
	if (strlen(pw) <= 2048)
		(void)validate_password(pw, user, email, 3, &why);
	if (cidrs_parse(&cs, user, &bad) == 0) {
		(void)cidrs_match(&cs, email);
		cidrs_free(&cs);
	}
	free(buf);
	return 0;
}
