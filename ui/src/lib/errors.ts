import type { ErrorPayload } from "../bindings/ErrorPayload";
import type { MoneyMoved } from "../bindings/MoneyMoved";

const MONEY_MOVED: readonly MoneyMoved[] = ["not_sent", "maybe", "sent"];

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
  if (isErrorPayload(raw)) {
    const moved = (raw as { moneyMoved?: unknown }).moneyMoved;
    return {
      ...raw,
      field: raw.field ?? null,
      // Anything but a value the shell knows counts as "not said", which keeps the reference.
      moneyMoved: MONEY_MOVED.includes(moved as MoneyMoved) ? (moved as MoneyMoved) : null,
    };
  }
  const message =
    typeof raw === "string" ? raw : raw instanceof Error ? raw.message : "Something went wrong.";
  return { code: "internal", message, field: null, moneyMoved: null };
}

/**
 * The reference rule of every purchase (sale, top-up, revoke): only a failure that says nothing
 * was sent (`not_sent`) lets the same sale be tried again under a new client reference. Anything
 * else — the money may have moved, did move, or the failure does not say — keeps the reference,
 * so that a retry is refused by the journal (`duplicate_reference`) instead of buying twice.
 */
export function mayRetryWithNewReference(error: ErrorPayload): boolean {
  return error.moneyMoved === "not_sent";
}

/** How a failed purchase is shown: a short label, the words to read, and where to go next. */
export type PurchaseFailure = {
  /** `warn`: the purchase may stand, do not sell it again; `error`: it did not happen. */
  tone: "error" | "warn";
  /** A few words in bold before the detail; `null` when the detail says it all. */
  headline: string | null;
  /** The sentence to show after the headline. */
  detail: string;
  /** Point the agent to the Orders screen (reconcile, or see how the order ended). */
  toOrders: boolean;
};

/** What a purchase's failure means for the desk agent, from its code and `moneyMoved`. */
export function purchaseFailure(error: ErrorPayload): PurchaseFailure {
  const detail = sentence(error.message);
  if (error.code === "duplicate_reference" && error.moneyMoved !== "not_sent") {
    return {
      tone: "warn",
      headline:
        error.moneyMoved === "sent"
          ? "Already bought: not bought a second time."
          : "Already sent to the provider: not bought a second time.",
      detail:
        "This order went to the provider before under the same reference, so trying again sent " +
        "nothing. Do not sell it again.",
      toOrders: true,
    };
  }
  switch (error.moneyMoved) {
    case "not_sent":
      return {
        tone: "error",
        headline: /nothing was (bought|sent)/i.test(error.message) ? null : "Nothing was bought.",
        detail,
        toOrders: false,
      };
    case "sent":
      return { tone: "warn", headline: "Bought, but not recorded.", detail, toOrders: true };
    case "maybe":
      return {
        tone: "warn",
        headline: error.code === "checkout_in_progress" ? null : "Outcome not known.",
        detail,
        toOrders: error.code !== "checkout_in_progress",
      };
    default:
      return { tone: "error", headline: null, detail, toOrders: false };
  }
}

/**
 * The message of an error shown beside its own field: without the field's name in front
 * ("max price: 1.999 has more …" → "1.999 has more …"), which the field's label already says.
 */
export function besideField(error: ErrorPayload): string {
  const field = error.field?.trim();
  const message = error.message.trim();
  if (field && message.toLowerCase().startsWith(`${field.toLowerCase()}:`)) {
    return message.slice(field.length + 1).trim();
  }
  return message;
}

/** Sentence case for a message shown on its own ("matching ID contains …" → "Matching ID …"). */
export function sentence(message: string): string {
  const trimmed = message.trim();
  if (trimmed.length === 0) return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
