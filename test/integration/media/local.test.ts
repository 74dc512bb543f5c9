import { mediaSuite } from "./suite.js";

// The same suite with the store swapped to the local-disk component: YAML only.
mediaSuite({ set: "embedded", media: "local", basePort: 28_200 });
