/* signet: the mail outbox: mail queued in a transaction.  ISC licence. */
#ifndef SIGNET_MAIL_OUTBOX_H
#define SIGNET_MAIL_OUTBOX_H

#include <stddef.h>

#include "mail/template.h"

/*
 * Put a mail into the outbox and NOTIFY the mailers.  Meant to run inside
 * the caller's transaction (db_begin() ... db_commit()), so the mail is
 * committed together with what it announces, and the NOTIFY is delivered
 * at that commit.  Returns 0 or -1 (logged; the caller rolls back).
 */
int	 outbox_put(const char *to, const char *subject, const char *body)
	    __attribute__((warn_unused_result));

/* template_render() then outbox_put().  Returns 0 or -1. */
int	 outbox_put_template(const char *to, const char *name,
	    const char *lang, const struct mail_var *vars, size_t nvars)
	    __attribute__((warn_unused_result));

#endif
