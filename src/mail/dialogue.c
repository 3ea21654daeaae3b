/* signet: where an SMTP dialogue stands, from what went by.  ISC licence. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/dialogue.h"

/*
 * The commands we know, by their first word, with the words a log line
 * uses for them and the phase waiting for their reply is.  A line that
 * starts with none of them is an answer to a 334 of AUTH.
 */
static const struct {
	const char		*verb;
	const char		*name;
	enum dialogue_phase	 phase;
} verbs[] = {
	{ "EHLO", "EHLO", DLG_HELLO },
	{ "HELO", "HELO", DLG_HELLO },
	{ "STARTTLS", "STARTTLS", DLG_HELLO },
	{ "AUTH", "AUTH", DLG_HELLO },
	{ "MAIL", "MAIL FROM", DLG_ENVELOPE },
	{ "RCPT", "RCPT TO", DLG_ENVELOPE },
	{ "DATA", "DATA", DLG_ENVELOPE },
	{ "RSET", "RSET", DLG_ENVELOPE },
	{ "QUIT", "QUIT", DLG_QUIT },
};

#define NVERBS	(sizeof(verbs) / sizeof(verbs[0]))

void
dialogue_init(struct dialogue *d)
{
	memset(d, 0, sizeof(*d));
}

/* The entry of verbs[] for the command line at p (len octets). */
static size_t
verb_of(const char *p, size_t len)
{
	size_t	i, n;

	for (i = 0; i < NVERBS; i++) {
		n = strlen(verbs[i].verb);
		if (len >= n && strncasecmp(p, verbs[i].verb, n) == 0 &&
		    (len == n || p[n] == ' ' || p[n] == '\r'))
			return i;
	}
	return NVERBS;
}

void
dialogue_wrote(struct dialogue *d, const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *nl;
	const char	*name;
	size_t		 v;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		v = verb_of(p, (size_t)((nl != NULL ? nl : end) - p));
		name = v < NVERBS ? verbs[v].name : "AUTH";
		if (v < NVERBS && strcmp(verbs[v].verb, "AUTH") == 0)
			d->auth_tried = true;
		if (d->npending < DLG_PENDING)
			snprintf(d->pending[d->npending++],
			    sizeof(d->pending[0]), "%s", name);
		p = nl != NULL ? nl + 1 : end;
	}
}

/* A complete reply with code came: it answers the oldest command. */
static void
replied(struct dialogue *d, int code)
{
	d->last_code = code;
	if (!d->greeted && d->npending == 0) {
		d->greeted = true;
		d->greeting_code = code;
		return;
	}
	d->greeted = true;
	if (d->npending == 0) {
		/* Nothing written is outstanding: the final dot's reply. */
		if (d->in_data) {
			d->in_data = false;
			d->data_answered = true;
		}
		return;
	}
	if (strcmp(d->pending[0], "DATA") == 0 && code == 354)
		d->in_data = true;
	if (strcmp(d->pending[0], "AUTH") == 0 && code == 235)
		d->auth_ok = true;
	d->npending--;
	memmove(d->pending[0], d->pending[1],
	    sizeof(d->pending[0]) * (size_t)d->npending);
}

void
dialogue_read(struct dialogue *d, const char *buf, size_t len)
{
	size_t	i;
	char	c;

	for (i = 0; i < len; i++) {
		c = buf[i];
		if (c == '\n') {
			if (d->linepos >= 3 && d->final)
				replied(d, atoi(d->code));
			d->linepos = 0;
			d->final = false;
			continue;
		}
		if (d->linepos < 3)
			d->code[d->linepos] = c;
		else if (d->linepos == 3)
			d->final = c != '-';
		if (d->linepos == 2)
			d->code[3] = '\0';
		/* "250\r\n": a reply of only a code is final too. */
		if (d->linepos == 3 && c == '\r')
			d->final = true;
		d->linepos++;
	}
}

enum dialogue_phase
dialogue_phase(const struct dialogue *d, char *what, size_t sz)
{
	enum dialogue_phase	 ph;
	const char		*w;
	char			 buf[40];
	size_t			 v;

	if (!d->connected) {
		ph = DLG_CONNECT;
		w = "connecting";
	} else if (!d->greeted) {
		ph = DLG_GREETING;
		w = "the greeting";
	} else if (d->npending > 0) {
		ph = DLG_OTHER;
		for (v = 0; v < NVERBS; v++)
			if (strcmp(verbs[v].name, d->pending[0]) == 0)
				ph = verbs[v].phase;
		if (strcmp(d->pending[0], "AUTH") == 0)
			ph = DLG_HELLO;
		snprintf(buf, sizeof(buf), "the reply to %s", d->pending[0]);
		w = buf;
	} else if (d->in_data && !d->message_done) {
		ph = DLG_MESSAGE;
		w = "sending the message";
	} else if (d->in_data) {
		ph = DLG_DATA_END;
		w = "the reply to the end of data";
	} else {
		ph = DLG_OTHER;
		w = "the session";
	}
	if (what != NULL && sz > 0)
		snprintf(what, sz, "%s", w);
	return ph;
}
