/** What the cluster's sweeper actor needs from the outside world; services/main.ts wires the real ports. */

import type { Logger } from "../../core/logger.js";

export interface SweeperPorts {
  log: Logger;
  /** Period of the sweep reminder. */
  intervalMs: number;
  /** One sweep of the dispatch and campaign safety nets; reports its own failures. */
  sweep(): Promise<void>;
}

let current: SweeperPorts | undefined;

export function setSweeperPorts(ports: SweeperPorts): void {
  current = ports;
}

export function sweeperPorts(): SweeperPorts {
  if (!current) throw new Error("sweeper ports are not wired: the dispatcher must call setSweeperPorts at start-up");
  return current;
}
