/**
 * A RabbitMQ virtual host per test stack. Every stack names its queues alike (the consumer app id
 * plus the topic), so two stacks on the shared broker would take each other's deliveries: a
 * dispatch nudge consumed by a stack whose database does not hold the message, a receipt
 * dead-lettered by the wrong status consumer. A vhost of its own keeps a stack's queues apart,
 * and survives the stack's restarts (queues are durable) until dropped.
 */
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? "http://127.0.0.1:15672";

export interface IsolatedBroker {
  /** AMQP URL of the stack's own vhost (the shared one when the management API is unavailable). */
  url: string;
  /** The vhost's name ("/" when the stack shares the default one). */
  vhost: string;
  drop(): Promise<void>;
}

export interface RabbitQueue {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
}

/** The queues of a vhost as the management API reports them. */
export async function managementQueues(vhost: string): Promise<RabbitQueue[]> {
  const res = await fetch(`${MANAGEMENT_URL}/api/queues/${encodeURIComponent(vhost)}`, {
    headers: { authorization: credentials() },
  });
  if (res.status !== 200) throw new Error(`RabbitMQ management API answered ${res.status} for the queues of ${vhost}`);
  return (await res.json()) as RabbitQueue[];
}

function credentials(): string {
  const u = new URL(AMQP_URL);
  const user = decodeURIComponent(u.username || "guest");
  const pass = decodeURIComponent(u.password || "guest");
  return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
}

async function management(method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${MANAGEMENT_URL}/api${path}`, {
    method,
    headers: { authorization: credentials(), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

export async function isolatedBroker(name: string): Promise<IsolatedBroker> {
  const vhost = encodeURIComponent(name);
  const user = decodeURIComponent(new URL(AMQP_URL).username || "guest");
  try {
    // Start empty: a vhost left by an interrupted run still holds its queues.
    await management("DELETE", `/vhosts/${vhost}`);
    if ((await management("PUT", `/vhosts/${vhost}`)) >= 300) throw new Error("vhost not created");
    if (
      (await management("PUT", `/permissions/${vhost}/${encodeURIComponent(user)}`, {
        configure: ".*",
        write: ".*",
        read: ".*",
      })) >= 300
    )
      throw new Error("permissions not granted");
  } catch (err) {
    process.stderr.write(
      `[test] RabbitMQ management API unavailable (${err instanceof Error ? err.message : String(err)}): this stack shares the default vhost\n`,
    );
    return { url: AMQP_URL, vhost: "/", drop: async () => undefined };
  }
  const base = new URL(AMQP_URL);
  base.pathname = `/${vhost}`;
  return {
    url: base.toString(),
    vhost: name,
    drop: async () => {
      // TURUMBA_IT_KEEP_DB=1 keeps the vhost too, for a post-mortem of its queues.
      if (process.env.TURUMBA_IT_KEEP_DB === "1") return;
      await management("DELETE", `/vhosts/${vhost}`).catch(() => undefined);
    },
  };
}
