/* signet: the mail outbox: mail queued in a transaction.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "db/mail.h"
#include "mail/message.h"
#include "mail/outbox.h"
#include "mail/template.h"

int
outbox_put(const char *to, const char *subject, const char *body)
{
	long long	 id;
	const char	*dom;

	if (!message_header_ok(to)) {
		log_err("mail: not queued: bad recipient");
		return -1;
	}
	if (db_mail_insert(to, subject, body, &id) == -1 ||
	    db_mail_notify() == -1) {
		log_err("mail: could not queue a mail");
		return -1;
	}
	dom = strrchr(to, '@');
	log_debug("mail %lld queued for @%s", id, dom ? dom + 1 : "?");
	return 0;
}

int
outbox_put_template(const char *to, const char *name, const char *lang,
    const struct mail_var *vars, size_t nvars)
{
	char	*subject, *body;
	int	 rc;

	if (template_render(name, lang, vars, nvars, &subject, &body) == -1)
		return -1;
	rc = outbox_put(to, subject, body);
	free(subject);
	xfreezero(body, strlen(body));	/* it shows a code or a link */
	return rc;
}
