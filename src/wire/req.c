/* signet: one FastCGI request in, one response out.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "base/conf.h"
#include "base/jw.h"
#include "base/log.h"
#include "base/utf8.h"
#include "wire/req.h"
#include "base/xmalloc.h"

#define JSON_MAX_DEPTH	32

static unsigned long	req_count;

const char *
req_param(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fcgi->envp);
}

/*
 * The path a route is matched against.  nginx and lighttpd pass it as
 * PATH_INFO (SCRIPT_NAME empty or "/"); Apache passes the script's own
 * name in SCRIPT_NAME and the rest in PATH_INFO.  With no PATH_INFO at
 * all, fall back to the request URI without its query.
 */
static char *
route_path(const struct req *r)
{
	const char	*pi, *uri;

	pi = req_param(r, "PATH_INFO");
	if (pi != NULL && *pi != '\0')
		return xstrdup(pi);
	uri = req_param(r, "REQUEST_URI");
	if (uri == NULL || *uri == '\0')
		uri = req_param(r, "DOCUMENT_URI");
	if (uri == NULL || *uri == '\0')
		return xstrdup("/");
	return xstrndup(uri, strcspn(uri, "?"));
}

const char *
req_client(const char *peer, const char *xff)
{
	static char	 hop[64];
	const char	*end, *start, *s, *e;

	if (peer == NULL)
		peer = "";
	if (cf->proxies.n == 0 || !cidrs_match(&cf->proxies, peer) ||
	    xff == NULL)
		return peer;
	for (end = xff + strlen(xff); end > xff; end = start - 1) {
		for (start = end; start > xff && start[-1] != ','; start--)
			continue;
		for (s = start; s < end && isspace((unsigned char)*s); s++)
			continue;
		for (e = end; e > s && isspace((unsigned char)e[-1]); e--)
			continue;
		if (e > s && (size_t)(e - s) < sizeof(hop)) {
			memcpy(hop, s, (size_t)(e - s));
			hop[e - s] = '\0';
			if (!cidrs_match(&cf->proxies, hop))
				return hop;
		}
		if (start == xff)
			break;
	}
	return peer;
}

/*
 * Does any string in the tree of o, value or key, hold a NUL byte or
 * anything else that is not well-formed UTF-8?  json-c's own check lets
 * overlong forms, surrogates and code points past U+10FFFF through (and
 * makes some of them from \u escapes); PostgreSQL would then refuse the
 * statement.
 */
static bool
has_bad_string(struct json_object *o)
{
	size_t	i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		return !utf8_valid(json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (has_bad_string(json_object_array_get_idx(o, i)))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			if (!utf8_valid(k, strlen(k)) || has_bad_string(v))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

/*
 * json-c's strict mode still takes a few things RFC 8259 refuses: single
 * quotes, NaN and Infinity, "1.", raw control characters in strings.  A
 * lexical pass catches those before the parser sees the body.  It also
 * refuses the escape \u0000 anywhere: has_nul() sees it in values, but
 * json-c cuts an object key at it, so {"password\u0000x": ...} would
 * otherwise be read as "password".
 */
static bool
json_lexically_strict(const char *s, size_t len)
{
	size_t	i = 0, w;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if ((unsigned char)s[i] < 0x20)
					return false;
				if (s[i] == '\\' && len - i >= 6 &&
				    memcmp(s + i + 1, "u0000", 5) == 0)
					return false;
				if (s[i] == '\\')
					i++;
			}
			i++;
		} else if (c == '-' || isdigit(c)) {
			for (i++; i < len && (isdigit((unsigned char)s[i]) ||
			    strchr(".eE+-", s[i]) != NULL); i++)
				if (s[i] == '.' && (i + 1 == len ||
				    !isdigit((unsigned char)s[i + 1])))
					return false;
		} else if (isalpha(c)) {
			for (w = i; i < len && isalpha((unsigned char)s[i]); i++)
				continue;
			if (!((i - w == 4 && (!memcmp(s + w, "true", 4) ||
			    !memcmp(s + w, "null", 4))) ||
			    (i - w == 5 && !memcmp(s + w, "false", 5))))
				return false;
		} else if (c == '\'')
			return false;
		else
			i++;
	}
	return true;
}

