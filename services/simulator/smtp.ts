/**
 * The simulator's e-mail side: an SMTP server the e-mail adapter sends to, with the same latency and
 * fault knobs as the HTTP providers.
 */

import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { safeEqual } from "../../adapters/contract/signatures.js";
import { sleep } from "./behaviour.js";
import type { SimContext } from "./context.js";
import { readMail } from "./mime.js";

/**
 * An SMTP server that accepts mail like a relay would: AUTH when configured, latency, 451 4.7.1
 * for its throttle rate and 421 for its error rate, decided per message at DATA time.
 */
export async function startSmtp(ctx: SimContext, port: number): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: !ctx.config.smtp.username,
    logger: false,
    size: 25 * 1024 * 1024,
    onAuth(auth, _session, cb) {
      const { username, password } = ctx.config.smtp;
      const accepted = !username || (auth.username === username && safeEqual(auth.password ?? "", password ?? ""));
      if (accepted && !ctx.refuses(auth.password)) return cb(null, { user: auth.username });
      return cb(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const counters = ctx.stats.of("smtp");
        counters.requests++;
        const b = ctx.behaviour("smtp");
        void sleep(ctx.dice.latency(b)).then(() => {
          const fault = ctx.dice.fault(b);
          if (fault === "throttle") {
            counters.throttled++;
            return cb(Object.assign(new Error("4.7.1 Rate limited, try again later"), { responseCode: 451 }));
          }
          if (fault === "error") {
            counters.errors++;
            return cb(Object.assign(new Error("4.3.2 Service temporarily unavailable"), { responseCode: 421 }));
          }
          const mail = readMail(Buffer.concat(chunks));
          const header = (name: string) => mail.headers.get(name) ?? null;
          const id = header("x-turumba-message-id") ?? header("message-id") ?? "unknown";
          const to = session.envelope.rcptTo.map((r) => r.address).join(",");
          counters.accepted++;
          counters.units += session.envelope.rcptTo.length;
          ctx.stats.remember("smtp", id, to);
          // The Message-ID is the provider id the sender keeps for the message.
          ctx.stats.received.add("smtp", header("message-id") ?? id, to, {
            sender: header("from"),
            subject: header("subject"),
            text: mail.text,
            html: mail.html,
            replyTo: header("reply-to"),
            inReplyTo: header("in-reply-to"),
            references: header("references"),
            ...(mail.attachments.length
              ? {
                  media: mail.attachments.map((a) => ({
                    kind: a.inline ? "inline" : "attachment",
                    filename: a.filename,
                    sha256: a.sha256,
                    bytes: a.bytes,
                    contentType: a.contentType,
                    ...(a.cid ? { cid: a.cid } : {}),
                  })),
                }
              : {}),
          });
          cb(null, "2.0.0 Ok: queued as SIM" + ctx.nextId());
        });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.server.address() as AddressInfo).port };
}
