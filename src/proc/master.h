/* signet: the master process: forks, reaps, respawns, reloads. */
#ifndef SIGNET_MASTER_H
#define SIGNET_MASTER_H

/*
 * Open the FastCGI listening socket: the one inherited on fd 0 when there
 * is one (spawn-fcgi, mod_fcgid), else cf->listen.  Returns the fd, or -1
 * with the reason logged.
 */
int	master_listen(void) __attribute__((warn_unused_result));

/*
 * Remove the unix socket master_listen() made, if the path still names it
 * (another signet may have bound it anew meanwhile).  Nothing for a TCP or
 * inherited socket.
 */
void	master_unlisten(void);

/*
 * Run the master on listening socket fd: keep cf->workers workers and
 * cf->mail_concurrency mailers alive until SIGTERM/SIGINT.  fd -1: no
 * workers, only the mailers (signet --mailer).  A burst of deaths makes it
 * start nothing for master_backoff() seconds, then try again, for ever.
 * Returns the process's exit status.
 */
int	master_run(int fd);

/*
 * Seconds without children after the step-th burst of deaths in a row: 0
 * for step 0, then 1, 2, 4 ... doubling, at most 60.  Pure.
 */
long	master_backoff(unsigned step);

#endif
