import { describe, expect, it } from "vitest";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import type { AccountOutcome } from "../../db/messages/status-writes.js";
import { outcomeCallbacks } from "./outcome-callbacks.js";

const ACCOUNT = "11111111-1111-4111-8111-111111111111";
const CHANNEL = "33333333-3333-4333-8333-333333333333";
const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

describe("dispatch outcome callbacks", () => {
  it("emits sent and failed with the message's campaign, never a retry back to queued", async () => {
    const callbacks = outcomeCallbacks({ emit: () => Promise.resolve() }, CHANNEL, (m) =>
      m === id(1) ? "44444444-4444-4444-8444-444444444444" : null,
    );
    const at = new Date().toISOString();
    const outcomes = [
      { id: id(1), createdAt: at, accountId: ACCOUNT, status: "sent", providerMessageId: "p1" },
      {
        id: id(2),
        createdAt: at,
        accountId: ACCOUNT,
        status: "failed",
        errorCode: "invalid_address",
        errorMessage: "x",
      },
      {
        id: id(3),
        createdAt: at,
        accountId: ACCOUNT,
        status: "queued",
        errorCode: "provider_unavailable",
        errorMessage: "x",
        nextAttemptAt: new Date(),
      },
    ] as unknown as AccountOutcome[];
    const emitted: CallbackEvent[] = callbacks.of(outcomes);
    expect(emitted.map((e) => [e.data, e.ordering_key])).toEqual([
      [
        {
          message_id: id(1),
          channel_id: CHANNEL,
          from_status: "sending",
          status: "sent",
          group_message_id: "44444444-4444-4444-8444-444444444444",
          error_code: null,
        },
        `message:${id(1)}`,
      ],
      [
        {
          message_id: id(2),
          channel_id: CHANNEL,
          from_status: "sending",
          status: "failed",
          group_message_id: null,
          error_code: "invalid_address",
        },
        `message:${id(2)}`,
      ],
    ]);
  });
});
