import { pgDriver } from "./drivers.js";
import { repositorySuite } from "./repository-suite.js";

repositorySuite(pgDriver);
