/* signet: address ranges (trusted_proxies, throttle_exempt).  ISC licence. */
#ifndef SIGNET_CIDR_H
#define SIGNET_CIDR_H

#include <stdbool.h>
#include <stddef.h>

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	int		bits;
};

struct cidrs {
	size_t		 n;
	struct cidr	*v;		/* owned; cidrs_free() */
};

/*
 * Parse a list of "ADDR[/BITS]" separated by commas or blanks into *out
 * (which it owns afterwards).  Returns 0, or -1 with *bad pointing into s
 * at the first item that does not parse.
 */
int	 cidrs_parse(struct cidrs *out, const char *s, const char **bad)
	    __attribute__((warn_unused_result));
void	 cidrs_free(struct cidrs *);

/* Does the textual address ip (v4, v6 or v4-mapped v6) fall in any range? */
bool	 cidrs_match(const struct cidrs *, const char *ip);

#endif
