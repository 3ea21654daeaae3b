/* signet: mail submission through libesmtp.  ISC licence. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <auth-client.h>
#include <libesmtp.h>

#include "base/conf.h"
#include "mail/message.h"
#include "mail/submit.h"

/*
 * SMTP timeouts (ms).  RFC 5321's minimums (5 minutes for the greeting,
 * 10 for the reply to the final dot) suit relays between strangers; ours
 * is a submission server close by, and a mail stuck for minutes holds its
 * row and delays every mail behind it.  A server that answers the final
 * dot after we gave up may get the mail twice: 2 minutes keeps that rare.
 */
#define SMTP_TIMEOUT_MS		(60 * 1000)
#define SMTP_TIMEOUT_DATA2_MS	(120 * 1000)

/* Why the last session failed when libesmtp told us through an event. */
static char			event_note[128];

static void both(struct submit_result *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* The same reason for last_error and for the log. */
static void
both(struct submit_result *res, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
	snprintf(res->brief, sizeof(res->brief), "%s", res->err);
}

void
submit_init(void)
{
	auth_client_init();
}

void
submit_exit(void)
{
	auth_client_exit();
}

/* Copy server text into dst as printable ASCII, trailing CRLF dropped. */
static void
clean_text(char *dst, size_t sz, const char *src)
{
	size_t	i;

	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < sz; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : ' ';
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	if (sz > 0)
		dst[i] = '\0';
}

/*
 * libesmtp's AUTH callback: smtp_user and the password read from
 * smtp_password_file.  Returns 1 when every field was answered.
 */
static int
auth_interact(auth_client_request_t req, char **result, int fields,
    void *arg)
{
	static char	empty[] = "";
	int		i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = cf->smtp_user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = cf->smtp_password != NULL ?
			    cf->smtp_password : empty;
		else
			result[i] = empty;	/* realm: none */
	}
	return 1;
}

/*
 * libesmtp's event callback: keep why TLS failed, for last_error.  The
 * ok flags some events pass stay 0: an unverified server is refused.
 */
static void
smtp_event(smtp_session_t session, int event, void *arg, ...)
{
	const char	*what = NULL;

	switch (event) {
	case SMTP_EV_EXTNA_STARTTLS:
		what = "the server does not offer STARTTLS";
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		what = "the server's TLS certificate did not verify";
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
		what = "the server sent no TLS certificate";
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		what = "the server's TLS certificate names another host";
		break;
	case SMTP_EV_UNUSABLE_CA_LIST:
		what = "the trusted CA list is unusable";
		break;
	case SMTP_EV_WEAK_CIPHER:
		what = "the TLS cipher is too weak";
		break;
	default:
		return;
	}
	snprintf(event_note, sizeof(event_note), "%s: ", what);
}

/*
 * What the SMTP dialogue showed about AUTH.  libesmtp has no getter for
 * it, and when every mechanism is refused it carries on unauthenticated
 * (RFC 4954 lets a server take mail for its own domains without AUTH): a
 * real submission server then refuses the mail with 530, recorded as a
 * failed attempt; one that takes it anyway gets it, and we warn.
 */
struct auth_trace {
	bool	tried;		/* we sent AUTH */
	bool	ok;		/* the server answered 235 */
};

/*
 * libesmtp's monitor callback: sees the protocol (never the message,
 * headers = 0).  Only notes AUTH's outcome; nothing of it is logged, as
 * what we write holds the credentials.
 */
static void
smtp_monitor(const char *buf, int len, int writing, void *arg)
{
	struct auth_trace	*t = arg;

	if (writing == SMTP_CB_WRITING && len >= 5 &&
	    strncasecmp(buf, "AUTH ", 5) == 0)
		t->tried = true;
	else if (writing == SMTP_CB_READING && t->tried && len >= 4 &&
	    strncmp(buf, "235", 3) == 0 && (buf[3] == ' ' || buf[3] == '-'))
		t->ok = true;
}

/*
 * smtp_starttls (no | yes | required) as libesmtp's option.  With AUTH,
 * "yes" is "required": credentials never go out without TLS (libesmtp
 * would otherwise carry on in clear when STARTTLS fails).
 */
static enum starttls_option
starttls_mode(void)
{
	if (strcmp(cf->smtp_starttls, "required") == 0 ||
	    (strcmp(cf->smtp_starttls, "yes") == 0 && *cf->smtp_user != '\0'))
		return Starttls_REQUIRED;
	if (strcmp(cf->smtp_starttls, "yes") == 0)
		return Starttls_ENABLED;
	return Starttls_DISABLED;
}

