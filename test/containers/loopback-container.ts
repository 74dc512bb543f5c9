/**
 * A testcontainers container whose published ports listen on the loopback address only. The
 * library binds every published port on all interfaces (it sends no HostIp), which would put test
 * databases and brokers with well-known passwords on the machine's network; the rule here is that
 * services listen on loopback only. testcontainers has no option for the bind address, so the
 * bindings are rewritten just before the container is created.
 */
import { GenericContainer } from "testcontainers";

export const LOOPBACK = "127.0.0.1";

export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}))
      for (const binding of bindings as { HostIp?: string }[]) binding.HostIp = LOOPBACK;
  }
}
