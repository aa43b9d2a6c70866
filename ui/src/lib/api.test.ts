import { beforeEach, describe, expect, it, vi } from "vitest";

// The shell is not here: record what would cross to it.
const sent = vi.fn();
const listened = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => sent(...args) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: (...args: unknown[]) => listened(...args) }));

const { api, events } = await import("./api");
const { commands, EVENT_NAMES } = await import("../bindings/gen_ipc");

beforeEach(() => {
  sent.mockReset();
  listened.mockReset();
});

describe("calls into the shell", () => {
  it("offers every command the shell declares, and only those", () => {
    expect(Object.keys(api).sort()).toEqual(Object.keys(commands).sort());
  });

  it("sends a picture as the request body itself, not as JSON numbers", async () => {
    sent.mockResolvedValue({ qrSvg: "<svg/>" });
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const r = await api.inspectCodeImage(bytes);
    expect(r).toEqual({ ok: true, value: { qrSvg: "<svg/>" } });
    expect(sent).toHaveBeenCalledTimes(1);
    const [name, body] = sent.mock.calls[0] as [string, unknown];
    expect(name).toBe("inspect_code_image");
    expect(body).toBe(bytes);
  });

  it("sends a search as the agent typed it", async () => {
    sent.mockResolvedValue([]);
    const input = {
      destination: "Japan",
      minData: "5GB",
      maxPrice: "1500",
      minDays: 7,
      maxDays: null,
      unlimited: null,
      provider: null,
      sort: "retail_price" as const,
      limit: 30,
    };
    await api.search(input);
    expect(sent).toHaveBeenCalledWith("search", { input });
  });

  it("answers a refusal as an Outcome naming the field, never throwing", async () => {
    sent.mockRejectedValue({
      code: "invalid_input",
      message: "'1.999' has more decimals than USD has (2)",
      field: "max price",
    });
    const r = await api.search({
      destination: null,
      minData: null,
      maxPrice: "1.999",
      minDays: null,
      maxDays: null,
      unlimited: null,
      provider: null,
      sort: null,
      limit: 30,
    });
    expect(r).toEqual({
      ok: false,
      error: {
        code: "invalid_input",
        message: "'1.999' has more decimals than USD has (2)",
        field: "max price",
        moneyMoved: null,
      },
    });
  });

  it("turns a broken call into a readable error", async () => {
    sent.mockRejectedValue(new Error("ipc down"));
    const r = await api.status();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "internal", message: "ipc down" });
  });

  it("listens to events under the names the shell declares", async () => {
    const unlisten = () => {};
    listened.mockResolvedValue(unlisten);
    const seen: unknown[] = [];
    expect(await events.syncProgress((p) => seen.push(p))).toBe(unlisten);
    const [name, handler] = listened.mock.calls[0] as [string, (e: { payload: unknown }) => void];
    expect(name).toBe(EVENT_NAMES.syncProgress);
    handler({ payload: { stage: "done" } });
    expect(seen).toEqual([{ stage: "done" }]);
  });
});
