/* signet: the BEdita personality: /signup, /signup/activation, /auth. */
#ifndef SIGNET_BEDITA_H
#define SIGNET_BEDITA_H

#include <stdbool.h>
#include <stddef.h>

#include "db/user.h"
#include "wire/persona.h"
#include "wire/req.h"

/*
 * The BEdita personality: route rows point at it.  With bedita_api_keys
 * set it admits only requests carrying one of those keys in X-Api-Key.
 */
extern const struct persona bedita_persona;

/*
 * Render a problem in BEdita's JSON:API error envelope
 * {"error": {"status", "title"[, "detail"][, "code"]}, "links": {...}},
 * Content-Type application/vnd.api+json.
 */
void	bedita_fail(struct req *, const struct problem *);

/*
 * BEdita error with explicit parts: status, title, detail and code (both
 * may be NULL).
 */
void	bedita_error(struct req *, int status, const char *title,
	    const char *detail, const char *code);

/* BEdita's message for a value its rules refuse. */
#define BEDITA_INVALID	"The provided value is invalid"

/*
 * For the BEdita files only.  bedita_links(): {"self": <this request's
 * URL>, "home": <public_url>/home}.  bedita_strings(): read the string
 * fields names[0..n-1] ('?' first: optional; an empty optional one counts
 * as absent) at the top level or in a JSON:API wrapper; like BEdita,
 * report every field that is missing, empty or not a string in one 400
 * "Invalid data" and return false after answering it.
 * bedita_user_resource(): the JSON:API users resource of u, never with a
 * password hash.
 */
struct json_object *bedita_links(const struct req *);
bool	bedita_strings(struct req *, const char *const *names, size_t n,
	    const char **out);
struct json_object *bedita_user_resource(const struct user *);

/*
 * BEdita's mailed link: url + "?uuid=" + uuid, with "&uuid=" when url
 * already has a query (and no separator at all when it ends in '?' or
 * '&'), then "&redirect_url=" + the encoded redirect unless that is NULL.
 * Appended at the very end as BEdita does, so a client-side router that
 * reads a query inside the fragment ("https://app/#/activate") keeps
 * working.  Caller frees.  Pure.
 */
char	*bedita_link(const char *url, const char *uuid, const char *redirect);

/*
 * RFC 3986 percent-encoding of s for a query value: every byte but the
 * unreserved A-Z a-z 0-9 - . _ ~ as %XX (upper case).  Caller frees.
 */
char	*bedita_urlencode(const char *s);

/* The handlers; each answers every outcome itself. */
void	bedita_signup(struct req *);		/* POST /signup */
void	bedita_activation(struct req *);	/* POST /signup/activation */
void	bedita_auth(struct req *);		/* POST /auth */

#endif
