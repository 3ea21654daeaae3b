/* signet: mail submission through libesmtp.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <auth-client.h>
#include <libesmtp.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "mail/dialogue.h"
#include "mail/message.h"
#include "mail/submit.h"

/*
 * SMTP timeouts: smtp_timeout_greeting, smtp_timeout_command and
 * smtp_timeout_data_end, in seconds (signet.conf(5)).  RFC 5321's minimums
 * (5 minutes for the greeting, 10 for the reply to the final dot) suit
 * relays between strangers; ours is a submission server close by, and a
 * session stuck for minutes holds a mailer (one of mail_concurrency) and
 * its row.  The defaults, 10, 10 and 30 s, bound a session stuck at any
 * one point to 30 s.  A server that answers the final dot after we gave up
 * may still deliver the mail, which the retry then sends again: the same
 * Message-ID lets the receiver drop the copy.
 */

/* Why the last session failed when libesmtp told us through an event. */
static char			event_note[128];

/*
 * What one session showed: the dialogue (mail/dialogue.h), when it last
 * moved, and the message handed to libesmtp through message_cb().
 */
struct session {
	struct dialogue	 d;
	struct timespec	 last;		/* last read, write or connect */
	const char	*msg;
	size_t		 len;
	bool		 given;		/* message_cb() gave it out */
};

/* SIGALRM ran out while connecting. */
static volatile sig_atomic_t	alarmed;

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

static void
on_alarm(int sig)
{
	alarmed = 1;
}

static void
touch(struct session *ss)
{
	clock_gettime(CLOCK_MONOTONIC, &ss->last);
}

/* Seconds since the session last moved. */
static double
idle(const struct session *ss)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - ss->last.tv_sec) +
	    (double)(now.tv_nsec - ss->last.tv_nsec) / 1e9;
}

/*
 * libesmtp's message callback: the whole message at once, then the end
 * (which is when libesmtp writes the final dot).  A NULL len rewinds.
 */
static const char *
message_cb(void **ctx, int *len, void *arg)
{
	struct session	*ss = arg;

	if (len == NULL) {
		ss->given = false;
		return NULL;
	}
	touch(ss);
	if (!ss->given) {
		ss->given = true;
		*len = (int)ss->len;
	} else {
		*len = 0;
		ss->d.message_done = true;
	}
	return ss->msg;
}

/*
 * libesmtp's event callback: connected (the alarm that bounds connecting
 * is off), and why TLS failed, for last_error.  The ok flags some events
 * pass stay 0: an unverified server is refused.
 */
