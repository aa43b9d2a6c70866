// The window's shared state: which screen is shown, the app's status, and the sale in progress.
import type { AppStatus } from "../bindings/AppStatus";
import type { CheckoutOutcome } from "../bindings/CheckoutOutcome";
import type { SearchHit } from "../bindings/SearchHit";
import { api } from "./api";

export type Screen = "sell" | "checkout" | "deliver" | "esims" | "orders" | "check" | "settings";

export const desk = $state({
  screen: "sell" as Screen,
  status: null as AppStatus | null,
  statusError: null as string | null,
  /** The offering chosen on Sell, being checked out. */
  chosen: null as SearchHit | null,
  /** The last completed sale, shown on Deliver. */
  delivered: null as CheckoutOutcome | null,
  /** An eSIM opened from elsewhere (Deliver → eSIMs). */
  openIccid: null as string | null,
});

export async function refreshStatus(): Promise<void> {
  const result = await api.status();
  if (result.ok) {
    desk.status = result.value;
    desk.statusError = null;
  } else {
    desk.statusError = result.error.message;
  }
}

export function go(screen: Screen): void {
  desk.screen = screen;
}
