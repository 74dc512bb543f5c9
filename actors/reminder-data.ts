/**
 * Decoding of actor reminder data. Actors register a reminder's data as JSON text (the SDK hands
 * it to receiveReminder as String(data), so an object would arrive as "[object Object]"); what
 * comes back is an object, that JSON text, or base64 of it, depending on the path it took.
 */

/** The reminder's fields, or undefined when the data is not an object in any of those forms. */
export function reminderFields(data: unknown): Record<string, unknown> | undefined {
  let value: unknown = data;
  for (let i = 0; i < 2 && typeof value === "string"; i++) {
    const text: string = value;
    try {
      value = JSON.parse(text);
    } catch {
      value = Buffer.from(text, "base64").toString("utf8");
    }
  }
  return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}