int
submit_message(const char *rcpt, char *msg, struct submit_result *res)
{
	smtp_session_t		 s;
	smtp_message_t		 m;
	smtp_recipient_t	 r;
	auth_context_t		 auth = NULL;
	const smtp_status_t	*ms, *rs;
	struct auth_trace	 trace = { false, false };
	char			*sender, ebuf[128], text[256];
	int			 rc = -1;

	res->permanent = res->noauth = false;
	event_note[0] = '\0';
	sender = message_address(cf->mail_from);
	if ((s = smtp_create_session()) == NULL) {
		both(res, "libesmtp: cannot create a session");
		free(sender);
		return -1;
	}
	m = smtp_add_message(s);
	r = m != NULL ? smtp_add_recipient(m, rcpt) : NULL;
	if (r == NULL || !smtp_set_server(s, cf->smtp_server) ||
	    !smtp_set_reverse_path(m, sender) ||
	    !smtp_set_message_str(m, msg) ||
	    !smtp_set_eventcb(s, smtp_event, NULL) ||
	    !smtp_starttls_enable(s, starttls_mode())) {
		both(res, "libesmtp: cannot set up the session: %s",
		    smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)));
		goto out;
	}
	(void)smtp_set_timeout(s, Timeout_GREETING |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, SMTP_TIMEOUT_MS);
	(void)smtp_set_timeout(s, Timeout_ENVELOPE |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, SMTP_TIMEOUT_MS);
	(void)smtp_set_timeout(s, Timeout_DATA |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, SMTP_TIMEOUT_MS);
	(void)smtp_set_timeout(s, Timeout_TRANSFER |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, SMTP_TIMEOUT_MS);
	(void)smtp_set_timeout(s, Timeout_DATA2 |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, SMTP_TIMEOUT_DATA2_MS);
	if (*cf->smtp_user != '\0') {
		/* PLAIN and LOGIN are allowed: use STARTTLS to protect them. */
		if ((auth = auth_create_context()) == NULL ||
		    !auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0) ||
		    !auth_set_interact_cb(auth, auth_interact, NULL) ||
		    !smtp_auth_set_context(s, auth) ||
		    !smtp_set_monitorcb(s, smtp_monitor, &trace, 0)) {
			both(res, "libesmtp: cannot set up AUTH");
			goto out;
		}
	}

	if (!smtp_start_session(s)) {
		both(res, "%s%s", event_note,
		    smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)));
		goto out;
	}
	if (starttls_mode() == Starttls_REQUIRED &&
	    smtp_errno() == SMTP_ERR_EXTENSION_NOT_AVAILABLE && !trace.tried)
		snprintf(event_note, sizeof(event_note), "the server does not "
		    "offer STARTTLS, which is required%s: ", auth != NULL ?
		    " before AUTH" : "");
	else if (auth != NULL && !trace.ok) {
		res->noauth = true;
		snprintf(event_note, sizeof(event_note), "%s: ", trace.tried ?
		    "AUTH refused" : "the server offered no usable AUTH");
	}
	ms = smtp_message_transfer_status(m);
	rs = smtp_recipient_status(r);
	if (rs != NULL && rs->code != 0 && rs->code / 100 != 2) {
		clean_text(text, sizeof(text), rs->text);
		snprintf(res->err, sizeof(res->err),
		    "%srecipient refused: %d %s", event_note, rs->code, text);
		snprintf(res->brief, sizeof(res->brief),
		    "%srecipient refused: %d", event_note, rs->code);
		res->permanent = rs->code / 100 == 5;
	} else if (ms == NULL || ms->code / 100 != 2) {
		clean_text(text, sizeof(text), ms != NULL ? ms->text : NULL);
		if (ms != NULL && ms->code != 0) {
			snprintf(res->err, sizeof(res->err),
			    "%smessage refused: %d %s", event_note, ms->code,
			    text);
			snprintf(res->brief, sizeof(res->brief),
			    "%smessage refused: %d", event_note, ms->code);
		} else {
			/* The session ended before the message went. */
			both(res, "%s%s", event_note,
			    smtp_errno() != 0 ? smtp_strerror(smtp_errno(),
			    ebuf, sizeof(ebuf)) : "no reply to the message");
		}
	} else if (rs == NULL || rs->code / 100 != 2)
		both(res, "no reply to the recipient");
	else
		rc = 0;
out:
	smtp_destroy_session(s);
	if (auth != NULL)
		auth_destroy_context(auth);
	free(sender);
	return rc;
}
