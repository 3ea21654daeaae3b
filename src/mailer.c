/* signet: the mailer: drains the mail outbox through SMTP.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <auth-client.h>
#include <libesmtp.h>
#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "db_mail.h"
#include "log.h"
#include "mail.h"
#include "mailer.h"

/*
 * Retry policy.  After the n-th failed attempt the next one is due
 * RETRY_BASE * 2^(n-1) seconds later, at most RETRY_CAP: 5, 10, 20, 40,
 * 80, 160, 300, 300... s.  The first steps are short on purpose: codes in
 * these mails live 15 minutes, and an SMTP server that is away for a
 * minute should cost its mails seconds, not hours (a mail queued at the
 * start of a one-minute outage goes out at most ~15 s after the server is
 * back).  The cap keeps a long outage from pushing retries far past its
 * end.  With the default mail_max_attempts (10) a mail is given up after
 * about 20 minutes of failures, when any code in it has expired anyway;
 * raise mail_max_attempts to ride out longer outages (each attempt past
 * the seventh adds 5 minutes).
 */
#define RETRY_BASE	5
#define RETRY_CAP	300

/*
 * The loop sleeps until a NOTIFY, the next due row, or WAIT_MAX_MS,
 * whichever comes first: the timeout bounds the delay when a NOTIFY is
 * lost (pgbouncer in transaction mode does not carry LISTEN).  A due row
 * we could not claim is held by another mailer: look again after
 * WAIT_LOCKED_MS instead of spinning.
 */
#define WAIT_MAX_MS	5000
#define WAIT_LOCKED_MS	1000

/* Database down: retry after 250 ms, doubling up to 5 s. */
#define DB_RETRY_MIN_MS	250
#define DB_RETRY_MAX_MS	5000

/*
 * SMTP timeouts (ms).  RFC 5321's minimums (5 minutes for the greeting,
 * 10 for the reply to the final dot) suit relays between strangers; ours
 * is a submission server close by, and a mail stuck for minutes holds its
 * row and delays every mail behind it.  A server that answers the final
 * dot after we gave up may get the mail twice: 2 minutes keeps that rare.
 */
#define SMTP_TIMEOUT_MS		(60 * 1000)
#define SMTP_TIMEOUT_DATA2_MS	(120 * 1000)

static volatile sig_atomic_t	stop;

/* Why the last session failed when libesmtp told us through an event. */
static char			event_note[128];

/* SIGTERM/SIGINT: only set the flag; the loop acts on it. */
static void
on_term(int sig)
{
	stop = 1;
}

/* Is a SIGTERM or SIGINT waiting (they are blocked outside waits)? */
static bool
term_pending(void)
{
	sigset_t	set;

	if (sigpending(&set) == -1)
		return false;
	return sigismember(&set, SIGTERM) == 1 ||
	    sigismember(&set, SIGINT) == 1;
}

/*
 * Sleep up to ms milliseconds, or until fd (if not -1) is readable, with
 * SIGTERM/SIGINT let through only here (so a mail being sent is always
 * finished and recorded before we stop).  Returns 1 if fd is readable, 0
 * on timeout or signal, -1 on error (logged).
 */
static int
wait_for(int fd, int ms, const sigset_t *waitmask)
{
	struct pollfd	pfd;
	struct timespec	ts;
	int		n;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	n = ppoll(fd >= 0 ? &pfd : NULL, fd >= 0 ? 1 : 0, &ts, waitmask);
	if (n == -1) {
		if (errno == EINTR)
			return 0;
		log_err("mailer: ppoll: %s", strerror(errno));
		return -1;
	}
	return n > 0 ? 1 : 0;
}

