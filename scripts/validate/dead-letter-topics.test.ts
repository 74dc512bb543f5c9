import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_TOPICS } from "../../core/dead-letters.js";
import { REPO_ROOT } from "./generate.js";

/** Every YAML file under a folder. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

describe("the dead-letter topics the API reads", () => {
  it("are the topics of every subscription in components/, each dead-lettering to <topic>.dead", () => {
    const subscribed = new Set<string>();
    for (const file of yamlFiles(join(REPO_ROOT, "components")))
      for (const doc of YAML.parseAllDocuments(readFileSync(file, "utf8"))) {
        const d = doc.toJS() as { kind?: string; spec?: { topic?: string; deadLetterTopic?: string } } | null;
        // The dead-letter topics' own subscriptions (to the DeadLetterActor) are not sources.
        if (d?.kind !== "Subscription" || !d.spec?.topic || d.spec.topic.endsWith(".dead")) continue;
        expect(d.spec.deadLetterTopic, d.spec.topic).toBe(`${d.spec.topic}.dead`);
        subscribed.add(d.spec.topic);
      }
    expect([...DEAD_LETTER_TOPICS].sort()).toEqual([...subscribed].sort());
  });
});
