/* signet: where an SMTP dialogue stands, from what went by.  ISC licence. */
#ifndef SIGNET_MAIL_DIALOGUE_H
#define SIGNET_MAIL_DIALOGUE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * libesmtp says "SMTP server dropped connection" both when the server
 * closed the connection and when a timeout ran out, and nothing of where:
 * a server that never answers the final dot reads as "message refused:
 * 354", the last reply it had.  submit.c feeds what its protocol monitor
 * sees (the commands written, the replies read; never the message, which
 * libesmtp keeps from the monitor) into a struct dialogue, which tells the
 * phase the session was in when it failed, and so which timeout applied.
 * Pure: no I/O, no clock.
 */
enum dialogue_phase {
	DLG_CONNECT,	/* no connection yet */
	DLG_GREETING,	/* connected, waiting for the 220 greeting */
	DLG_HELLO,	/* waiting for the reply to EHLO, HELO, STARTTLS, AUTH */
	DLG_ENVELOPE,	/* waiting for the reply to MAIL, RCPT, DATA, RSET */
	DLG_MESSAGE,	/* sending the message (after DATA's 354) */
	DLG_DATA_END,	/* waiting for the reply to the final dot */
	DLG_QUIT,	/* waiting for the reply to QUIT */
	DLG_OTHER,	/* nothing outstanding that we know of */
};

#define DLG_PENDING	8	/* commands written and not answered */

struct dialogue {
	bool	connected;
	bool	greeted;	/* a first reply came */
	bool	in_data;	/* DATA was answered 354 */
	bool	message_done;	/* the whole message was handed over */
	bool	data_answered;	/* the final dot was answered */
	bool	auth_tried;	/* AUTH was written */
	bool	auth_ok;	/* ... and answered 235 */
	char	pending[DLG_PENDING][12];	/* oldest first */
	int	npending;
	int	greeting_code;	/* of the first reply, 0: none yet */
	int	last_code;	/* of the last complete reply, 0: none */
	int	linepos;	/* octets of the reply line being read */
	char	code[4];	/* its first three octets */
	bool	final;		/* its fourth octet ends the reply */
};

/* A new dialogue, before connecting. */
void	dialogue_init(struct dialogue *);

/* The client wrote buf (one or more command lines). */
void	dialogue_wrote(struct dialogue *, const char *buf, size_t len);

/* The client read buf from the server (any part of any replies). */
void	dialogue_read(struct dialogue *, const char *buf, size_t len);

/*
 * The phase the dialogue is in; what (may be NULL, size sz) gets its words
 * for a log line ("the greeting", "the reply to RCPT TO", ...).
 */
enum dialogue_phase dialogue_phase(const struct dialogue *, char *what,
	    size_t sz);

#endif
