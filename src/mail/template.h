/* signet: mail templates.  ISC licence. */
#ifndef SIGNET_MAIL_TEMPLATE_H
#define SIGNET_MAIL_TEMPLATE_H

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
int	 template_render(const char *name, const char *lang,
	    const struct mail_var *vars, size_t nvars, char **subject,
	    char **body) __attribute__((warn_unused_result));

/* Forget cached templates and the language list (reload, tests). */
void	 template_cache_clear(void);

#endif
