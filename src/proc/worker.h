/* signet: a worker process: accept, parse, dispatch, answer.  ISC licence. */
#ifndef SIGNET_PROC_WORKER_H
#define SIGNET_PROC_WORKER_H

#include <stdbool.h>

/*
 * Serve FastCGI requests on the listening socket fd until told to stop
 * (SIGTERM/SIGINT), finishing the request in flight.  With standalone (no
 * master) SIGHUP reloads the configuration in place.  Returns the exit
 * status for the process.
 */
int	 worker_run(int fd, bool standalone);

#endif
