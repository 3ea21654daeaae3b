/*
 * signet: the FreeSewing personality: /signup, /confirm/signup/<id>, /login
 * (freesewing.c) and the account after login, /whoami/jwt and /account/jwt
 * (freesewing_account.c).
 */
#ifndef SIGNET_FREESEWING_H
#define SIGNET_FREESEWING_H

#include "db/user.h"
#include "wire/persona.h"
#include "wire/req.h"

/*
 * The img of an account without an avatar: FreeSewing's own default (its
 * docs' example account shows it).
 */
#define FREESEWING_DEFAULT_IMG	"https://freesewing.org/avatar.svg"

/* The FreeSewing personality: route rows point at it. */
extern const struct persona freesewing_persona;

/* Render a problem as {"result":"error","error":"<camelCaseCode>"}. */
void	freesewing_fail(struct req *, const struct problem *);

/* FreeSewing error with an explicit status and code. */
void	freesewing_error(struct req *, int status, const char *code);

/*
 * FreeSewing's mailed links, to pages of its front end: base without
 * trailing slashes + "/confirm/" + kind ("signup", "emailchange") + "/" +
 * id.  Caller frees.  Pure.
 */
char	*freesewing_confirm_link(const char *base, const char *kind,
	    const char *id);

/* The account object of FreeSewing's answers (LIFECYCLE.md 2.1). */
struct json_object *freesewing_account(const struct user *u);

/* What a PUT or PATCH /account/jwt body asks for (LIFECYCLE.md 2.2). */
struct freesewing_changes {
	char		*username;	/* trimmed of blanks; owned; NULL: keep */
	const char	*language;	/* one of FreeSewing's five; NULL: keep */
	long		 consent;	/* 0..3; -1: keep */
	const char	*password;	/* a non-empty string; NULL: keep */
	const char	*email;		/* any string (checked later); NULL */
	const char	*confirmation;	/* with "confirm": "emailchange"; NULL */
};

/*
 * Read body (NULL: none) as FreeSewing's update reads it: each field is
 * taken only when it has the type and value FreeSewing accepts, anything
 * else is ignored as if absent; fields FreeSewing has and signet has not
 * (bio, control, github, imperial, newsletter, img) are ignored too.
 * Strings are borrowed from body, but username, which is the caller's to
 * free (freesewing_changes_free()).  Pure.
 */
void	 freesewing_changes_read(const struct json_object *body,
	    struct freesewing_changes *c);
void	 freesewing_changes_free(struct freesewing_changes *c);

/* The handlers; each answers every outcome itself. */
void	freesewing_signup(struct req *);	/* POST /signup */
void	freesewing_confirm(struct req *);	/* POST /confirm/signup/<id> */
void	freesewing_login(struct req *);		/* POST /login */
void	freesewing_whoami(struct req *);	/* GET /whoami/jwt, /account/jwt */
void	freesewing_update(struct req *);	/* PUT, PATCH /account/jwt */
void	freesewing_delete(struct req *);	/* DELETE /account/jwt */
void	freesewing_mfa(struct req *);		/* POST /account/mfa/jwt */

#endif
