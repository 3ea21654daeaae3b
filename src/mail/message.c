/* signet: RFC 5322 messages.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "mail/buf.h"
#include "mail/message.h"

/* RFC 5322 recommends header lines of at most 78 octets. */
#define HEADER_WIDTH	78

/* Quoted-printable lines: at most 76 octets, soft break "=" included. */
#define QP_WIDTH	76

static const char	b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append p[0..n) to out in base64 (RFC 4648, padded). */
static void
base64(struct buf *out, const unsigned char *p, size_t n)
{
	uint32_t	v;
	char		q[4];

	for (; n >= 3; p += 3, n -= 3) {
		v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = b64[(v >> 6) & 63];
		q[3] = b64[v & 63];
		buf_add(out, q, 4);
	}
	if (n > 0) {
		v = (uint32_t)p[0] << 16 | (n > 1 ? (uint32_t)p[1] << 8 : 0);
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = n > 1 ? b64[(v >> 6) & 63] : '=';
		q[3] = '=';
		buf_add(out, q, 4);
	}
}

/*
 * Whether header text s must be written as RFC 2047 encoded-words: bytes
 * outside printable ASCII, text that would read as an encoded-word, or a
 * word too long to fold.
 */
static bool
needs_encoding(const char *s)
{
	size_t	word = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return true;
		if (s[0] == '=' && s[1] == '?')
			return true;
		word = *s == ' ' ? 0 : word + 1;
		if (word > HEADER_WIDTH - 12)
			return true;
	}
	return false;
}

/*
 * Append text s as the value of a header whose line so far is col octets
 * long: folded at spaces when ASCII, else as UTF-8 "B" encoded-words of
 * whole characters, each line within HEADER_WIDTH.  Ends with CRLF.
 */
static void
header_text(struct buf *out, const char *s, size_t col)
{
	const char	*sp;
	size_t		 n, len, w;
	bool		 first = true;

	if (!needs_encoding(s)) {
		for (;; s = sp + 1) {
			sp = strchr(s, ' ');
			w = sp ? (size_t)(sp - s) : strlen(s);
			if (!first && col + 1 + w > HEADER_WIDTH) {
				buf_adds(out, "\r\n ");
				col = 1;
			} else if (!first) {
				buf_addc(out, ' ');
				col++;
			}
			buf_add(out, s, w);
			col += w;
			first = false;
			if (sp == NULL)
				break;
		}
		buf_adds(out, "\r\n");
		return;
	}
	/*
	 * 42 octets make 56 base64 characters: "=?UTF-8?B?" + 56 + "?=" is
	 * 68, which fits after "Subject: " within 78.
	 */
	for (len = strlen(s); len > 0; s += n, len -= n) {
		n = len < 42 ? len : 42;
		/* Never split a UTF-8 sequence between two words. */
		while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = len < 42 ? len : 42;
		if (!first)
			buf_adds(out, "\r\n ");
		buf_adds(out, "=?UTF-8?B?");
		base64(out, (const unsigned char *)s, n);
		buf_adds(out, "?=");
		first = false;
	}
	buf_adds(out, "\r\n");
}

bool
message_header_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

