import { describe, expect, it } from "vitest";
import { age, allowance, bytes, grouped, parseData, parsePrice } from "./format";

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

  it("parses what an agent types in filters", () => {
    expect(parseData("5GB")).toBe(5e9);
    expect(parseData("500 mb")).toBe(5e8);
    expect(parseData("2")).toBe(2e9);
    expect(parseData("lots")).toBeNull();
    expect(parsePrice("19.99")).toBe(1999);
    expect(parsePrice("20")).toBe(2000);
    expect(parsePrice("4,5")).toBe(450);
    expect(parsePrice("x")).toBeNull();
  });
});
