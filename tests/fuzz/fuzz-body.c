/*
 * libFuzzer target: a whole request body, through the parser and on into
 * the validators every flow runs on its fields.  What must hold: a body
 * that parses is an object whose every string (value and key) is valid
 * UTF-8 without NUL; an address validate_email() takes comes back in a
 * form it takes again, unchanged (its domain an ASCII A-label); a login
 * normalizes to itself; no validator crashes, whatever the bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/utf8.h"
#include "core/validate.h"
#include "wire/req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	*prefixes[] = { "https://app.example.org/", "myapp://",
    "http://127.0.0.1:8080", NULL };
static struct conf	c = { .links = prefixes };

/* The string field name of o, or NULL. */
static const char *
field(struct json_object *o, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
check_email(const char *e)
{
	const char	*why;
	char		*norm, *again, *dom;

	if (!validate_email(e, &norm, &why))
		return;
	/* The stored form is taken again, as it is. */
	if (!validate_email(norm, &again, &why) || strcmp(norm, again) != 0)
		__builtin_trap();
	for (dom = strchr(norm, '@'); dom != NULL && *dom != '\0'; dom++)
		if ((unsigned char)*dom >= 0x80 ||
		    (*dom >= 'A' && *dom <= 'Z'))
			__builtin_trap();
	free(again);
	free(norm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*o = NULL;
	const char		*s, *why;
	char			*l;

	cf = &c;
	if (req_json_parse((const char *)data, size, &o) != 0 || o == NULL)
		goto out;
	if (!json_object_is_type(o, json_type_object))
		__builtin_trap();
	json_object_object_foreach(o, k, v) {
		if (!utf8_valid(k, strlen(k)))
			__builtin_trap();
		if (json_object_is_type(v, json_type_string) &&
		    !utf8_valid(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v)))
			__builtin_trap();
	}
	if ((s = field(o, "username")) != NULL)
		(void)validate_username(s, &why);
	if ((s = field(o, "email")) != NULL)
		check_email(s);
	if ((s = field(o, "password")) != NULL && strlen(s) <= 256)
		(void)validate_password(s, field(o, "username"),
		    field(o, "email"), 3, &why);
	if ((s = field(o, "activation_url")) != NULL)
		(void)validate_link(s, &why);
	if ((s = field(o, "redirect_url")) != NULL)
		(void)validate_url(s, &why);
	if ((s = field(o, "login")) != NULL) {
		l = validate_login(s);
		free(l);
	}
	if ((s = field(o, "project")) != NULL)
		(void)validate_gid(s);
out:
	json_object_put(o);
	return 0;
}
