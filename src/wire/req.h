/* signet: one FastCGI request in, one response out.  ISC licence. */
#ifndef SIGNET_REQ_H
#define SIGNET_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "core/problem.h"
#include "wire/persona.h"

struct route;

#define REQ_MAX_PARAMS	2
#define REQ_MAX_HEADERS	8

/*
 * A request owns everything it points to; req_free() releases it all.
 * Strings from the FastCGI environment are borrowed from fcgi.
 */
struct req {
	FCGX_Request		*fcgi;
	char			 id[32];	/* "<pid>-<n>", for the log */
	struct timespec		 start;

	const char		*method;
	char			*path;		/* route path, without query */
	const char		*query;		/* QUERY_STRING or "" */
	const char		*remote;	/* client address (see trusted_proxies) */
	const char		*ctype;		/* CONTENT_TYPE or "" */
	const char		*accept;	/* HTTP_ACCEPT or "" */
	const char		*authz;		/* HTTP_AUTHORIZATION or NULL */
	char			*body;		/* NUL-terminated, bodylen bytes */
	size_t			 bodylen;
	struct json_object	*json;		/* the body object; NULL if empty */
	bool			 read_all;	/* the server has nothing left
						   to send: stdin's end seen */

	const struct route	*route;		/* matched (even by path only,
						   a 405), or NULL */
	const struct persona	*persona;	/* who answers it */
	char			*params[REQ_MAX_PARAMS]; /* '*' segments */

	/* set on routes that take a token (route.c) */
	char			*user_gid;
	long long		 user_id;	/* R_AUTH only */
	long			 token_epoch;
	long			 token_left;	/* seconds of lifetime left */
	long			 auth_time;	/* its session's start */

	/* the response */
	int			 status;
	struct json_object	*out;		/* body; NULL: empty */
	char			*text;		/* or a body not JSON (owned) */
	size_t			 textlen;
	const char		*text_type;	/* its Content-Type */
	struct {
		char	*name, *value;
	}			 hdr[REQ_MAX_HEADERS];
	size_t			 nhdr;
};

/*
 * Fill r from the FastCGI request f: parameters, path, client address and
 * the body (at most cf->max_body bytes).  Returns 0, or -1 with *p set to
 * PROB_TOO_LARGE or PROB_BAD_BODY.
 */
int	 req_parse(struct req *r, FCGX_Request *f, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Parse body (len bytes) as one JSON object: depth at most 32, UTF-8, no
 * NUL in any string.  An empty or all-blank body gives *out = NULL.
 * Returns 0, or -1 when it is not such an object.
 */
int	 req_json_parse(const char *body, size_t len, struct json_object **out)
	    __attribute__((warn_unused_result));

/*
 * The client: peer (REMOTE_ADDR; NULL: ""), or when that is a trusted
 * proxy, the right-most hop of xff (X-Forwarded-For; may be NULL) that is
 * not itself a trusted proxy.  One pass from the end: each byte of xff is
 * looked at a bounded number of times, whatever its shape.  Returns peer,
 * or a static buffer valid until the next call.
 */
const char *req_client(const char *peer, const char *xff);

/* The value of HTTP header or CGI parameter name, or NULL. */
const char *req_param(const struct req *, const char *name);

/*
 * Look up the string fields names[0..n-1] of the body, in order.  Sets
 * out[i] (borrowed from r->json, or NULL for an optional one that is
 * absent).  Names starting with '?' are optional.  Returns 0, or -1 with
 * *p = MISSING or INVALID for the first field that is absent or not a
 * string.
 */
int	 req_strings(const struct req *r, const char *const *names, size_t n,
	    const char **out, struct problem *p) __attribute__((warn_unused_result));

/* Set the response: status and body (owned by r afterwards; NULL: none). */
void	 req_reply(struct req *r, int status, struct json_object *body);
/*
 * Set a response whose body is not JSON (GET /metrics): text of len
 * bytes, owned by r afterwards, sent as Content-Type type (a constant).
 */
void	 req_reply_text(struct req *r, int status, const char *type,
	    char *text, size_t len);
/* Add a response header (both copied). */
void	 req_header(struct req *r, const char *name, const char *value);

/*
 * The headers every personality sends with a problem: Retry-After when
 * rate limited or busy (UNAVAILABLE with a retry_after), WWW-Authenticate
 * when a token was refused.
 */
void	 req_problem_headers(struct req *r, const struct problem *p);

/* Write status, headers and body to the web server. */
void	 req_send(struct req *r);

/* Milliseconds since the request started. */
double	 req_elapsed_ms(const struct req *r);

void	 req_free(struct req *r);

/* Helpers to build JSON bodies: a new string, or JSON null for NULL. */
struct json_object *jstr(const char *);

#endif
