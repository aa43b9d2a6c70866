import { describe, expect, it } from "vitest";
import { isErrorPayload, sentence, toErrorPayload } from "./errors";

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
    });
    expect(toErrorPayload(new Error("ipc down")).message).toBe("ipc down");
    expect(toErrorPayload({ weird: true }).message).toBe("Something went wrong.");
    expect(toErrorPayload({ code: "c", message: "m" }).field).toBeNull();
  });

  it("writes messages as sentences", () => {
    expect(sentence("matching ID contains '?' at position 7")).toBe(
      "Matching ID contains '?' at position 7.",
    );
    expect(sentence("Done!")).toBe("Done!");
    expect(sentence("  ")).toBe("");
  });
});