char *
message_address(const char *from)
{
	const char	*lt, *gt, *e;

	if ((lt = strrchr(from, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL)
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	while (*from == ' ' || *from == '\t')
		from++;
	for (e = from + strlen(from); e > from && (e[-1] == ' ' ||
	    e[-1] == '\t'); e--)
		;
	return xstrndup(from, (size_t)(e - from));
}

/* The From header: "Name <addr>" with Name encoded when not ASCII. */
static void
header_from(struct buf *out, const char *from)
{
	const char	*lt, *e;
	char		*name;

	lt = strrchr(from, '<');
	for (e = lt; e != NULL && e > from && e[-1] == ' '; e--)
		;
	if (lt == NULL || e == from) {
		buf_printf(out, "From: %s\r\n", from);
		return;
	}
	name = xstrndup(from, (size_t)(e - from));
	buf_adds(out, "From: ");
	if (needs_encoding(name)) {
		/* The encoded name then the address on a folded line. */
		header_text(out, name, 6);
		out->len -= 2;		/* drop the CRLF: the address follows */
		out->s[out->len] = '\0';
		buf_printf(out, "\r\n %s\r\n", lt);
	} else
		buf_printf(out, "%s %s\r\n", name, lt);
	free(name);
}

/* Append "Date: ..." for now, in RFC 5322 form, locale-independent. */
static void
header_date(struct buf *out)
{
	static const char	*const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char	*const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;
	time_t			 now;

	now = time(NULL);
	gmtime_r(&now, &tm);
	buf_printf(out, "Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * The domain of from's address when it may stand after the "@" of a
 * Message-ID (letters, digits, dots and hyphens), else "localhost".  Into
 * buf (size sz).  Returns buf.
 */
static char *
id_domain(char *buf, size_t sz, const char *from)
{
	char	*addr, *dom;
	size_t	 i;

	addr = message_address(from);
	dom = strrchr(addr, '@');
	dom = dom != NULL && dom[1] != '\0' ? dom + 1 : NULL;
	for (i = 0; dom != NULL && dom[i] != '\0'; i++)
		if (!isalnum((unsigned char)dom[i]) && dom[i] != '.' &&
		    dom[i] != '-')
			dom = NULL;
	if (dom == NULL || strlen(dom) >= sz)
		dom = "localhost";
	snprintf(buf, sz, "%s", dom);
	free(addr);
	return buf;
}

char *
message_id(char *buf, size_t sz, const char *from, long long id,
    long long created_us, const unsigned char *key, size_t keylen)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 seed[80], dom[256], hex[33];
	size_t		 i;

	snprintf(seed, sizeof(seed), "signet mail %lld %lld", id, created_us);
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)seed,
	    strlen(seed), mac, &maclen) == NULL || maclen < 16) {
		/* Still fixed per row, if not opaque: the row itself. */
		snprintf(hex, sizeof(hex), "%lld.%lld", id, created_us);
	} else
		for (i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	snprintf(buf, sz, "<%s@%s>", hex, id_domain(dom, sizeof(dom), from));
	return buf;
}

/* Append "Message-ID: <random@domain-of-from>". */
static void
header_message_id(struct buf *out, const char *from)
{
	static unsigned long	 counter;
	unsigned char		 r[16];
	char			 dom[256];
	size_t			 i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Unique still, if not unguessable: time, pid, counter. */
		memset(r, 0, sizeof(r));
		snprintf((char *)r, sizeof(r), "%lx%x%lx",
		    (unsigned long)time(NULL), (unsigned)getpid(), counter++);
	}
	buf_adds(out, "Message-ID: <");
	for (i = 0; i < sizeof(r); i++)
		buf_printf(out, "%02x", r[i]);
	buf_printf(out, "@%s>\r\n", id_domain(dom, sizeof(dom), from));
}

/*
 * Append body as quoted-printable (RFC 2045 6.7): LF or CRLF line ends
 * become CRLF, lines longer than QP_WIDTH get soft breaks, "=", bytes
 * outside printable ASCII and whitespace at a line's end are encoded.
 * A line starting "From " gets its F encoded (mbox-safe).
 */
static void
quoted_printable(struct buf *out, const char *body)
{
	const unsigned char	*p, *e, *nl;
	size_t			 col, tl;
	char			 tok[4];

	for (p = (const unsigned char *)body; *p != '\0'; p = nl + 1) {
		nl = (const unsigned char *)strchr((const char *)p, '\n');
		if (nl == NULL)
			nl = p + strlen((const char *)p);
		e = nl;
		if (e > p && e[-1] == '\r')
			e--;
		for (col = 0; p < e; p++) {
			if (((*p >= 33 && *p <= 126 && *p != '=') ||
			    ((*p == ' ' || *p == '\t') && p + 1 < e)) &&
			    !(col == 0 && *p == 'F' && e - p >= 5 &&
			    memcmp(p, "From ", 5) == 0)) {
				tok[0] = (char)*p;
				tl = 1;
			} else {
				snprintf(tok, sizeof(tok), "=%02X", *p);
				tl = 3;
			}
			if (col + tl > QP_WIDTH - 1) {
				buf_adds(out, "=\r\n");
				col = 0;
			}
			buf_add(out, tok, tl);
			col += tl;
		}
		buf_adds(out, "\r\n");
		if (*nl == '\0')
			break;
	}
}

char *
message_compose(const char *from, const char *to, const char *subject,
    const char *body)
{
	return message_compose_id(from, to, subject, body, NULL);
}

char *
message_compose_id(const char *from, const char *to, const char *subject,
    const char *body, const char *msgid)
{
	struct buf	 m = { 0 };
	char		*subj, *q;

	if (!message_header_ok(from) || !message_header_ok(to)) {
		log_err("mail: sender or recipient empty or holding a "
		    "control character");
		return NULL;
	}
	/* A line break in a subject must not start a header of its own. */
	subj = xstrdup(subject != NULL ? subject : "");
	for (q = subj; *q != '\0'; q++)
		if (*q == '\r' || *q == '\n' || *q == '\t')
			*q = ' ';
	header_date(&m);
	header_from(&m, from);
	buf_printf(&m, "To: %s\r\n", to);
	buf_adds(&m, "Subject: ");
	header_text(&m, subj, 9);
	if (msgid != NULL && message_header_ok(msgid))
		buf_printf(&m, "Message-ID: %s\r\n", msgid);
	else
		header_message_id(&m, from);
	buf_adds(&m, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n");
	quoted_printable(&m, body != NULL ? body : "");
	free(subj);
	return buf_take(&m);
}
