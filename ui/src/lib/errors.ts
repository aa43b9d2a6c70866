import type { ErrorPayload } from "../bindings/ErrorPayload";

export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === "string" &&
    typeof v.message === "string" &&
    (v.field === null || v.field === undefined || typeof v.field === "string")
  );
}

/** Whatever a failed command threw, as an ErrorPayload a person can read. */
export function toErrorPayload(raw: unknown): ErrorPayload {
  if (isErrorPayload(raw)) return { ...raw, field: raw.field ?? null };
  const message =
    typeof raw === "string" ? raw : raw instanceof Error ? raw.message : "Something went wrong.";
  return { code: "internal", message, field: null };
}

/** Sentence case for a message shown on its own ("matching ID contains …" → "Matching ID …"). */
export function sentence(message: string): string {
  const trimmed = message.trim();
  if (trimmed.length === 0) return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
