import { runMatrix } from "./matrix.js";

runMatrix("redis-streams-postgresql");
