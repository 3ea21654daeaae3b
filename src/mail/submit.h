/* signet: mail submission through libesmtp.  ISC licence. */
#ifndef SIGNET_MAIL_SUBMIT_H
#define SIGNET_MAIL_SUBMIT_H

#include <stdbool.h>

/* How a submission went, when it failed. */
struct submit_result {
	char	err[512];	/* for last_error: may quote the server */
	char	brief[512];	/* for the log: no text from the server,
				   which may name the recipient */
	bool	permanent;	/* the server refused the recipient with a
				   5xx: retrying cannot help */
	bool	noauth;		/* smtp_user is set but AUTH did not
				   succeed (not offered, or refused),
				   whatever the outcome */
};

/* Once per process around the submissions: libesmtp's AUTH support. */
void	submit_init(void);
void	submit_exit(void);

/*
 * Send the message msg to rcpt through cf->smtp_server in one SMTP
 * session (STARTTLS and AUTH as configured).  Returns 0 when the server
 * accepted it for the recipient (2xx to RCPT and to the final dot); -1
 * otherwise, with *res saying why.
 */
int	submit_message(const char *rcpt, char *msg, struct submit_result *res)
	    __attribute__((warn_unused_result));

#endif
