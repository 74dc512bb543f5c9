import { runMatrix } from "./matrix.js";

runMatrix("redis-streams-redis");
