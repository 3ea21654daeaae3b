/* signet: the files a configuration names: secrets, documents.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/xmalloc.h"

/*
 * Read a whole secret file into a new buffer (*out, *outlen), dropping one
 * trailing newline.  Like ssh with its keys and libpq with .pgpass, refuse
 * a file that group or others may read or write, or that another user
 * than the one reading it (or root) owns.  0 or -1 with err.
 */
static int
read_secret(const char *key, const char *path, unsigned char **out,
    size_t *outlen, char *err, size_t errsz)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s: %s", key, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > 4096) {
		snprintf(err, errsz, "%s: %s: not a regular file of at most "
		    "4096 bytes", key, path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errsz, "%s: %s: group or others may read or "
		    "write it: chmod 600 it", key, path);
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errsz, "%s: %s: owned by uid %u, not by this "
		    "user or root", key, path, (unsigned)st.st_uid);
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int
conf_load_secrets(struct conf *c, char *err, size_t errsz)
{
	unsigned char	*pw;
	size_t		 pwlen;

	if (read_secret("jwt_secret_file", c->jwt_secret_file, &c->jwt_key,
	    &c->jwt_keylen, err, errsz) == -1)
		return -1;
	if (c->jwt_keylen < 32) {
		snprintf(err, errsz, "jwt_secret_file: %s holds %zu bytes, "
		    "at least 32 are needed", c->jwt_secret_file, c->jwt_keylen);
		return -1;
	}
	if (read_secret("secret_file", c->secret_file, &c->hmac_key,
	    &c->hmac_keylen, err, errsz) == -1)
		return -1;
	if (c->hmac_keylen < 32) {
		snprintf(err, errsz, "secret_file: %s holds %zu bytes, "
		    "at least 32 are needed", c->secret_file, c->hmac_keylen);
		return -1;
	}
	if (*c->smtp_password_file != '\0') {
		if (read_secret("smtp_password_file", c->smtp_password_file,
		    &pw, &pwlen, err, errsz) == -1)
			return -1;
		c->smtp_password = (char *)pw;
	}
	if (*c->totp_key_file != '\0') {
		if (read_secret("totp_key_file", c->totp_key_file, &c->totp_key,
		    &c->totp_keylen, err, errsz) == -1)
			return -1;
		if (c->totp_keylen < 32) {
			snprintf(err, errsz, "totp_key_file: %s holds %zu bytes, "
			    "at least 32 are needed", c->totp_key_file,
			    c->totp_keylen);
			return -1;
		}
	}
	if (*c->bedita_clients_file != '\0') {
		if (read_secret("bedita_clients_file", c->bedita_clients_file,
		    &pw, &pwlen, err, errsz) == -1)
			return -1;
		c->bedita_clients = (char *)pw;
	}
	return 0;
}

/*
 * The largest file conf_read_text() takes: openapi_file is about 100 KiB; a file
 * far past that is a wrong path, not a document.
 */
#define TEXT_FILE_MAX	(4L * 1024 * 1024)

/*
 * Read a whole file that is not a secret (any mode, any owner) into a new
 * NUL-terminated buffer (*out, *outlen).  0 or -1 with err.
 */
int
conf_read_text(const char *key, const char *path, char **out, size_t *outlen,
    char *err, size_t errsz)
{
	FILE	*f;
	char	*buf;
	size_t	 len = 0, cap = 64 * 1024, n;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errsz, "%s: %s: %s", key, path, strerror(errno));
		return -1;
	}
	buf = xmalloc(cap + 1);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap && cap <= TEXT_FILE_MAX) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	if (ferror(f) || len > TEXT_FILE_MAX) {
		if (ferror(f))
			snprintf(err, errsz, "%s: %s: %s", key, path,
			    strerror(errno));
		else
			snprintf(err, errsz, "%s: %s: more than %ld bytes", key,
			    path, TEXT_FILE_MAX);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}
