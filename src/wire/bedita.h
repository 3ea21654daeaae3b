/* signet: the BEdita personality: /signup, /signup/activation, /auth/... */
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
 * URL>, "home": <public_url>/home}.  bedita_field(): a body field at the
 * top level or in a JSON:API wrapper's data.attributes or data.meta, NULL
 * when absent or JSON null (borrowed from r).  bedita_string(): the same
 * when it is a string, else NULL.  bedita_strings(): read the string
 * fields names[0..n-1] ('?' first: optional; an empty optional one counts
 * as absent); like BEdita, report every field that is missing, empty or
 * not a string in one 400 "Invalid data" and return false after
 * answering it.
 */
struct json_object *bedita_links(const struct req *);
struct json_object *bedita_field(const struct req *, const char *name);
const char *bedita_string(const struct req *, const char *name);
bool	bedita_strings(struct req *, const char *const *names, size_t n,
	    const char **out);

/*
 * The JSON:API users resource of u, never with a password hash; with
 * roles, relationships.roles.data names the one role every signet user
 * has (BEDITA_ROLE_ID), which bedita_role_resource() renders for
 * "included".
 */
struct json_object *bedita_user_resource(const struct user *, bool roles);
struct json_object *bedita_role_resource(void);

/*
 * The role every signet account has, as BEdita's /auth/user shows roles.
 * Not "1": a BEdita installation makes role 1 its admin role, and an app
 * that tells admins by that id would take every signet user for one.
 */
#define BEDITA_ROLE_ID		"2"
#define BEDITA_ROLE_NAME	"user"

/*
 * {"jwt", "renew"}: a fresh token pair of user gid at token epoch, in the
 * session begun at auth_time (0: a new one, now).  NULL when the session
 * is over or a token cannot be made (logged).
 */
struct json_object *bedita_token_meta(const char *gid, long epoch,
	    long auth_time);

/*
 * Is query's "include" parameter (comma separated, BEdita's
 * ?include=roles) only relationships /auth/user has?  true; or false with
 * *bad the first unknown one, as printable ASCII of at most 64 bytes
 * (caller frees).  No include at all is fine.  Pure.
 */
bool	bedita_include_ok(const char *query, char **bad);

/*
 * Does an Accept header let BEdita answer: empty, or naming (with any
 * parameters) application/json, application/vnd.api+json, or a wildcard
 * range of either (application/ and any)?  Pure.
 */
bool	bedita_accept_ok(const char *accept);

/*
 * The applications of bedita_clients_file (text; NULL: none): one a
 * line, "client_id client_secret [name]", blank separated, the name the
 * rest of the line (none: the client id).  Blank lines, lines whose first
 * non-blank is '#' and lines of one field are skipped.
 * bedita_client_check(): is id listed with secret?  Each listed secret is
 * compared in constant time, as a digest, so not even its length shows.
 * bedita_client_find(): is id listed at all (an app token's renewal)?
 * Both set *name (caller frees) when they return true.  Pure.
 */
bool	bedita_client_check(const char *text, const char *id,
	    const char *secret, char **name);
bool	bedita_client_find(const char *text, const char *id, char **name);

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
void	bedita_user(struct req *);		/* GET /auth/user, GET /auth */
void	bedita_user_update(struct req *);	/* PATCH /auth/user */
void	bedita_change_request(struct req *);	/* POST /auth/change */
void	bedita_change(struct req *);		/* PATCH /auth/change */
void	bedita_optout(struct req *);		/* POST /auth/optout */

#endif
