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
 * Run the master on listening socket fd: keep cf->workers workers (and the
 * mailer) alive until SIGTERM/SIGINT.  Returns the process's exit status.
 */
int	master_run(int fd);

#endif
