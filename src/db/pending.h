/* signet: the pending_signups table (Unicat signup).  ISC licence. */
#ifndef SIGNET_DB_PENDING_H
#define SIGNET_DB_PENDING_H

/* A pending signup as step 2 reads it.  Strings owned; db_pending_free(). */
struct pending {
	long long	 id;
	char		*code_mac;	/* bytea as "\x..." hex text */
	char		*username;
	char		*email;
	char		*password;	/* MCF */
	char		*language;
	int		 attempts;
	int		 expired;
};

void	db_pending_free(struct pending *);

/*
 * Store a pending signup, replacing an older one for the same email.  The
 * MACs are bytea hex texts ("\x...").  0 or -1.
 */
int	db_pending_put(const char *vmac, const char *cmac, const char *username,
	    const char *email, const char *password, const char *language,
	    long ttl) __attribute__((warn_unused_result));

/* Find by validation MAC: 1 found (fills *p), 0 not, -1 failed. */
int	db_pending_get(const char *vmac, struct pending *p)
	    __attribute__((warn_unused_result));

/*
 * Use up one try of the code, before comparing it: 1 when one was left
 * (attempts < max, now counted), 0 when none is, -1 failed.  Counting
 * first keeps the limit when requests race on one code.
 */
int	db_pending_try(long long id, long max)
	    __attribute__((warn_unused_result));

/*
 * Consume it (inside the caller's transaction): 1 when this call took it,
 * 0 when another request already did, -1 failed.
 */
int	db_pending_take(long long id) __attribute__((warn_unused_result));

#endif
