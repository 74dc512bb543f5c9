import { runtimeSlice } from "./slice.js";

// In-memory pub/sub and SQLite actor state inside one sidecar: the embedded default.
runtimeSlice({ set: "embedded", basePort: 23000 });
