import { describe, expect, it } from "vitest";
import { composeAsGiven, composeForChannel, escapeHtml, renderParts, type ContentSource } from "./compose.js";
import { templateVariables } from "./template-parts.js";

const contact = { name: "Abebe <Bikila>", email: "a@example.org", metadata: { order: "A&B-42" } };

const mailTemplate: ContentSource = {
  body: "Hi {FIRST_NAME}, order {ORDER} shipped.",
  email: {
    subject: "Order {ORDER} for {FIRST_NAME}",
    html: '<p>Hi <b>{NAME}</b>, order <a href="https://x.test/{ORDER}">{ORDER}</a></p>',
  },
  whatsapp: {
    name: "order_shipped",
    language: "en_US",
    components: [{ type: "body", parameters: ["FIRST_NAME", "ORDER"] }],
  },
  fallbackStrategy: "keep",
};

describe("composing a message for its channel", () => {
  it("e-mail: subject and text take values as they are, HTML escapes them, and the text is derived from the HTML", () => {
    const c = composeForChannel("email", mailTemplate, { contact }, {});
    expect(c.options.subject).toBe("Order A&B-42 for Abebe");
    expect(c.options.html).toBe(
      '<p>Hi <b>Abebe &lt;Bikila&gt;</b>, order <a href="https://x.test/A&amp;B-42">A&amp;B-42</a></p>',
    );
    // The derived text decodes what the HTML escaped: the reader sees the values as given.
    expect(c.body).toBe("Hi Abebe <Bikila>, order A&B-42 [https://x.test/A&B-42]");
    expect(c.skipped).toBe(false);
  });

  it("e-mail: a text part wins over the derived text, and the send's own subject overrides the template's", () => {
    const c = composeForChannel(
      "email",
      { ...mailTemplate, email: { ...mailTemplate.email!, text: "Plain: {ORDER}" } },
      { contact, customValues: { ORDER: "7" } },
      { subject: "Re: {ORDER}", reply_to: "help@example.org" },
    );
    expect(c).toMatchObject({ body: "Plain: 7", options: { subject: "Re: 7", reply_to: "help@example.org" } });
    expect(c.options.text).toBeUndefined();
  });

  it("e-mail without parts: the body is the text and there is no subject of its own", () => {
    const c = composeForChannel("email", { body: "Hi {NAME}", fallbackStrategy: "keep" }, { contact }, {});
    expect(c).toEqual({ body: "Hi Abebe <Bikila>", options: {}, skipped: false, missing: [] });
  });

  it("whatsapp: the body is the text and the mapping becomes the template sent outside the care window", () => {
    const c = composeForChannel("whatsapp", mailTemplate, { contact }, { preview_url: true });
    expect(c.body).toBe("Hi Abebe, order A&B-42 shipped.");
    expect(c.options).toEqual({
      preview_url: true,
      outside_window_template: {
        name: "order_shipped",
        language: "en_US",
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Abebe" },
              { type: "text", text: "A&B-42" },
            ],
          },
        ],
      },
    });
  });

  it("whatsapp: an explicit template is kept and the mapping is not added", () => {
    const template = { name: "hello_world", language: "en_US" };
    expect(composeForChannel("whatsapp", mailTemplate, { contact }, { template }).options).toEqual({ template });
  });

  it("only the parts a channel uses count for the skip strategy", () => {
    const source: ContentSource = {
      body: "Hi {NAME}",
      email: { subject: "{MISSING}" },
      fallbackStrategy: "skip",
    };
    expect(composeForChannel("sms", source, { contact }, {}).skipped).toBe(false);
    const mail = composeForChannel("email", source, { contact }, {});
    expect(mail).toMatchObject({ skipped: true, missing: ["MISSING"], options: { subject: "{MISSING}" } });
  });

  it("a skipped WhatsApp mapping parameter keeps its placeholder as the record", () => {
    const c = composeForChannel("whatsapp", { ...mailTemplate, fallbackStrategy: "skip" }, {}, {});
    expect(c.skipped).toBe(true);
    expect(c.options.outside_window_template?.components?.[0]?.parameters[0]).toEqual({
      type: "text",
      text: "{FIRST_NAME}",
    });
  });

  it("a button component keeps its sub_type and index (as Meta's string)", () => {
    const c = composeForChannel(
      "whatsapp",
      {
        body: "x",
        whatsapp: {
          name: "t",
          language: "en",
          components: [{ type: "button", sub_type: "url", index: 0, parameters: ["CODE"] }],
        },
        fallbackStrategy: "keep",
      },
      { customValues: { CODE: "abc" } },
      {},
    );
    expect(c.options.outside_window_template?.components).toEqual([
      { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "abc" }] },
    ]);
  });

  it("an ad-hoc e-mail sent as given derives its text from the HTML only when the body is empty", () => {
    expect(composeAsGiven("email", "", { html: "<p>Hi</p>" }).body).toBe("Hi");
    expect(composeAsGiven("email", "Text", { html: "<p>Hi</p>" }).body).toBe("Text");
    expect(composeAsGiven("sms", "", {}).body).toBe("");
  });

  it("an e-mail without a template, scheduled or to a group, keeps its body as the text part, as a single send does", () => {
    const adHoc = (body: string): ContentSource => ({ body, fallbackStrategy: "keep" });
    const options = { subject: "Order {ORDER}", html: "<h1>Order {ORDER}</h1><p>On its way.</p>" };
    const c = composeForChannel("email", adHoc("Hi {FIRST_NAME}: order {ORDER} is on its way."), { contact }, options);
    expect(c.body).toBe("Hi Abebe: order A&B-42 is on its way.");
    expect(c.options).toMatchObject({ subject: "Order A&B-42", html: "<h1>Order A&amp;B-42</h1><p>On its way.</p>" });
    // With no body of its own, the text part is still derived from the HTML.
    expect(composeForChannel("email", adHoc(""), { contact }, options).body).toBe("Order A&B-42\nOn its way.");
  });
});

