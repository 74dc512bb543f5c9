/**
 * The containers global-setup.ts starts publish their ports on the loopback address only, as
 * podman reports them (not as testcontainers believes it asked): a port bound on all interfaces
 * would expose a database and a broker with well-known passwords to the machine's network.
 */
import { describe, expect, inject, it } from "vitest";
import { podman } from "../integration/containers/podman.js";

const infra = inject("containerInfra");

describe.skipIf("skip" in infra)(
  `testcontainers' published ports${"skip" in infra ? ` (skipped: ${infra.skip})` : ""}`,
  () => {
    it("are bound on 127.0.0.1 only", async () => {
      if ("skip" in infra) return;
      const bindings: { container: string; port: string; hostIp: string }[] = [];
      for (const id of infra.containerIds) {
        const json = await podman("inspect", "--format", "{{json .HostConfig.PortBindings}}", id);
        const byPort = JSON.parse(json) as Record<string, { HostIp: string; HostPort: string }[] | null>;
        for (const [port, list] of Object.entries(byPort))
          for (const b of list ?? []) bindings.push({ container: id.slice(0, 12), port, hostIp: b.HostIp });
      }
      // PostgreSQL 5432, RabbitMQ 5672 and 15672, Redis 6379.
      expect(bindings.map((b) => b.port).sort()).toEqual(["15672/tcp", "5432/tcp", "5672/tcp", "6379/tcp"]);
      expect(bindings.filter((b) => b.hostIp !== "127.0.0.1")).toEqual([]);
    });
  },
);
