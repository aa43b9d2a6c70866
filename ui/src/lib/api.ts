// Calls into the Rust shell. Every command's name, argument keys and types, and every event's
// name and payload, come from the shell's one declaration of them (`src-tauri/src/ipc.rs`, written
// out as `../bindings/gen_ipc.ts`): nothing here spells a command or an event by hand. What this
// adds is the `Outcome` of a call — the value, or the shell's error as an `ErrorPayload`.
import { commands } from "../bindings/gen_ipc";
import type { ErrorPayload } from "../bindings/ErrorPayload";
import { toErrorPayload } from "./errors";

/** A command's result: the value, or the error the shell sent in plain words. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

type Commands = typeof commands;

/** Every command of the shell, with its own arguments, answering an `Outcome` (never throwing). */
export type Api = {
  [K in keyof Commands]: (
    ...args: Parameters<Commands[K]>
  ) => Promise<Outcome<Awaited<ReturnType<Commands[K]>>>>;
};

/** Runs one call; whatever it throws becomes an `ErrorPayload`. */
export async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (raw) {
    return { ok: false, error: toErrorPayload(raw) };
  }
}

function wrap(): Api {
  const wrapped: Record<string, (...args: unknown[]) => Promise<Outcome<unknown>>> = {};
  for (const [name, command] of Object.entries(commands)) {
    const run = command as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = (...args) => outcome(() => run(...args));
  }
  return wrapped as Api;
}

export const api: Api = wrap();

/** The shell's events, each with its payload's type (`events.syncProgress(handler)`, …). */
export { events } from "../bindings/gen_ipc";
