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
 * message_compose() with the Message-ID msgid ("<...@...>", as
 * message_id() makes it); NULL: a random one.
 */
char	*message_compose_id(const char *from, const char *to,
	    const char *subject, const char *body, const char *msgid);

/* Room for any message_id(). */
#define MESSAGE_ID_MAX	300

/*
 * The Message-ID of the outbox row id queued at created_us (microseconds
 * since the epoch): "<32 hex digits@domain of from>" ("localhost" when
 * from's domain cannot stand there), the digits the first half of an
 * HMAC-SHA256 under key (secret_file's) of both numbers.  The same on
 * every attempt at a row, so a receiver can drop the copy that a retry
 * after an unrecorded success sends; another for every row of every
 * database (two databases' rows of one id differ in created_us); and
 * showing neither the row's id nor its time.  Into buf (size sz,
 * MESSAGE_ID_MAX is enough).  Returns buf.  Pure.
 */
char	*message_id(char *buf, size_t sz, const char *from, long long id,
	    long long created_us, const unsigned char *key, size_t keylen);

/*
 * The addr-spec of from ("Name <a@b>" -> "a@b"; "a@b" -> "a@b"), for the
 * SMTP envelope.  The caller frees it.
 */
char	*message_address(const char *from);

/* Can s be a header's value: not empty, no control character? */
bool	 message_header_ok(const char *s);

#endif
