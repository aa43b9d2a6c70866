// Typed calls into the Rust shell. The types come from Rust (ts-rs, src/bindings); nothing here
// redefines them.
import { invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "../bindings/AppInfo";
import type { CodeView } from "../bindings/CodeView";
import type { ErrorPayload } from "../bindings/ErrorPayload";
import type { IdentifierCheck } from "../bindings/IdentifierCheck";
import { toErrorPayload } from "./errors";

/** A command's result: the value, or the error the shell sent in plain words. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

async function call<T>(command: string, args?: Record<string, unknown>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await invoke<T>(command, args) };
  } catch (raw) {
    return { ok: false, error: toErrorPayload(raw) };
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  inspectCode: (input: string) => call<CodeView>("inspect_code", { input }),
  checkIccid: (input: string) => call<IdentifierCheck>("check_iccid", { input }),
  checkEid: (input: string) => call<IdentifierCheck>("check_eid", { input }),
};
