/** Types of boundaries.mjs (plain JavaScript so that eslint.config.js can load it without a loader). */
import type { Linter } from "eslint";

export function boundaryConfigs(root: string): Linter.Config[];
