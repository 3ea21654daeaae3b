/* signet: RFC 5322 messages.  ISC licence. */
#ifndef SIGNET_MAIL_MESSAGE_H
#define SIGNET_MAIL_MESSAGE_H

#include <stdbool.h>

/*
 * A complete RFC 5322 message from from to to: Date, From, To, Subject
 * (RFC 2047 encoded when not plain ASCII, folded), a random Message-ID at
 * from's domain, MIME headers for UTF-8 text/plain in quoted-printable.
 * Lines end in CRLF; the Subject is folded within 78 octets, body lines
 * are at most 76 (so no line nears SMTP's 998).  from may be "addr" or
 * "Name <addr>".  Returns a string the caller frees, or NULL (logged) when
 * from or to holds a line break or is empty.
 */
char	*message_compose(const char *from, const char *to, const char *subject,
	    const char *body);

/*
 * The addr-spec of from ("Name <a@b>" -> "a@b"; "a@b" -> "a@b"), for the
 * SMTP envelope.  The caller frees it.
 */
char	*message_address(const char *from);

/* Can s be a header's value: not empty, no control character? */
bool	 message_header_ok(const char *s);

#endif
