import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import type { WebhookRequest } from "../../adapters/contract/types.js";
import { EmailAdapter } from "../../adapters/email/adapter.js";
import { startSimulator, type RunningSimulator } from "./simulator.js";

/** The simulator's inbound-parse webhook: a MIME message the e-mail adapter reads back part for part. */
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n");
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(64, 1)]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let sim: RunningSimulator;
let receiver: Server;
const got: WebhookRequest[] = [];

beforeAll(async () => {
  sim = await startSimulator(
    { httpPort: 0, smtpPort: 0, smppPort: 0 },
    { logger: createLogger("sim", { level: "silent" }) },
  );
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      got.push({ method: "POST", url: req.url!, headers: req.headers, rawBody: body.toString("utf8"), rawBytes: body });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
});
afterAll(async () => {
  await sim.stop();
  receiver.close();
});

async function library(bytes: Buffer): Promise<string> {
  const res = await fetch(`${sim.httpUrl}/_sim/media`, { method: "POST", body: new Uint8Array(bytes) });
  return ((await res.json()) as { id: string }).id;
}

describe("simulator inbound e-mail", () => {
  it.each([false, true])("posts a MIME message with an attachment and an inline image (form: %s)", async (form) => {
    got.length = 0;
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/email/c?token=t`;
    const res = await fetch(`${sim.httpUrl}/_sim/inbound-email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        url,
        from: "customer@example.org",
        subject: "Papers",
        html: '<p>Here.</p><img src="cid:p@x">',
        attachments: [
          { id: await library(PDF), filename: "a.pdf" },
          { id: await library(PNG), filename: "p.png", cid: "p@x" },
        ],
        form,
      }),
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { messageId: string; attachments: { sha256: string }[] };
    expect(answer.attachments.map((a) => a.sha256)).toEqual([sha(PDF), sha(PNG)]);
    expect(got).toHaveLength(1);
    expect(String(got[0]!.headers["content-type"])).toMatch(form ? /^multipart\/form-data/ : /^message\/rfc822/);
    const [mail] = await new EmailAdapter().parseCarriedInbound(got[0]!);
    expect(mail!.message.providerMessageId).toBe(answer.messageId);
    expect(mail!.media.map(sha).sort()).toEqual([sha(PDF), sha(PNG)].sort());
  });
});