/* Drop the notifications libpq has read; true if there were any. */
static bool
notified(PGconn *conn)
{
	PGnotify	*n;
	bool		 any = false;

	while (conn != NULL && (n = PQnotifies(conn)) != NULL) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

/* The domain of address, escaped for the log (the only part we log). */
static const char *
domain_of(const char *addr, char *buf, size_t sz)
{
	const char	*at;

	at = strrchr(addr, '@');
	at = at != NULL ? at + 1 : "?";
	return log_escape(buf, sz, at, strlen(at));
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

/* smtp_starttls (no | yes | required) as libesmtp's option. */
static enum starttls_option
starttls_mode(void)
{
	if (strcmp(cf->smtp_starttls, "required") == 0)
		return Starttls_REQUIRED;
	if (strcmp(cf->smtp_starttls, "yes") == 0)
		return Starttls_ENABLED;
	return Starttls_DISABLED;
}

/*
 * Send the message msg to rcpt through cf->smtp_server in one SMTP
 * session.  Returns 0 when the server accepted it for the recipient (2xx
 * to RCPT and to the final dot); -1 otherwise, with the reason in err (for
 * last_error, may quote the server) and brief (for the log: no text from
 * the server, which may name the recipient), and *permanent set when the
 * server refused the recipient with a 5xx (retrying cannot help).
 * *noauth is set when smtp_user is configured but AUTH did not succeed
 * (not offered, or refused) whatever the outcome.
 */
static int
smtp_send(const char *rcpt, char *msg, char *err, size_t errsz, char *brief,
    size_t briefsz, bool *permanent, bool *noauth)
{
	smtp_session_t		 s;
	smtp_message_t		 m;
	smtp_recipient_t	 r;
	auth_context_t		 auth = NULL;
	const smtp_status_t	*ms, *rs;
	struct auth_trace	 trace = { false, false };
	char			*sender, ebuf[128], text[256];
	int			 rc = -1;

	*permanent = *noauth = false;
	event_note[0] = '\0';
	sender = mail_address(cf->mail_from);
	if ((s = smtp_create_session()) == NULL) {
		snprintf(err, errsz, "libesmtp: cannot create a session");
		snprintf(brief, briefsz, "%s", err);
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
		snprintf(err, errsz, "libesmtp: cannot set up the session: %s",
		    smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)));
		snprintf(brief, briefsz, "%s", err);
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
			snprintf(err, errsz, "libesmtp: cannot set up AUTH");
			snprintf(brief, briefsz, "%s", err);
			goto out;
		}
	}

	if (!smtp_start_session(s)) {
		snprintf(err, errsz, "%s%s", event_note,
		    smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)));
		snprintf(brief, briefsz, "%s", err);
		goto out;
	}
	if (auth != NULL && !trace.ok) {
		*noauth = true;
		snprintf(event_note, sizeof(event_note), "%s: ", trace.tried ?
		    "AUTH refused" : "the server offered no usable AUTH");
	}
	ms = smtp_message_transfer_status(m);
	rs = smtp_recipient_status(r);
	if (rs != NULL && rs->code != 0 && rs->code / 100 != 2) {
		clean_text(text, sizeof(text), rs->text);
		snprintf(err, errsz, "%srecipient refused: %d %s", event_note,
		    rs->code, text);
		snprintf(brief, briefsz, "%srecipient refused: %d", event_note,
		    rs->code);
		*permanent = rs->code / 100 == 5;
	} else if (ms == NULL || ms->code / 100 != 2) {
		clean_text(text, sizeof(text), ms != NULL ? ms->text : NULL);
		if (ms != NULL && ms->code != 0) {
			snprintf(err, errsz, "%smessage refused: %d %s",
			    event_note, ms->code, text);
			snprintf(brief, briefsz, "%smessage refused: %d",
			    event_note, ms->code);
		} else {
			/* The session ended before the message went. */
			snprintf(err, errsz, "%s%s", event_note,
			    smtp_errno() != 0 ? smtp_strerror(smtp_errno(),
			    ebuf, sizeof(ebuf)) : "no reply to the message");
			snprintf(brief, briefsz, "%s", err);
		}
	} else if (rs == NULL || rs->code / 100 != 2) {
		snprintf(err, errsz, "no reply to the recipient");
		snprintf(brief, briefsz, "%s", err);
	} else
		rc = 0;
out:
	smtp_destroy_session(s);
	if (auth != NULL)
		auth_destroy_context(auth);
	free(sender);
	return rc;
}

/*
 * Claim one due mail, send it, record the outcome and commit: one row per
 * transaction, so the commit follows the SMTP server's acceptance as
 * closely as it can.  Delivery is at least once: if we die, or the
 * database goes, between the server's "250" and our COMMIT, the row is
 * still unsent when the lock goes and that one mail goes out again.  Any
 * other failure leaves it unsent and retried, never lost.
 * Returns 1 when a mail was handled (sent or not), 0 when none is due, -1
 * when the database failed.
 */
