/**
 * Reads a received e-mail (RFC 5322 with MIME) far enough to check what was sent: the decoded
 * headers (RFC 2047 encoded words), the text and HTML parts of a possibly nested multipart body
 * with their transfer encodings (quoted-printable, base64, 7/8-bit) and charsets undone, and the
 * attachments and inline images (by Content-ID) with the SHA-256 of their bytes.
 * Written for the simulator, which ships in the runtime image where no mail parser is installed.
 */

import { createHash } from "node:crypto";

export interface ReadMail {
  /** Header values by lower-case name, unfolded and decoded; the first occurrence of each. */
  headers: Map<string, string>;
  text: string | null;
  html: string | null;
  attachments: MailAttachment[];
}

/** An attached or inline part: an inline image carries the Content-ID its HTML names (`cid:`). */
export interface MailAttachment {
  filename: string | null;
  contentType: string;
  cid: string | null;
  inline: boolean;
  sha256: string;
  bytes: number;
}

interface Part {
  headers: Map<string, string>;
  /** The body as bytes in a latin1 string, so 8-bit content survives until its charset is known. */
  body: string;
}

/** Splits a header block and a body; header values keep their encoded words, unfolded. */
function splitPart(raw: string): Part {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : "";
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset?.toLowerCase() || "utf-8").decode(bytes);
  } catch {
    return bytes.toString("utf8");
  }
}

function quotedPrintableBytes(text: string, underscoreIsSpace: boolean): Buffer {
  const soft = underscoreIsSpace ? text.replace(/_/g, " ") : text.replace(/=\r?\n/g, "");
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hexPair = soft.slice(i + 1, i + 3);
    if (soft[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hexPair)) {
      out.push(parseInt(hexPair, 16));
      i += 2;
    } else out.push(soft.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/**
 * RFC 2047: `=?charset?B|Q?text?=`. Whitespace between two encoded words is dropped, and adjacent
 * words of one charset are decoded together, since a character's bytes may span two of them.
 */
export function decodeWords(value: string): string {
  const re = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = "";
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (pending) out += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const between = value.slice(last, m.index);
    if (!pending || between.trim() !== "") {
      flush();
      out += Buffer.from(between, "latin1").toString("utf8");
    }
    const charset = m[1]!.split("*")[0]!.toLowerCase();
    const bytes = m[2]!.toUpperCase() === "B" ? Buffer.from(m[3]!, "base64") : quotedPrintableBytes(m[3]!, true);
    if (pending && pending.charset !== charset) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = m.index + m[0].length;
  }
  flush();
  return out + Buffer.from(value.slice(last), "latin1").toString("utf8");
}

/** `type/subtype; name=value; name="quoted value"` → the lower-case type and its parameters. */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = "text/plain", ...rest] = (value ?? "text/plain").split(";");
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf("=");
    if (eq > 0)
      params.set(
        p.slice(0, eq).trim().toLowerCase(),
        p
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, "$1"),
      );
  }
  return { type: type.trim().toLowerCase(), params };
}

function leafBytes(part: Part): Buffer {
  const cte = (part.headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  return cte === "base64"
    ? Buffer.from(part.body.replace(/\s+/g, ""), "base64")
    : cte === "quoted-printable"
      ? quotedPrintableBytes(part.body, false)
      : Buffer.from(part.body, "latin1");
}

function leafText(part: Part, charset: string | undefined): string {
  // Mail travels with CRLF line ends; the text as written had LF.
  return decodeCharset(leafBytes(part), charset).replace(/\r\n/g, "\n");
}

interface Found {
  text: string | null;
  html: string | null;
  attachments: MailAttachment[];
}

function walk(part: Part, found: Found): void {
  const { type, params } = contentType(part.headers.get("content-type"));
  if (type.startsWith("multipart/")) {
    const boundary = params.get("boundary");
    if (!boundary) return;
    const delimiter = `--${boundary}`;
    const chunks = part.body.split(new RegExp(`\\r?\\n?${escapeRegExp(delimiter)}`));
    // chunks[0] is the preamble; a chunk starting with "--" is the close delimiter and epilogue.
    for (const chunk of chunks.slice(1)) {
      if (chunk.startsWith("--")) break;
      walk(splitPart(chunk.replace(/^[ \t]*\r?\n/, "")), found);
    }
    return;
  }
  const disposition = part.headers.get("content-disposition") ?? "";
  const cid =
    part.headers
      .get("content-id")
      ?.trim()
      .replace(/^<(.*)>$/, "$1") ?? null;
  if (/^attachment/i.test(disposition) || (cid !== null && !type.startsWith("text/"))) {
    const bytes = leafBytes(part);
    found.attachments.push({
      filename: contentType(disposition).params.get("filename") ?? params.get("name") ?? null,
      contentType: type,
      cid,
      inline: /^inline/i.test(disposition),
      sha256: createHash("sha256").update(bytes).digest("hex"),
      bytes: bytes.length,
    });
    return;
  }
  if (type === "text/plain" && found.text === null) found.text = leafText(part, params.get("charset"));
  if (type === "text/html" && found.html === null) found.html = leafText(part, params.get("charset"));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Reads one message as the SMTP server received it (after dot-unstuffing). */
export function readMail(raw: Buffer): ReadMail {
  const top = splitPart(raw.toString("latin1"));
  // The line break that ends the data belongs to the transport, not to a single-part body.
  top.body = top.body.replace(/\r?\n$/, "");
  const found: Found = { text: null, html: null, attachments: [] };
  walk(top, found);
  const headers = new Map([...top.headers].map(([name, value]) => [name, decodeWords(value)]));
  return { headers, text: found.text, html: found.html, attachments: found.attachments };
}
