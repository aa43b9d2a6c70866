// Typed calls into the Rust shell. The types come from Rust (ts-rs, src/bindings); nothing here
// redefines them. Command names and argument names are the shell's (src-tauri).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AccountCheck } from "../bindings/AccountCheck";
import type { AccountSync } from "../bindings/AccountSync";
import type { AppInfo } from "../bindings/AppInfo";
import type { AppStatus } from "../bindings/AppStatus";
import type { CheckoutInput } from "../bindings/CheckoutInput";
import type { CheckoutOutcome } from "../bindings/CheckoutOutcome";
import type { CheckoutProgress } from "../bindings/CheckoutProgress";
import type { CodeView } from "../bindings/CodeView";
import type { DeskSettings } from "../bindings/DeskSettings";
import type { Destination } from "../bindings/Destination";
import type { ErrorPayload } from "../bindings/ErrorPayload";
import type { EsimDetail } from "../bindings/EsimDetail";
import type { EsimSummary } from "../bindings/EsimSummary";
import type { IdentifierCheck } from "../bindings/IdentifierCheck";
import type { JournaledOrder } from "../bindings/JournaledOrder";
import type { MarkupRule } from "../bindings/MarkupRule";
import type { MarkupScope } from "../bindings/MarkupScope";
import type { ProviderKind } from "../bindings/ProviderKind";
import type { Reconciled } from "../bindings/Reconciled";
import type { RevokeInput } from "../bindings/RevokeInput";
import type { RevokeOutcome } from "../bindings/RevokeOutcome";
import type { SearchHit } from "../bindings/SearchHit";
import type { SearchQuery } from "../bindings/SearchQuery";
import type { SyncProgress } from "../bindings/SyncProgress";
import type { TopUpInput } from "../bindings/TopUpInput";
import type { UsageView } from "../bindings/UsageView";
import type { Validation } from "../bindings/Validation";
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

export type NewAccountInput = {
  provider: ProviderKind;
  id: string | null;
  label: string | null;
  baseUrl: string | null;
  key: string;
};

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  /** The first screen is drawn and takes input (logged as the start-up time). */
  uiReady: () => call<null>("ui_ready"),
  /** Quits and starts again (to leave demo mode once a real account exists). */
  restart: () => call<null>("restart"),
  status: () => call<AppStatus>("status"),

  inspectCode: (input: string) => call<CodeView>("inspect_code", { input }),
  inspectCodeImage: (bytes: Uint8Array) =>
    call<CodeView>("inspect_code_image", { bytes: Array.from(bytes) }),
  checkIccid: (input: string) => call<IdentifierCheck>("check_iccid", { input }),
  checkEid: (input: string) => call<IdentifierCheck>("check_eid", { input }),

  addAccount: (a: NewAccountInput) => call<AccountCheck>("add_account", { ...a }),
  removeAccount: (id: string) => call<null>("remove_account", { id }),
  setDeskSettings: (settings: DeskSettings) => call<null>("set_desk_settings", { settings }),
  markupRules: () => call<MarkupRule[]>("markup_rules"),
  setMarkupRule: (rule: MarkupRule) => call<null>("set_markup_rule", { rule }),
  removeMarkupRule: (scope: MarkupScope) => call<null>("remove_markup_rule", { scope }),

  syncCatalogues: () => call<AccountSync[]>("sync_catalogues"),
  suggestDestinations: (prefix: string) =>
    call<Destination[]>("suggest_destinations", { prefix }),
  search: (query: SearchQuery) => call<SearchHit[]>("search", { query }),

  newClientReference: () => call<string>("new_client_reference"),
  validateOrder: (accountId: string, offeringCode: string, quantity: number) =>
    call<Validation>("validate_order", { accountId, offeringCode, quantity }),
  /** Sells. `request.dryRunId` is the dry run `validateOrder` returned, so a sale makes one. */
  checkout: (request: CheckoutInput) => call<CheckoutOutcome>("checkout", { request }),

  orders: (limit: number) => call<JournaledOrder[]>("orders", { limit }),
  reconcile: () => call<Reconciled[]>("reconcile"),
  /**
   * Settles by hand (audited) an order reconciliation could not: `providerOrder` is the
   * provider's order reference that is this sale's; `null` means nothing was bought.
   */
  resolveOrder: (clientReference: string, providerOrder: string | null) =>
    call<JournaledOrder>("resolve_order", { clientReference, providerOrder }),

  findEsims: (text: string) => call<EsimSummary[]>("find_esims", { text }),
  esimDetail: (iccid: string) => call<EsimDetail>("esim_detail", { iccid }),
  refreshUsage: (iccid: string) => call<UsageView>("refresh_usage", { iccid }),
  topUpOfferings: (iccid: string) => call<SearchHit[]>("top_up_offerings", { iccid }),
  topUp: (input: TopUpInput) => call<CheckoutOutcome>("top_up", { input }),
  /** Revokes one package, named by its provider id (`Package.provider_id`). */
  revokePackage: (input: RevokeInput) => call<RevokeOutcome>("revoke_package", { input }),

  diagnostics: () => call<string>("diagnostics"),
};

export type { CheckoutProgress };

export const events = {
  syncProgress: (handler: (p: SyncProgress) => void): Promise<UnlistenFn> =>
    listen<SyncProgress>("sync-progress", (e) => handler(e.payload)),
  checkoutProgress: (handler: (p: CheckoutProgress) => void): Promise<UnlistenFn> =>
    listen<CheckoutProgress>("checkout-progress", (e) => handler(e.payload)),
  /** Start-up reconciliation settled these orders (sent only when there were some). */
  ordersReconciled: (handler: (settled: Reconciled[]) => void): Promise<UnlistenFn> =>
    listen<Reconciled[]>("orders-reconciled", (e) => handler(e.payload)),
};
