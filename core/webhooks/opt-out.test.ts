import { describe, expect, it } from "vitest";
import { keywordAction, normaliseAddress, optOutScope } from "./opt-out.js";

describe("opt-out keywords", () => {
  it.each([
    "STOP",
    "stop",
    " Stop. ",
    "STOP!",
    "stopall",
    "Stop all",
    "UNSUBSCRIBE",
    "cancel",
    "END",
    "quit",
    "opt out",
    "/stop",
  ])("%j opts out", (text) => {
    expect(keywordAction(text)?.action).toBe("opt_out");
  });

  it.each(["START", "unstop", " Subscribe ", "Yes", "/start"])("%j opts back in", (text) => {
    expect(keywordAction(text)?.action).toBe("opt_in");
  });

  it.each(["please stop by tomorrow", "stopping", "hello", "", "   ", "STOP STOP STOP STOP"])(
    "%j is an ordinary message",
    (text) => {
      expect(keywordAction(text)).toBeUndefined();
    },
  );

  it("names the keyword it matched, upper-cased", () => {
    expect(keywordAction(" stop all ")).toEqual({ action: "opt_out", keyword: "STOP ALL" });
  });
});

describe("opt-out scope and addresses", () => {
  it("SMS and SMPP share one scope; every other channel type is its own", () => {
    expect(optOutScope("smpp")).toBe("sms");
    expect(optOutScope("sms")).toBe("sms");
    expect(optOutScope("whatsapp")).toBe("whatsapp");
    expect(optOutScope("email")).toBe("email");
  });

  it("normalises phone numbers like the campaign fan-out, e-mail by case, chat ids as they are", () => {
    expect(normaliseAddress("sms", "+251 911-234 567")).toBe("+251911234567");
    expect(normaliseAddress("sms", "00251911234567")).toBe("+251911234567");
    expect(normaliseAddress("whatsapp", "15551234567")).toBe("+15551234567");
    expect(normaliseAddress("sms", "8080")).toBe("8080");
    expect(normaliseAddress("email", " Ann@Example.COM ")).toBe("ann@example.com");
    expect(normaliseAddress("telegram", "123456789")).toBe("123456789");
  });
});
