/* Unit tests: the configuration parser. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"

static char	path[64];

static void
write_conf(const char *text)
{
	FILE	*f;
	int	 fd;

	strcpy(path, "/tmp/signet-test-conf-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

static const struct {
	const char	*text;
	const char	*err;	/* NULL: loads; else a substring of the error */
} cases[] = {
	{ "", NULL },
	{ "# only a comment\n\n   \n", NULL },
	{ "workers = 3\n", NULL },
	{ "workers=3", NULL },
	{ "workers = 3\nbogus = 1\n", ":2: unknown key \"bogus\"" },
	{ "workers = three\n", ":1: workers: not a number" },
	{ "workers = -1\n", ":1: workers: -1 is outside" },
	{ "workers\n", ":1: expected key = value" },
	{ "scrypt_n = 1000\n", "scrypt_n: 1000 is not a power of two" },
	{ "debug = maybe\n", ":1: debug: expected yes or no" },
	{ "trusted_proxies = 10.0.0.0/8, nonsense\n", "trusted_proxies" },
	{ "log = file\n", ":1: log: expected stderr or syslog" },
	{ "log =\n", ":1: log: expected stderr or syslog" },
	{ "log = syslog\n", NULL },
	{ "signup_personality = other\n",
	    ":1: signup_personality: expected auto, bedita or freesewing" },
	{ "smtp_starttls = required\n", NULL },
	{ "smtp_starttls = maybe\n",
	    ":1: smtp_starttls: expected no, yes or required" },
	{ "listen = nowhere\n", "listen: expected" },
	{ "socket_mode = 0640\n", NULL },
	/* floors (issue 12.19) */
	{ "socket_mode = 0666\n", "socket_mode: 0666 lets every local user" },
	{ "scrypt_n = 1024\n", "scrypt_n: 1024 is below 16384" },
	{ "scrypt_n = 1024\nscrypt_weak_ok = yes\n", NULL },
	{ "scrypt_n = 16384\n", NULL },
	{ "listen = 0.0.0.0:9000\n", "set web_server_addrs" },
	{ "listen = 0.0.0.0:9000\nweb_server_addrs = 10.0.0.1\n", NULL },
	{ "listen = 127.0.0.2:9000\n", NULL },
	{ "listen = [::]:9000\nweb_server_addrs = 10.0.0.1\n", "IPv6" },
	{ "link_prefixes = https://a.example/ myapp://\n", NULL },
	{ "link_prefixes = nope\n", "link_prefixes" },
	{ "hash_queue = auto\n", NULL },
	{ "session_max_age = 1\n", "session_max_age: 1 is outside" },
	/* operating (issue 15) */
	{ "metrics_allow = 10.0.0.0/8, 300.1.1.1\n", "metrics_allow: bad address" },
	{ "metrics_allow =\n", NULL },
	{ "log_format = json\n", NULL },
	{ "log_format = xml\n", "log_format: expected text or json" },
	{ "audit_keep_days = 0\n", NULL },
	{ "audit_keep_days = -1\n", "audit_keep_days: -1 is outside" },
	/* pooler-ready access (issue 14) */
	{ "db_statements = unnamed\n", NULL },
	{ "db_statements = named\n", "db_statements: expected prepared" },
	{ "mailer_database = host=db port=5432 dbname=signet\n", NULL },
};

START_TEST(conf_table)
{
	struct conf	c;
	char		err[512] = "";
	int		rc;

	write_conf(cases[_i].text);
	rc = conf_load(&c, path, err, sizeof(err));
	unlink(path);
	if (cases[_i].err == NULL) {
		ck_assert_msg(rc == 0, "case %d: %s", _i, err);
		conf_free(&c);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, cases[_i].err) != NULL,
		    "case %d: \"%s\" lacks \"%s\"", _i, err, cases[_i].err);
		ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
		    "case %d: error does not name the file: %s", _i, err);
	}
}
END_TEST

