import { runMatrix } from "./matrix.js";

runMatrix("rabbitmq-redis");
