import { describe, expect, it } from "vitest";
import { shownCredentials } from "./channel-credentials.js";

describe("shownCredentials", () => {
  const twilio = { account_sid: "AC0123", auth_token: "secret-token", from: "+15005550006" };

  it("masks only the provider's secret fields and shows the others", () => {
    expect(
      shownCredentials({ channelType: "sms", provider: "twilio", fields: Object.keys(twilio) }, () => twilio),
    ).toEqual({
      account_sid: "AC0123",
      auth_token: "********",
      from: "+15005550006",
    });
  });

  it("masks every field when the credentials cannot be opened", () => {
    const fields = ["account_sid", "auth_token"];
    expect(shownCredentials({ channelType: "sms", provider: "twilio", fields }, undefined)).toEqual({
      account_sid: "********",
      auth_token: "********",
    });
    const broken = () => {
      throw new Error("unknown key");
    };
    expect(shownCredentials({ channelType: "sms", provider: "twilio", fields }, broken)).toEqual({
      account_sid: "********",
      auth_token: "********",
    });
  });

  it("masks every field of a provider it does not know", () => {
    expect(shownCredentials({ channelType: "sms", provider: "gone", fields: ["x"] }, () => ({ x: "1" }))).toEqual({
      x: "********",
    });
  });

  it("lists only the fields the row names", () => {
    expect(shownCredentials({ channelType: "sms", provider: "twilio", fields: ["from"] }, () => twilio)).toEqual({
      from: "+15005550006",
    });
  });
});
