import { mediaSuite } from "./suite.js";

// Production set: RabbitMQ, PostgreSQL, API and dispatcher apart, media on SeaweedFS's S3 API.
mediaSuite({ set: "production", media: "s3", basePort: 28_000 });