START_TEST(conf_values)
{
	struct conf	c;
	char		err[512];

	write_conf("workers = 3\nworkers = 5\nsocket_mode = 0640\n"
	    "public_url = https://x.example/a b\ndebug = on\n"
	    "throttle_exempt = 127.0.0.0/8 ::1\n");
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_int_eq(c.workers, 5);		/* the later wins */
	ck_assert_int_eq(c.socket_mode, 0640);
	ck_assert_str_eq(c.public_url, "https://x.example/a b");
	ck_assert(c.debug);
	ck_assert(cidrs_match(&c.exempt, "127.0.0.9"));
	ck_assert(cidrs_match(&c.exempt, "::1"));
	ck_assert(!cidrs_match(&c.exempt, "10.0.0.1"));
	ck_assert_int_eq(c.scrypt_n, 131072);	/* defaults */
	ck_assert_int_eq(c.jwt_ttl, 3600);
	ck_assert_int_eq(c.max_body, 65536);
	/* derived: links default to public_url's origin; hash_queue auto */
	ck_assert_str_eq(c.links[0], "https://x.example");
	ck_assert_ptr_null(c.links[1]);
	ck_assert_int_eq(c.hash_queue, c.hash_concurrency);
	ck_assert_int_eq(c.session_max_age, 2592000);
	/* metrics_allow: loopback unless set */
	ck_assert(cidrs_match(&c.metrics_nets, "127.0.0.1"));
	ck_assert(cidrs_match(&c.metrics_nets, "::1"));
	ck_assert(!cidrs_match(&c.metrics_nets, "192.0.2.1"));
	ck_assert_str_eq(c.log_format, "text");
	ck_assert_int_eq(c.audit_keep_days, 180);
	/* prepared statements, and the mailer on database, unless set */
	ck_assert_str_eq(c.db_statements, "prepared");
	ck_assert(!c.db_unnamed);
	ck_assert_str_eq(c.mailer_database, "");
	conf_free(&c);

	write_conf("db_statements = unnamed\nmailer_database = dbname=x\n");
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	unlink(path);
	ck_assert(c.db_unnamed);
	ck_assert_str_eq(c.mailer_database, "dbname=x");
	conf_free(&c);
}
END_TEST

START_TEST(conf_missing_file)
{
	struct conf	c;
	char		err[512];

	ck_assert_int_eq(conf_load(&c, "/nonexistent/signet.conf", err,
	    sizeof(err)), -1);
	ck_assert(strstr(err, "/nonexistent/signet.conf") != NULL);
}
END_TEST

START_TEST(conf_secrets)
{
	struct conf	c;
	char		err[512], key[64], conf[256];
	FILE		*f;
	int		 fd;

	strcpy(key, "/tmp/signet-test-key-XXXXXX");
	fd = mkstemp(key);
	f = fdopen(fd, "w");
	fputs("too short\n", f);
	fclose(f);
	snprintf(conf, sizeof(conf), "jwt_secret_file = %s\n"
	    "secret_file = %s\n", key, key);
	write_conf(conf);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_load_secrets(&c, err, sizeof(err)), -1);
	ck_assert(strstr(err, "at least 32") != NULL);
	conf_free(&c);

	f = fopen(key, "w");
	fputs("0123456789abcdef0123456789abcdef0123\n", f);
	fclose(f);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_load_secrets(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.jwt_keylen, 36);	/* trailing newline dropped */
	conf_free(&c);
	unlink(key);
	unlink(path);
}
END_TEST

/* A key that needs a restart keeps its value through a reload; others change. */
START_TEST(conf_fixed_on_reload)
{
	struct conf	old, c;
	char		err[512];

	write_conf("log = stderr\nlog_format = text\nworkers = 3\n");
	ck_assert_int_eq(conf_load(&old, path, err, sizeof(err)), 0);
	unlink(path);
	write_conf("log = syslog\nlog_format = json\nworkers = 5\n");
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	unlink(path);
	conf_keep_fixed(&c, &old);
	ck_assert_str_eq(c.log, "stderr");		/* fixed */
	ck_assert_str_eq(c.log_format, "json");		/* reloadable */
	ck_assert_int_eq(c.workers, 5);
	conf_free(&c);
	conf_free(&old);
}
END_TEST

START_TEST(conf_words)
{
	ck_assert(conf_word_in("a, bb ccc", "bb"));
	ck_assert(conf_word_in("a,bb,ccc", "ccc"));
	ck_assert(!conf_word_in("a, bb ccc", "b"));
	ck_assert(!conf_word_in("", "a"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, conf_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, conf_values);
	tcase_add_test(tc, conf_missing_file);
	tcase_add_test(tc, conf_secrets);
	tcase_add_test(tc, conf_words);
	tcase_add_test(tc, conf_fixed_on_reload);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
