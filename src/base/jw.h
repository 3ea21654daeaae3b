/* signet: JSON written straight into a buffer.  ISC licence, see README. */
#ifndef SIGNET_BASE_JW_H
#define SIGNET_BASE_JW_H

#include <stdbool.h>
#include <stddef.h>

#include "base/xmalloc.h"

/*
 * A JSON text written front to back, byte for byte what json-c's
 * json_object_to_json_string_ext(JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE) makes of the same tree: no blanks,
 * strings escaped as json-c escapes them.  For the answers every client
 * asks for often (the session), where building a json-c tree, writing it
 * out and freeing it cost more than the rest of the request's own work.
 * The caller writes a well-formed sequence (a key before each member's
 * value); the writer puts the commas.  Memory runs out as in xmalloc.
 */

/* json-c's flags for that text (the caller includes <json-c/json.h>). */
#define JW_JSONC_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct jw {
	struct xbuf	out;
	bool		comma;	/* a value came last: the next needs one */
};

void	 jw_init(struct jw *);
void	 jw_open(struct jw *, char brace);	/* '{' or '[' */
void	 jw_close(struct jw *, char brace);	/* '}' or ']' */
void	 jw_key(struct jw *, const char *key);
void	 jw_str(struct jw *, const char *s);	/* NULL: null */
void	 jw_strn(struct jw *, const char *s, size_t n);
void	 jw_int(struct jw *, long long v);
void	 jw_bool(struct jw *, bool v);
void	 jw_raw(struct jw *, const char *json, size_t n); /* a whole value */

/* Members of an object, each key[i] with the string value[i] (NULL: null). */
void	 jw_strings(struct jw *, const char *const *key,
	    const char *const *value, size_t n);

/* The text (NUL-terminated, *len bytes), the caller's to free. */
char	*jw_done(struct jw *, size_t *len);

#endif
