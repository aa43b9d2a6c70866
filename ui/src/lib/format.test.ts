import { describe, expect, it } from "vitest";
import { age, allowance, bytes, grouped, money, perGb } from "./format";

describe("formatting for the desk", () => {
  it("reads data amounts in decimal units", () => {
    expect(bytes(1_000_000_000)).toBe("1 GB");
    expect(bytes(1_500_000_000)).toBe("1.5 GB");
    expect(bytes(500_000_000)).toBe("500 MB");
    expect(allowance({ kind: "unlimited" })).toBe("Unlimited");
    expect(allowance({ kind: "limited", amount: 3_000_000_000 })).toBe("3 GB");
  });

  it("says how old a catalogue is", () => {
    const now = new Date("2026-11-23T12:00:00Z");
    expect(age("2026-11-23T11:59:40Z", now)).toBe("just now");
    expect(age("2026-11-23T11:57:00Z", now)).toBe("3 minutes ago");
    expect(age("2026-11-23T09:00:00Z", now)).toBe("3 hours ago");
    expect(age("2026-11-18T12:00:00Z", now)).toBe("5 days ago");
    expect(age(null, now)).toBe("never");
  });

  it("groups ICCIDs in fours", () => {
    expect(grouped("89372020000001234569")).toBe("8937 2020 0000 0123 4569");
  });

  it("formats amounts with their currency's own decimals", () => {
    // The shell says how many decimals a currency has: yen have none, dinars three.
    expect(money({ minor: 1500, currency: "JPY", digits: 0 }, "en-US")).toBe("¥1,500");
    expect(money({ minor: 12345, currency: "KWD", digits: 3 }, "en-US")).toBe("KWD\u00a012.345");
    expect(money({ minor: 1999, currency: "USD", digits: 2 }, "en-US")).toBe("$19.99");
    expect(money(null)).toBe("—");
  });

  it("trusts the amount's digits over any table of its own", () => {
    // A currency the formatter has no table entry for (it would show 2 decimals) still gets the
    // decimals the shell sent.
    expect(money({ minor: 12345, currency: "ZZZ", digits: 3 }, "en-US")).toBe("ZZZ\u00a012.345");
    // Per GB: minor units of the hit's retail currency.
    expect(perGb(250, { minor: 1500, currency: "JPY", digits: 0 }, "en-US")).toBe("¥250/GB");
    expect(perGb(3125, { minor: 9999, currency: "KWD", digits: 3 }, "en-US")).toBe("KWD\u00a03.125/GB");
    expect(perGb(null, { minor: 1, currency: "USD", digits: 2 })).toBe("—");
  });
});
