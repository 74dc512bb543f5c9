import { describe, expect, it } from "vitest";
import { extractVariables, render } from "./templating.js";

describe("template variables", () => {
  it("extracts each variable once, in order of first use, ignoring non-variables", () => {
    expect(extractVariables("Hi {FIRST_NAME}, your code {CODE} ({first_name}) {not a var} {} {9X}")).toEqual([
      "FIRST_NAME",
      "CODE",
    ]);
  });
});

describe("rendering", () => {
  const contact = { name: "Abebe Bikila", phone: "+251911000000", metadata: { city: "Addis", vip: true } };

  it("takes custom values over the contact and the contact over defaults", () => {
    const r = render({
      body: "{FIRST_NAME} {LAST_NAME} from {CITY} {VIP} {CODE}",
      fallbackStrategy: "use_default",
      contact,
      customValues: { code: "42" },
      defaultValues: { CITY: "x" },
    });
    expect(r).toEqual({ text: "Abebe Bikila from Addis true 42", skipped: false, missing: [], defaulted: [] });
  });

  it("keep leaves the placeholder as written", () => {
    expect(render({ body: "Hi {NAME}, {Code}", fallbackStrategy: "keep" })).toMatchObject({
      text: "Hi {NAME}, {Code}",
      missing: ["NAME", "Code"],
      skipped: false,
    });
  });

  it("names a variable written in two cases once, as first written", () => {
    expect(render({ body: "{j}{J} {Code}{CODE}", fallbackStrategy: "use_default" })).toMatchObject({
      missing: ["j", "Code"],
      defaulted: ["j", "Code"],
    });
  });

  it("use_default uses the default, or nothing when there is none", () => {
    expect(
      render({ body: "Hi {NAME}{X}!", fallbackStrategy: "use_default", defaultValues: { name: "friend" } }),
    ).toMatchObject({
      text: "Hi friend!",
      defaulted: ["NAME", "X"],
    });
  });

  it("skip drops the message when anything is missing, and only then", () => {
    expect(render({ body: "Hi {NAME}", fallbackStrategy: "skip" })).toMatchObject({
      skipped: true,
      text: "",
      missing: ["NAME"],
    });
    expect(render({ body: "Hi {NAME}", fallbackStrategy: "skip", contact })).toMatchObject({
      skipped: false,
      text: "Hi Abebe Bikila",
    });
  });

  it("does not re-expand values that look like placeholders", () => {
    expect(render({ body: "{A}", fallbackStrategy: "keep", customValues: { A: "{B}", B: "no" } }).text).toBe("{B}");
  });
});
