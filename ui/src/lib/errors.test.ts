import { describe, expect, it } from "vitest";
import type { ErrorPayload } from "../bindings/ErrorPayload";
import type { MoneyMoved } from "../bindings/MoneyMoved";
import {
  besideField,
  isErrorPayload,
  mayRetryWithNewReference,
  purchaseFailure,
  sentence,
  toErrorPayload,
} from "./errors";

function failure(code: string, moneyMoved: MoneyMoved | null, message = "m"): ErrorPayload {
  return { code, message, field: null, moneyMoved };
}

describe("error payloads from the shell", () => {
  it("recognises the shell's error shape", () => {
    expect(
      isErrorPayload({ code: "invalid_activation_code", message: "m", field: "matching ID" }),
    ).toBe(true);
    expect(isErrorPayload({ code: "x", message: "m", field: null })).toBe(true);
    expect(isErrorPayload({ code: 1, message: "m" })).toBe(false);
    expect(isErrorPayload("boom")).toBe(false);
    expect(isErrorPayload(null)).toBe(false);
  });

  it("turns anything thrown into something readable", () => {
    expect(toErrorPayload("no such command")).toEqual({
      code: "internal",
      message: "no such command",
      field: null,
      moneyMoved: null,
    });
    expect(toErrorPayload(new Error("ipc down")).message).toBe("ipc down");
    expect(toErrorPayload({ weird: true }).message).toBe("Something went wrong.");
    expect(toErrorPayload({ code: "c", message: "m" }).field).toBeNull();
    expect(toErrorPayload({ code: "c", message: "m" }).moneyMoved).toBeNull();
    expect(toErrorPayload({ code: "c", message: "m", moneyMoved: "sent" }).moneyMoved).toBe("sent");
    expect(toErrorPayload({ code: "c", message: "m", moneyMoved: "lots" }).moneyMoved).toBeNull();
  });

  it("drops the field's name from a message shown beside that field", () => {
    const e = (message: string, field: string | null): ErrorPayload => ({
      code: "invalid_input",
      message,
      field,
      moneyMoved: null,
    });
    expect(besideField(e("max price: 1.999 has more decimal places than USD allows (2)", "max price"))).toBe(
      "1.999 has more decimal places than USD allows (2)",
    );
    expect(besideField(e("Min data: 'lots' is not a data amount", "min data"))).toBe(
      "'lots' is not a data amount",
    );
    expect(besideField(e("no such provider", "provider"))).toBe("no such provider");
    expect(besideField(e("something broke", null))).toBe("something broke");
  });

  it("writes messages as sentences", () => {
    expect(sentence("matching ID contains '?' at position 7")).toBe(
      "Matching ID contains '?' at position 7.",
    );
    expect(sentence("Done!")).toBe("Done!");
    expect(sentence("  ")).toBe("");
  });

  it("takes a new reference only when nothing was sent", () => {
    // The check(input, expected) table: (code, moneyMoved) → may retry under a new reference.
    const cases: [string, MoneyMoved | null, boolean][] = [
      ["network", "not_sent", true],
      ["price_changed", "not_sent", true],
      ["duplicate_reference", "not_sent", true],
      ["outcome_unknown", "maybe", false],
      ["checkout_in_progress", "maybe", false],
      ["not_recorded", "sent", false],
      ["duplicate_reference", "maybe", false],
      ["duplicate_reference", "sent", false],
      // A failure that does not say (not a purchase, an old shell): keep the reference.
      ["internal", null, false],
      ["invalid_input", null, false],
    ];
    for (const [code, moved, expected] of cases) {
      expect(mayRetryWithNewReference(failure(code, moved)), `${code}/${moved}`).toBe(expected);
    }
  });

  it("says plainly what a failed purchase means", () => {
    const refused = purchaseFailure(failure("network", "not_sent", "order d-1: nothing was bought: offline"));
    expect(refused).toMatchObject({ tone: "error", headline: null, toOrders: false });
    expect(refused.detail).toBe("Order d-1: nothing was bought: offline.");
    expect(purchaseFailure(failure("invalid_input", "not_sent", "quantity: too many")).headline).toBe(
      "Nothing was bought.",
    );

    const lost = purchaseFailure(failure("outcome_unknown", "maybe", "Do not sell it again"));
    expect(lost).toMatchObject({ tone: "warn", toOrders: true, headline: "Outcome not known." });
    expect(purchaseFailure(failure("not_recorded", "sent"))).toMatchObject({ tone: "warn", toOrders: true });
    expect(purchaseFailure(failure("checkout_in_progress", "maybe"))).toMatchObject({
      tone: "warn",
      headline: null,
      toOrders: false,
    });

    const again = purchaseFailure(failure("duplicate_reference", "maybe", "already used by another order"));
    expect(again.tone).toBe("warn");
    expect(again.headline).toMatch(/not bought a second time/);
    expect(again.detail).toMatch(/Do not sell it again/);
    expect(purchaseFailure(failure("duplicate_reference", "sent")).headline).toMatch(/^Already bought/);
    // A reference whose order failed: nothing was bought, the plain message is enough.
    expect(purchaseFailure(failure("duplicate_reference", "not_sent")).tone).toBe("error");

    expect(purchaseFailure(failure("internal", null, "ipc down"))).toEqual({
      tone: "error",
      headline: null,
      detail: "Ipc down.",
      toOrders: false,
    });
  });
});