describe("previews", () => {
  it("render every part and report what every part misses", () => {
    const p = renderParts(mailTemplate, { customValues: { FIRST_NAME: "Ana" } });
    expect(p.body).toBe("Hi Ana, order {ORDER} shipped.");
    expect(p.email).toEqual({
      subject: "Order {ORDER} for Ana",
      html: '<p>Hi <b>{NAME}</b>, order <a href="https://x.test/{ORDER}">{ORDER}</a></p>',
      text: "Hi {NAME}, order {ORDER} [https://x.test/{ORDER}]",
    });
    expect(p.whatsapp?.components?.[0]?.parameters).toEqual([
      { type: "text", text: "Ana" },
      { type: "text", text: "{ORDER}" },
    ]);
    expect(p.missing).toEqual(["ORDER", "NAME"]);
  });

  it("skip leaves a recipient it cannot fill with nothing, and says what was missing", () => {
    expect(renderParts({ ...mailTemplate, fallbackStrategy: "skip" }, { customValues: { FIRST_NAME: "Ana" } })).toEqual(
      {
        body: "",
        email: null,
        whatsapp: null,
        skipped: true,
        missing: ["ORDER", "NAME"],
        defaulted: [],
      },
    );
  });

  it("use_default fills every part and says which variables it defaulted", () => {
    const p = renderParts(
      { ...mailTemplate, fallbackStrategy: "use_default", defaultValues: { NAME: "<friend>" } },
      { customValues: { FIRST_NAME: "Ana", ORDER: "1" } },
    );
    expect(p.email?.html).toContain("<b>&lt;friend&gt;</b>");
    expect(p.defaulted).toEqual(["NAME"]);
  });
});

describe("template variables", () => {
  it("come from every part in order of first use, the mapping's last", () => {
    expect(
      templateVariables(
        "Hi {NAME}",
        { subject: "{ORDER} {name}", html: "<p>{CITY}</p>" },
        { name: "t", language: "en", components: [{ type: "body", parameters: ["CODE", "ORDER"] }] },
      ),
    ).toEqual(["NAME", "ORDER", "CITY", "CODE"]);
  });

  it("escapeHtml covers the five characters HTML gives meaning to", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
