// bench/peer/server.mjs: better-auth behind express 5, as its Express guide mounts it
// (https://www.better-auth.com/docs/integrations/express), in BA_PROCS processes made
// with node's cluster module, all on 127.0.0.1:BA_PORT.
//
// The primary forks the workers and passes them the connections it accepts, round robin
// (node's default on Linux); it forks nothing else and exits, taking the workers with it,
// on SIGTERM/SIGINT or when a worker dies (a benchmark must not go on with fewer).  It
// prints "ready" once every worker listens.  Environment: BA_PORT, BA_PROCS, and what
// auth.mjs reads.
import cluster from "node:cluster";

const port = Number(process.env.BA_PORT);
const procs = Number(process.env.BA_PROCS || 1);

if (cluster.isPrimary) {
	let listening = 0, stopping = false;
	const stop = (code) => {
		stopping = true;
		for (const w of Object.values(cluster.workers)) w.process.kill("SIGTERM");
		setTimeout(() => process.exit(code), 200).unref();
		if (Object.keys(cluster.workers).length === 0) process.exit(code);
	};
	cluster.on("listening", () => {
		if (++listening === procs) console.log("ready: %d processes on 127.0.0.1:%d", procs, port);
	});
	cluster.on("exit", (w, code, sig) => {
		if (!stopping) {
			console.error("worker %d exited (%s): stopping", w.process.pid, sig || code);
			stop(1);
		} else if (Object.keys(cluster.workers).length === 0) {
			process.exit(0);
		}
	});
	process.on("SIGTERM", () => stop(0));
	process.on("SIGINT", () => stop(0));
	for (let i = 0; i < procs; i++) cluster.fork();
} else {
	const { default: express } = await import("express");
	const { toNodeHandler } = await import("better-auth/node");
	const { auth } = await import("./auth.mjs");
	const app = express();
	app.all("/api/auth/*splat", toNodeHandler(auth));
	app.use(express.json());
	app.listen(port, "127.0.0.1");
}
