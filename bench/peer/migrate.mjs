// bench/peer/migrate.mjs: better-auth's own schema migration (getMigrations, what its CLI's
// `migrate` runs) on the database of BA_DATABASE_URL; prints what it made.
import { getMigrations } from "better-auth/db/migration";
import { auth } from "./auth.mjs";

const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(auth.options);
await runMigrations();
console.log("better-auth migration: created %s; added columns to %s",
	toBeCreated.map((t) => t.table).join(", ") || "nothing",
	toBeAdded.map((t) => t.table).join(", ") || "nothing");
await auth.options.database.end();
