/* signet: authentication events, counted and audited.  ISC licence. */
#ifndef SIGNET_CORE_EVENT_H
#define SIGNET_CORE_EVENT_H

#include <stddef.h>

#include "core/problem.h"

struct audit_row;

/*
 * The one place an authentication event is told: the core's flows call
 * event_note() once per outcome, and it both counts the event in the
 * metrics (base/metrics.h, shared by every process) and queues a row of
 * the audit log (auth_events), so the two always agree.  The rows are
 * written by event_flush() once the request is answered and its
 * transaction closed: writing one never fails the request (a row that
 * cannot be written is logged, rate-limited, and counted).
 *
 * Who asked comes from the request's origin (event_begin()), set by the
 * dispatcher for each request and by signet-admin for its commands: the
 * core learns no wire format's words, only a number and a name to pass
 * on.  No password, code or token ever reaches an event: its columns are
 * the names below, ids, the client address and the user agent.
 */

/* What happened.  Names: event_kind_name(). */
enum event_kind {
	EV_SIGNUP_REQUESTED,
	EV_SIGNUP_COMPLETED,
	EV_LOGIN,
	EV_LOGOUT,
	EV_RESET_REQUESTED,
	EV_RESET_DONE,
	EV_PASSWORD_CHANGED,
	EV_EMAIL_CHANGE_REQUESTED,
	EV_EMAIL_CHANGED,
	EV_ACCOUNT_DELETED,
	EV_ACCOUNT_DISABLED,
	EV_MFA_ENABLED,
	EV_MFA_DISABLED,
	EV_MFA_RECOVERY_USED,
	EV_MFA_RESET,
	EV_INVITE_SENT,
	EV_INVITE_ACCEPTED,
	EV_INVITE_DECLINED,
	EV_THROTTLED,		/* event_throttle() notes these */
	EV_KINDS
};

/* How it ended.  Names: event_outcome_name(). */
enum event_outcome {
	OUT_OK,
	OUT_BAD_PASSWORD,	/* a known account, a wrong password */
	OUT_UNKNOWN_USER,	/* no account of that name */
	OUT_INACTIVE,		/* a draft or an invited placeholder */
	OUT_DISABLED,		/* disabled by signet-admin */
	OUT_THROTTLED,		/* refused by a rate limit */
	OUT_SECOND_FACTOR_REQUIRED, /* right password, no code given */
	OUT_BAD_SECOND_FACTOR,	/* a wrong, used or replayed code */
	OUT_BUSY,		/* no hash permit came in time: counted in
				   the metrics only, no audit row */
	OUT_ERROR,		/* the database failed */
	OUT_BAD_CODE,		/* a wrong or expired mailed code */
	OUT_NO_ACCOUNT,		/* a reset for an address nobody has */
	OUT_MAILBOX_FULL,	/* the address's daily reset mails ran out */
	OUT_KINDS
};

/* Which limit a throttle hit was (the action of its key). */
enum event_throttle_kind {
	TH_LOGIN_ADDRESS,
	TH_LOGIN_ACCOUNT,
	TH_SIGNUP_ADDRESS,
	TH_SIGNUP_EMAIL,
	TH_RESET_ADDRESS,
	TH_RESET_EMAIL,
	TH_RESET_MAILBOX,
	TH_EMAIL_CHANGE_ADDRESS,
	TH_EMAIL_CHANGE_USER,
	TH_EMAIL_CHANGE_EMAIL,
	TH_INVITE,
	TH_OTHER,
	TH_KINDS
};

/* Where a request came from: event_begin() copies what it needs. */
struct event_origin {
	unsigned	 persona;	/* its number in the metrics: 0 none,
					   then the dispatcher's (< MX_PERSONAS) */
	const char	*personality;	/* its name, a static string */
	const char	*request;	/* request id; NULL: none */
	const char	*client;	/* client address; NULL: none */
	const char	*agent;		/* User-Agent; NULL: none */
	long long	 user_id;	/* a token's user; 0: none */
	const char	*user_gid;	/* that user's gid; NULL: none */
};

/* A request (or an admin command) begins: its origin, until the flush. */
void	 event_begin(const struct event_origin *o);

/*
 * Note an event of the account id / gid (0 / NULL: the origin's token
 * user, if any; a gid NULL with the origin's id is the origin's gid).
 * Counts it at once; its audit row waits for event_flush().
 */
void	 event_note(enum event_kind k, enum event_outcome o, long long id,
	    const char *gid);

/*
 * An event whose audit row rides on the statement that records its outcome,
 * in the same commit (a login's, db/login.h): event_row() fills *a as
 * event_note() would queue it (its strings last until event_flush()), and
 * once that statement has written it, event_note_written() counts it.
 * Where the statement could not write it, event_note() queues it after all.
 */
void	 event_row(enum event_kind k, enum event_outcome o, long long id,
	    const char *gid, struct audit_row *a);
void	 event_note_written(enum event_kind k, enum event_outcome o);

/*
 * A throttle refused something under key ("action:subject"): counted as
 * signet_throttle_hits_total{kind} and audited as "throttled" with the
 * kind as outcome (never the subject: an address or a login name).
 */
void	 event_throttle(const char *key);

/*
 * Write the queued audit rows, each in its own statement outside any
 * transaction (call it after the request's own is over), then forget the
 * origin.  Never fails: what cannot be written is logged and counted.
 */
void	 event_flush(void);

/* Names (for the audit rows and the metrics' labels).  Pure. */
const char	*event_kind_name(unsigned k);
const char	*event_outcome_name(unsigned o);
const char	*event_throttle_name(unsigned t);

/*
 * How a failed step ended, from its problem: RATE_LIMITED is throttled,
 * UNAVAILABLE with a retry_after busy (no hash permit), the database
 * error, anything else (a wrong password or code) refused.  Pure.
 */
enum event_outcome event_outcome_of(const struct problem *p,
	    enum event_outcome refused);

/* The kind of a throttle key ("login-addr:192.0.2.1"...).  Pure. */
enum event_throttle_kind event_throttle_kind(const char *key);

/*
 * The User-Agent as an audit row keeps it: at most EVENT_AGENT_MAX bytes,
 * cut at a character, anything but printable ASCII as \xNN.  Returns buf.
 */
#define EVENT_AGENT_MAX	200
char	*event_agent(char buf[EVENT_AGENT_MAX + 1], const char *agent);

#endif