static int
send_one(void)
{
	PGresult	*res;
	const char	*rcpt;
	char		*msg, err[512], brief[512], dom[80];
	long long	 id;
	long		 attempts, max, delay;
	bool		 permanent = false, sent = false, noauth = false;
	int		 rc;

	if (db_begin() == -1)
		return -1;
	if ((res = db_mail_claim(1)) == NULL) {
		db_rollback();
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		db_rollback();
		return 0;
	}
	id = strtoll(PQgetvalue(res, 0, DB_MAIL_ID), NULL, 10);
	rcpt = PQgetvalue(res, 0, DB_MAIL_RECIPIENT);
	attempts = strtol(PQgetvalue(res, 0, DB_MAIL_ATTEMPTS), NULL, 10);
	domain_of(rcpt, dom, sizeof(dom));

	msg = mail_message(cf->mail_from, rcpt,
	    PQgetvalue(res, 0, DB_MAIL_SUBJECT),
	    PQgetvalue(res, 0, DB_MAIL_BODY));
	if (msg == NULL) {
		snprintf(err, sizeof(err), "cannot compose the message: "
		    "bad sender or recipient address");
		snprintf(brief, sizeof(brief), "%s", err);
		permanent = true;
	} else
		sent = smtp_send(rcpt, msg, err, sizeof(err), brief,
		    sizeof(brief), &permanent, &noauth) == 0;
	free(msg);

	max = permanent ? attempts + 1 : cf->mail_max_attempts;
	if (sent)
		rc = db_mail_sent(id);
	else
		rc = db_mail_failed(id, err, RETRY_BASE, RETRY_CAP, max);
	if (rc == -1 || db_commit() == -1) {
		db_rollback();
		if (sent)
			log_err("mail %lld to @%s was accepted by the SMTP "
			    "server but could not be marked sent: it may go "
			    "out twice", id, dom);
		PQclear(res);
		return -1;
	}
	PQclear(res);

	if (sent && noauth)
		log_warn("mail %lld to @%s sent, but without AUTH as "
		    "smtp_user: the server did not offer it or refused it", id,
		    dom);
	else if (sent)
		log_info("mail %lld to @%s sent", id, dom);
	else if (attempts + 1 >= max)
		log_err("mail %lld to @%s failed (attempt %ld of %ld), giving "
		    "up: %s", id, dom, attempts + 1, max, brief);
	else {
		delay = attempts >= 10 ? RETRY_CAP : RETRY_BASE << attempts;
		if (delay > RETRY_CAP)
			delay = RETRY_CAP;
		log_warn("mail %lld to @%s failed (attempt %ld of %ld), retry "
		    "in %ld s: %s", id, dom, attempts + 1, max, delay, brief);
	}
	return 1;
}

/*
 * Send every due mail.  Returns 0 when none is left due to us, or -1 when
 * the database failed.  Stops early when SIGTERM/SIGINT waits.
 */
static int
drain(void)
{
	int	rc;

	while (!term_pending())
		if ((rc = send_one()) <= 0)
			return rc;
	return 0;
}

/*
 * How long to sleep: until the next row falls due, within WAIT_MAX_MS;
 * WAIT_LOCKED_MS when one is due already (another mailer holds it).
 * Returns milliseconds, or -1 when the database failed.
 */
static int
sleep_ms(void)
{
	double	due;

	if (db_mail_next_due(&due) == -1)
		return -1;
	if (due < 0 || due * 1000 >= WAIT_MAX_MS)
		return WAIT_MAX_MS;
	if (due <= 0)
		return WAIT_LOCKED_MS;
	return (int)(due * 1000) + 10;	/* just past it, not just before */
}

int
mailer_run(void)
{
	struct sigaction	 sa;
	sigset_t		 block, waitmask;
	PGconn			*conn, *listening = NULL;
	int			 pid = 0, retry = DB_RETRY_MIN_MS, ms;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);	/* the master replaces us on reload */
	signal(SIGPIPE, SIG_IGN);	/* libesmtp writes to closed sockets */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	/* SIGTERM/SIGINT get through only while we wait: see wait_for(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_SETMASK, &block, NULL);
	sigemptyset(&waitmask);

	auth_client_init();
	log_info("mailer started: SMTP server %s, STARTTLS %s%s",
	    cf->smtp_server, cf->smtp_starttls,
	    *cf->smtp_user != '\0' ? ", AUTH" : "");
	while (!stop) {
		if (term_pending()) {
			(void)wait_for(-1, 0, &waitmask);
			continue;
		}
		if (!db_ready())
			goto db_failed;
		conn = db_conn();
		/* A new connection (ours, or db.c's reconnect): LISTEN again. */
		if (conn != listening || PQbackendPID(conn) != pid) {
			if (db_simple("LISTEN signet_mail") == -1)
				goto db_failed;
			listening = conn;
			pid = PQbackendPID(conn);
			log_debug("mailer: listening on signet_mail");
		}
		if (drain() == -1)
			goto db_failed;
		retry = DB_RETRY_MIN_MS;
		/* A NOTIFY that came while we were sending: look again. */
		if (notified(conn))
			continue;
		if ((ms = sleep_ms()) == -1)
			goto db_failed;
		if (wait_for(PQsocket(conn), ms, &waitmask) == 1) {
			if (!PQconsumeInput(conn)) {
				log_err("database: %.*s", (int)strcspn(
				    PQerrorMessage(conn), "\n"),
				    PQerrorMessage(conn));
				db_close();
				listening = NULL;
			}
			(void)notified(db_conn());
		}
		continue;
db_failed:
		/* db.c logged why; back off, then reconnect. */
		db_rollback();
		if (db_down()) {
			db_close();
			listening = NULL;
		}
		(void)wait_for(-1, retry, &waitmask);
		retry = retry * 2 > DB_RETRY_MAX_MS ? DB_RETRY_MAX_MS :
		    retry * 2;
	}
	auth_client_exit();
	db_close();
	log_info("mailer stopped");
	return 0;
}
