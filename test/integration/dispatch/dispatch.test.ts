import { dispatchSuite } from "./suite.js";

// RabbitMQ + PostgreSQL (the production set), two dispatcher replicas.
dispatchSuite({ basePort: 26000, extraDispatchers: 1 });
