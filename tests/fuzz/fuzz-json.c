/* libFuzzer target: request bodies through req_json_parse(). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "wire/req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*o = NULL;

	if (req_json_parse((const char *)data, size, &o) == 0 && o != NULL) {
		/* Whatever parses must be an object whose strings are C strings. */
		if (!json_object_is_type(o, json_type_object))
			__builtin_trap();
		json_object_object_foreach(o, k, v) {
			if (json_object_is_type(v, json_type_string) &&
			    strlen(json_object_get_string(v)) !=
			    (size_t)json_object_get_string_len(v))
				__builtin_trap();
			(void)k;
		}
	}
	json_object_put(o);
	return 0;
}
