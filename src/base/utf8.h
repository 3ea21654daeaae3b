/* signet: UTF-8 as PostgreSQL and mail take it.  ISC licence. */
#ifndef SIGNET_BASE_UTF8_H
#define SIGNET_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Are the len bytes at s well-formed UTF-8 (RFC 3629): no overlong forms,
 * no surrogates (U+D800..U+DFFF), nothing past U+10FFFF, and no NUL?
 * What passes can be stored in a PostgreSQL text column and put in a mail.
 */
bool	utf8_valid(const void *s, size_t len);

#endif
