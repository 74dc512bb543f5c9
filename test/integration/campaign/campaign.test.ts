import { campaignSuite } from "./suite.js";

// RabbitMQ + PostgreSQL (the production set), every campaign scenario at full size.
campaignSuite({ basePort: 19_000 });