int
req_json_parse(const char *body, size_t len, struct json_object **out)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	size_t			 i, used;

	*out = NULL;
	for (i = 0; i < len && isspace((unsigned char)body[i]); i++)
		continue;
	if (i == len)
		return 0;
	if (memchr(body, '\0', len) != NULL || len > INT32_MAX ||
	    !json_lexically_strict(body, len))
		return -1;
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL)
		return -1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	used = json_tokener_get_parse_end(tok);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	for (i = used; i < len; i++)
		if (!isspace((unsigned char)body[i])) {
			json_object_put(o);
			return -1;
		}
	if (!json_object_is_type(o, json_type_object) || has_bad_string(o)) {
		json_object_put(o);
		return -1;
	}
	*out = o;
	return 0;
}

int
req_parse(struct req *r, FCGX_Request *f, struct problem *p)
{
	const char	*cl;
	char		*end;
	long long	 want;
	size_t		 cap, limit, got = 0;
	int		 n;

	memset(r, 0, sizeof(*r));
	r->fcgi = f;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	snprintf(r->id, sizeof(r->id), "%d-%lu", log_pid(), ++req_count);
	r->method = req_param(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	r->path = route_path(r);
	if ((r->query = req_param(r, "QUERY_STRING")) == NULL)
		r->query = "";
	if ((r->ctype = req_param(r, "CONTENT_TYPE")) == NULL)
		r->ctype = "";
	if ((r->accept = req_param(r, "HTTP_ACCEPT")) == NULL)
		r->accept = "";
	r->authz = req_param(r, "HTTP_AUTHORIZATION");
	r->remote = req_client(req_param(r, "REMOTE_ADDR"),
	    req_param(r, "HTTP_X_FORWARDED_FOR"));
	r->status = 200;

	/*
	 * Read at most max_body + 1 bytes whatever CONTENT_LENGTH says.  The
	 * buffer starts at what CONTENT_LENGTH announces (most requests have
	 * no body) and grows only if more arrives, not at max_body each time.
	 */
	cl = req_param(r, "CONTENT_LENGTH");
	want = cl && *cl ? strtoll(cl, &end, 10) : 0;
	if (want > cf->max_body) {
		p->kind = PROB_TOO_LARGE;
		return -1;
	}
	limit = (size_t)cf->max_body + 1;
	cap = (want > 0 ? (size_t)want : 0) + 1;
	r->body = xmalloc(cap + 1);
	for (;;) {
		if (got == cap) {
			if (cap == limit)
				break;
			cap = cap > limit / 2 ? limit : cap * 2;
			r->body = xrealloc(r->body, cap + 1);
		}
		if ((n = FCGX_GetStr(r->body + got, (int)(cap - got),
		    f->in)) <= 0)
			break;
		got += (size_t)n;
	}
	r->body[got] = '\0';
	r->bodylen = got;
	r->read_all = FCGX_HasSeenEOF(f->in) == EOF && FCGX_GetError(f->in) == 0;
	if (got > (size_t)cf->max_body) {
		p->kind = PROB_TOO_LARGE;
		return -1;
	}
	if (req_json_parse(r->body, r->bodylen, &r->json) == -1) {
		p->kind = PROB_BAD_BODY;
		return -1;
	}
	return 0;
}

int
req_strings(const struct req *r, const char *const *names, size_t n,
    const char **out, struct problem *p)
{
	struct json_object	*v;
	const char		*name;
	bool			 optional;
	size_t			 i;

	for (i = 0; i < n; i++) {
		name = names[i];
		if ((optional = (*name == '?')))
			name++;
		out[i] = NULL;
		if (r->json == NULL ||
		    !json_object_object_get_ex(r->json, name, &v) ||
		    json_object_is_type(v, json_type_null)) {
			if (optional)
				continue;
			p->kind = PROB_MISSING;
			p->field = name;
			return -1;
		}
		if (!json_object_is_type(v, json_type_string)) {
			p->kind = PROB_INVALID;
			p->field = name;
			return -1;
		}
		out[i] = json_object_get_string(v);
	}
	return 0;
}

void
req_reply(struct req *r, int status, struct json_object *body)
{
	r->status = status;
	json_object_put(r->out);
	r->out = body;
	free(r->text);
	r->text = NULL;
}

void
req_reply_text(struct req *r, int status, const char *type, char *text,
    size_t len)
{
	req_reply(r, status, NULL);
	free(r->text);
	r->text = text;
	r->textlen = len;
	r->text_type = type;
}

void
req_problem_headers(struct req *r, const struct problem *p)
{
	char	buf[32];

	if (p->kind == PROB_RATE_LIMITED ||
	    (p->kind == PROB_UNAVAILABLE && p->retry_after > 0)) {
		snprintf(buf, sizeof(buf), "%ld", p->retry_after);
		req_header(r, "Retry-After", buf);
	}
	if (p->kind == PROB_UNAUTHORIZED)
		req_header(r, "WWW-Authenticate", "Bearer realm=\"signet\"");
}

void
req_header(struct req *r, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0) {
			free(r->hdr[i].value);
			r->hdr[i].value = xstrdup(value);
			return;
		}
	if (r->nhdr == REQ_MAX_HEADERS) {
		log_err("%s: too many response headers, dropping %s", r->id,
		    name);
		return;
	}
	r->hdr[r->nhdr].name = xstrdup(name);
	r->hdr[r->nhdr].value = xstrdup(value);
	r->nhdr++;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/*
 * Append the strings up to the NULL to head, at *n of sz bytes: false,
 * and nothing appended, if they do not fit with 64 bytes to spare (the
 * Content-Length line and the blank line that ends the header).
 */
static bool
append(char *head, size_t *n, size_t sz, ...)
{
	va_list		 ap;
	const char	*s;
	size_t		 at = *n, len;

	va_start(ap, sz);
	while ((s = va_arg(ap, const char *)) != NULL) {
		len = strlen(s);
		if (at + len + 64 >= sz) {
			va_end(ap);
			return false;
		}
		memcpy(head + at, s, len);
		at += len;
	}
	va_end(ap);
	*n = at;
	return true;
}

/* v in decimal at the end of buf (at least 21 bytes): where it starts. */
static const char *
decimal(char *buf, size_t v)
{
	char	*p = buf + 20;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return p;
}

/*
 * The header block is put together here by hand, not with libfcgi's
 * FCGX_FPrintF (which knows no %zu and would silently write a broken
 * block), nor with snprintf(3), four calls of which cost as much as the
 * rest of the block.
 */
void
req_send(struct req *r)
{
	const char	*body = NULL;
	char		 head[4096], num[24], len_s[24];
	size_t		 len = 0, n = 0, i;

	if (r->text != NULL) {
		body = r->text;
		len = r->textlen;
	} else if (r->out != NULL)
		body = json_object_to_json_string_length(r->out,
		    JW_JSONC_FLAGS, &len);
	(void)append(head, &n, sizeof(head), "Status: ",
	    decimal(num, (size_t)r->status), " ", reason(r->status),
	    "\r\nCache-Control: no-store\r\n", (const char *)NULL);
	if (body != NULL)
		(void)append(head, &n, sizeof(head), "Content-Type: ",
		    r->text != NULL ? r->text_type : r->persona != NULL ?
		    r->persona->content_type : "application/json", "\r\n",
		    (const char *)NULL);
	for (i = 0; i < r->nhdr; i++)
		if (!append(head, &n, sizeof(head), r->hdr[i].name, ": ",
		    r->hdr[i].value, "\r\n", (const char *)NULL)) {
			log_err("%s: response headers too long", r->id);
			break;
		}
	(void)append(head, &n, sizeof(head) + 64, "Content-Length: ",
	    decimal(len_s, len), "\r\n\r\n", (const char *)NULL);
	FCGX_PutStr(head, (int)n, r->fcgi->out);
	if (body != NULL && strcmp(r->method, "HEAD") != 0)
		FCGX_PutStr(body, (int)len, r->fcgi->out);
}

double
req_elapsed_ms(const struct req *r)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
}

void
req_free(struct req *r)
{
	size_t	i;

	free(r->path);
	xfreezero(r->body, r->bodylen);	/* passwords, codes in plain text */
	json_object_put(r->json);
	json_object_put(r->out);
	free(r->text);
	for (i = 0; i < REQ_MAX_PARAMS; i++)
		free(r->params[i]);
	for (i = 0; i < r->nhdr; i++) {
		free(r->hdr[i].name);
		free(r->hdr[i].value);
	}
	free(r->user_gid);
	memset(r, 0, sizeof(*r));
}

struct json_object *
jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}
