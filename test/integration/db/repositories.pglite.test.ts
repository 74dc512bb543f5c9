import { pgliteDriver } from "./drivers.js";
import { repositorySuite } from "./repository-suite.js";

// The embedded driver passes the very same tests as PostgreSQL.
repositorySuite(pgliteDriver);
