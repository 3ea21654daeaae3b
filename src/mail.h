/* signet: mail templates, message composition, the outbox.  ISC licence. */
#ifndef SIGNET_MAIL_H
#define SIGNET_MAIL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A template variable: {{name}} in a template becomes value.  Both are
 * borrowed for the duration of the call.
 */
struct mail_var {
	const char	*name;
	const char	*value;
};

/*
 * Render <templates_dir>/<lang>/<name>.txt: its first line is
 * "Subject: ...", then a blank line, then the UTF-8 body.  A language
 * without that template (or NULL) falls back to its primary subtag
 * ("nl-BE" -> "nl"), then to default_language, then to "en".  Every
 * {{var}} must be one of vars; an unknown one is an error (logged), so a
 * typo in a template never reaches a user.  Templates are read once per
 * process and cached by path.  On success *subject and *body are the
 * caller's to free; returns 0, or -1 (logged) with both set to NULL.
 */
int	 mail_render(const char *name, const char *lang,
	    const struct mail_var *vars, size_t nvars, char **subject,
	    char **body) __attribute__((warn_unused_result));

/*
 * The languages that have templates: the directories of templates_dir
 * holding a signup_code.txt, scanned once per process (again if
 * templates_dir changes), sorted.  *codes points into storage owned by
 * this module, valid until the next scan; returns how many there are.
 */
size_t	 mail_languages(const char *const **codes);

/* The English name of an ISO 639-1 code ("nl" -> "Dutch"); unknown: code. */
const char *mail_language_name(const char *code);

/* Does code name a language that has templates (see mail_languages())? */
bool	 mail_language_ok(const char *code);

/* Forget cached templates and the language list (reload, tests). */
void	 mail_cache_clear(void);

/*
 * A complete RFC 5322 message from from to to: Date, From, To, Subject
 * (RFC 2047 encoded when not plain ASCII, folded), a random Message-ID at
 * from's domain, MIME headers for UTF-8 text/plain in quoted-printable.
 * Lines end in CRLF; the Subject is folded within 78 octets, body lines
 * are at most 76 (so no line nears SMTP's 998).  from may be "addr" or
 * "Name <addr>".  Returns a string the caller frees, or NULL (logged) when
 * from or to holds a line break or is empty.
 */
char	*mail_message(const char *from, const char *to, const char *subject,
	    const char *body);

/*
 * The addr-spec of from ("Name <a@b>" -> "a@b"; "a@b" -> "a@b"), for the
 * SMTP envelope.  The caller frees it.
 */
char	*mail_address(const char *from);

/*
 * Put a mail into the outbox and NOTIFY the mailers.  Meant to run inside
 * the caller's transaction (db_begin() ... db_commit()), so the mail is
 * committed together with what it announces, and the NOTIFY is delivered
 * at that commit.  Returns 0 or -1 (logged; the caller rolls back).
 */
int	 mail_queue(const char *to, const char *subject, const char *body)
	    __attribute__((warn_unused_result));

/* mail_render() then mail_queue().  Returns 0 or -1. */
int	 mail_queue_template(const char *to, const char *name,
	    const char *lang, const struct mail_var *vars, size_t nvars)
	    __attribute__((warn_unused_result));

#endif
