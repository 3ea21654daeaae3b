// bench/peer/auth.mjs: the better-auth instance of the peer, as its installation guide
// makes it (https://www.better-auth.com/docs/installation): node-postgres' Pool as the
// database, email and password sign-in enabled.  Two settings differ from the defaults,
// both for the benchmark: the rate limiter is off (it is on when NODE_ENV=production and
// would refuse a load from one address, as signet's throttles, all at 0 in the benchmark,
// would), and telemetry is off explicitly (it is off by default; nothing may leave the
// machine).  Environment: BA_DATABASE_URL, BA_BASE_URL, BETTER_AUTH_SECRET.
import { betterAuth } from "better-auth";
import pg from "pg";

export const auth = betterAuth({
	database: new pg.Pool({ connectionString: process.env.BA_DATABASE_URL }),
	baseURL: process.env.BA_BASE_URL,
	emailAndPassword: { enabled: true },
	rateLimit: { enabled: false },
	telemetry: { enabled: false },
});
