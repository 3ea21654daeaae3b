// bench/peer/ceiling.mjs -- SECONDS CHAINS HASH: better-auth's password check back to
// back, the ceiling of its sign-in.  Runs verifyPassword() from better-auth/crypto (what
// sign-in/email runs: node:crypto scrypt, N=2^14 r=16 p=1, 64-byte key, on the libuv
// thread pool) against HASH, in CHAINS chains at once (each chain starts its next check
// when the last one ends), until SECONDS have passed.  Prints one line in
// bench/scrypt_ceiling's format:
//
//   hashes=H seconds=S rate=H/S ms_per_hash=S*CHAINS/H window=W rate_window=W/SECONDS
//
// W counts the checks finished within SECONDS, as wrk counts requests.
//
// ceiling.mjs --hash prints the HASH to pass: hashPassword() of the password checked
// here, made once beforehand so that the process's CPU time is all checks.
import { hashPassword, verifyPassword } from "better-auth/crypto";

const password = "correct horse battery staple";
if (process.argv[2] === "--hash") {
	console.log(await hashPassword(password));
	process.exit(0);
}
const secs = Number(process.argv[2]);
const chains = Number(process.argv[3]);
const hash = process.argv[4];
if (!(secs > 0 && secs <= 3600) || !(chains >= 1 && chains <= 64) || !hash) {
	console.error("usage: ceiling.mjs SECONDS CHAINS HASH | ceiling.mjs --hash");
	process.exit(2);
}
let done = 0, window = 0;
const t0 = performance.now();
let elapsed = 0;

async function chain() {
	while (elapsed < secs) {
		if (!(await verifyPassword({ hash, password }))) throw new Error("verifyPassword failed");
		done++;
		elapsed = (performance.now() - t0) / 1e3;
		if (elapsed <= secs) window = done;
	}
}
await Promise.all(Array.from({ length: chains }, chain));
const t = (performance.now() - t0) / 1e3;
console.log("hashes=%d seconds=%s rate=%s ms_per_hash=%s window=%d rate_window=%s",
	done, t.toFixed(4), (done / t).toFixed(4), (t * 1e3 * chains / done).toFixed(3), window,
	(window / secs).toFixed(4));