static void
smtp_event(smtp_session_t session, int event, void *arg, ...)
{
	struct session	*ss = arg;
	const char	*what = NULL;

	switch (event) {
	case SMTP_EV_CONNECT:
		alarm(0);
		ss->d.connected = true;
		touch(ss);
		return;
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
 * libesmtp's monitor callback: sees the protocol (never the message,
 * headers = 0), which the dialogue follows to tell, should the session
 * fail, in which phase, and whether AUTH went through.  libesmtp has no
 * getter for that, and when every mechanism is refused it carries on
 * unauthenticated (RFC 4954 lets a server take mail for its own domains
 * without AUTH): a real submission server then refuses the mail with 530,
 * recorded as a failed attempt; one that takes it anyway gets it, and we
 * warn.  Nothing of what passes here is logged: what we write holds the
 * credentials.
 */
static void
smtp_monitor(const char *buf, int len, int writing, void *arg)
{
	struct session	*ss = arg;

	touch(ss);
	if (len <= 0)
		return;
	if (writing == SMTP_CB_WRITING)
		dialogue_wrote(&ss->d, buf, (size_t)len);
	else if (writing == SMTP_CB_READING)
		dialogue_read(&ss->d, buf, (size_t)len);
}

/* The timeout (seconds) that bounds the wait of phase ph. */
static long
timeout_of(const struct dialogue *d, enum dialogue_phase ph)
{
	switch (ph) {
	case DLG_CONNECT:
	case DLG_GREETING:
	case DLG_HELLO:
		return cf->smtp_timeout_greeting;
	case DLG_DATA_END:
		return cf->smtp_timeout_data_end;
	case DLG_QUIT:
		return d->data_answered ? cf->smtp_timeout_data_end :
		    cf->smtp_timeout_command;
	default:
		return cf->smtp_timeout_command;
	}
}

/*
 * Why a session that ended before the server answered the message
 * failed, into res: a timeout and its phase, the server closing the
 * connection and when, or what libesmtp said (connection refused, ...).
 */
static void
session_failed(struct session *ss, struct submit_result *res)
{
	enum dialogue_phase	 ph;
	char			 what[48], ebuf[128];
	long			 limit;
	int			 e = smtp_errno();

	ph = dialogue_phase(&ss->d, what, sizeof(what));
	limit = timeout_of(&ss->d, ph);
	res->unreachable = ph == DLG_CONNECT || ph == DLG_GREETING;
	if (ss->d.greeting_code / 100 != 2 && ss->d.greeting_code != 0) {
		/* "421 busy" and the like: no session, as good as away. */
		res->unreachable = true;
		both(res, "%sthe server refused the session: greeting %d",
		    event_note, ss->d.greeting_code);
		return;
	}
	if (ph == DLG_CONNECT) {
		if (alarmed)
			both(res, "%stimeout after %ld s connecting to %s",
			    event_note, limit, cf->smtp_server);
		else
			both(res, "%scannot connect to %s: %s", event_note,
			    cf->smtp_server, smtp_strerror(e, ebuf,
			    sizeof(ebuf)));
		return;
	}
	if (e == SMTP_ERR_DROPPED_CONNECTION && idle(ss) >= limit - 0.5) {
		both(res, "%stimeout after %ld s waiting for %s", event_note,
		    limit, what);
		if (ph == DLG_DATA_END)
			snprintf(res->err + strlen(res->err),
			    sizeof(res->err) - strlen(res->err), " (the "
			    "server may deliver it anyway: the retry keeps "
			    "its Message-ID)");
	} else if (e == SMTP_ERR_DROPPED_CONNECTION)
		both(res, "%sthe server closed the connection during %s",
		    event_note, what);
	else
		both(res, "%s%s (during %s)", event_note, e != 0 ?
		    smtp_strerror(e, ebuf, sizeof(ebuf)) : "no reply", what);
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
submit_message(const char *rcpt, const char *msg, struct submit_result *res)
{
	smtp_session_t		 s;
	smtp_message_t		 m;
	smtp_recipient_t	 r;
	auth_context_t		 auth = NULL;
	const smtp_status_t	*ms, *rs;
	struct session		 ss;
	struct sigaction	 sa, old;
	char			*sender, ebuf[128], text[256];
	int			 rc = -1, started;

	res->permanent = res->noauth = res->unreachable = false;
	event_note[0] = '\0';
	memset(&ss, 0, sizeof(ss));
	dialogue_init(&ss.d);
	ss.msg = msg;
	ss.len = strlen(msg);
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
	    !smtp_set_messagecb(m, message_cb, &ss) ||
	    !smtp_set_eventcb(s, smtp_event, &ss) ||
	    !smtp_set_monitorcb(s, smtp_monitor, &ss, 0) ||
	    !smtp_starttls_enable(s, starttls_mode())) {
		both(res, "libesmtp: cannot set up the session: %s",
		    smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)));
		goto out;
	}
	/* libesmtp takes milliseconds, whatever its comment says. */
	(void)smtp_set_timeout(s, Timeout_GREETING |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cf->smtp_timeout_greeting * 1000);
	(void)smtp_set_timeout(s, Timeout_ENVELOPE |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cf->smtp_timeout_command * 1000);
	(void)smtp_set_timeout(s, Timeout_DATA |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cf->smtp_timeout_command * 1000);
	(void)smtp_set_timeout(s, Timeout_TRANSFER |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cf->smtp_timeout_command * 1000);
	(void)smtp_set_timeout(s, Timeout_DATA2 |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cf->smtp_timeout_data_end * 1000);
	if (*cf->smtp_user != '\0') {
		/* PLAIN and LOGIN are allowed: use STARTTLS to protect them. */
		if ((auth = auth_create_context()) == NULL ||
		    !auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0) ||
		    !auth_set_interact_cb(auth, auth_interact, NULL) ||
		    !smtp_auth_set_context(s, auth)) {
			both(res, "libesmtp: cannot set up AUTH");
			goto out;
		}
	}

	/*
	 * libesmtp's connect(2) has no timeout of its own (a host that drops
	 * our SYNs would hold us for minutes): SIGALRM, without SA_RESTART,
	 * interrupts it; the connect event turns the alarm off.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarmed = 0;
	touch(&ss);
	alarm((unsigned)cf->smtp_timeout_greeting);
	started = smtp_start_session(s);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (!started) {
		session_failed(&ss, res);
		goto out;
	}
	if (starttls_mode() == Starttls_REQUIRED &&
	    smtp_errno() == SMTP_ERR_EXTENSION_NOT_AVAILABLE && !ss.d.auth_tried)
		snprintf(event_note, sizeof(event_note), "the server does not "
		    "offer STARTTLS, which is required%s: ", auth != NULL ?
		    " before AUTH" : "");
	else if (auth != NULL && !ss.d.auth_ok) {
		res->noauth = true;
		snprintf(event_note, sizeof(event_note), "%s: ",
		    ss.d.auth_tried ? "AUTH refused" :
		    "the server offered no usable AUTH");
	}
	ms = smtp_message_transfer_status(m);
	rs = smtp_recipient_status(r);
	if (!ss.d.greeted || (ss.d.in_data && !ss.d.data_answered)) {
		/* Dropped, or timed out, before an answer to the message. */
		session_failed(&ss, res);
	} else if (rs != NULL && rs->code != 0 && rs->code / 100 != 2) {
		clean_text(text, sizeof(text), rs->text);
		snprintf(res->err, sizeof(res->err),
		    "%srecipient refused: %d %s", event_note, rs->code, text);
		snprintf(res->brief, sizeof(res->brief),
		    "%srecipient refused: %d", event_note, rs->code);
		res->permanent = rs->code / 100 == 5;
	} else if (ms == NULL || ms->code / 100 != 2) {
		clean_text(text, sizeof(text), ms != NULL ? ms->text : NULL);
		if (ms != NULL && ms->code != 0 && ms->code != 354) {
			snprintf(res->err, sizeof(res->err),
			    "%smessage refused: %d %s", event_note, ms->code,
			    text);
			snprintf(res->brief, sizeof(res->brief),
			    "%smessage refused: %d", event_note, ms->code);
		} else {
			/* The session ended before the message went. */
			session_failed(&ss, res);
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
