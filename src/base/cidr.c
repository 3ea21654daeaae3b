/* signet: address ranges (trusted_proxies, throttle_exempt).  ISC licence. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/cidr.h"
#include "base/xmalloc.h"

/* Parse one address (no prefix) into c; v4-mapped v6 becomes v4. */
static int
addr_parse(struct cidr *c, const char *ip)
{
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, ip, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, c->addr) == 1) {
		if (memcmp(c->addr, mapped, sizeof(mapped)) == 0) {
			memmove(c->addr, c->addr + 12, 4);
			memset(c->addr + 4, 0, 12);
			c->family = AF_INET;
			c->bits = 32;
		} else {
			c->family = AF_INET6;
			c->bits = 128;
		}
		return 0;
	}
	return -1;
}

int
cidrs_parse(struct cidrs *out, const char *s, const char **bad)
{
	const char	*p = s, *start;
	char		 item[64], *slash, *end;
	size_t		 len;
	long		 bits;
	struct cidr	 c;

	out->n = 0;
	out->v = NULL;
	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			return 0;
		start = p;
		len = strcspn(p, ", \t");
		p += len;
		if (len >= sizeof(item))
			goto fail;
		memcpy(item, start, len);
		item[len] = '\0';
		if ((slash = strchr(item, '/')) != NULL)
			*slash++ = '\0';
		if (addr_parse(&c, item) == -1)
			goto fail;
		if (slash != NULL) {
			bits = strtol(slash, &end, 10);
			if (*slash == '\0' || *end != '\0' || bits < 0 ||
			    bits > (c.family == AF_INET ? 32 : 128))
				goto fail;
			c.bits = (int)bits;
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = c;
		continue;
fail:
		*bad = start;
		cidrs_free(out);
		return -1;
	}
}

void
cidrs_free(struct cidrs *cs)
{
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

static bool
prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int	whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

bool
cidrs_match(const struct cidrs *cs, const char *ip)
{
	struct cidr	a;
	size_t		i;

	if (ip == NULL || addr_parse(&a, ip) == -1)
		return false;
	for (i = 0; i < cs->n; i++)
		if (cs->v[i].family == a.family &&
		    prefix_equal(cs->v[i].addr, a.addr, cs->v[i].bits))
			return true;
	return false;
}
