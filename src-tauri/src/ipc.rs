//! The window's contract, written once: every command (name, arguments, result) and every event
//! (name, payload). The invoke handler is built from this list, and so is the UI's
//! `ui/src/bindings/gen_ipc.ts` (written by `cargo test`, checked by `cargo xtask test`), so a
//! command's name or an argument's spelling can never differ between Rust and TypeScript.
//!
//! Arguments cross in camelCase (Tauri's default for command arguments); results and errors are
//! ts-rs types. A command declared `raw` takes the request body as bytes (a `Uint8Array` on the
//! TypeScript side), not JSON.

// The types are named only by the TypeScript writer (tests); the handler needs the functions.
#[cfg(test)]
use {
    esimdesk_app::accounts::AccountCheck,
    esimdesk_app::cancel::{RevokeInput, RevokeOutcome},
    esimdesk_app::cancel_esim::{CancelEsimInput, CancelEsimOutcome},
    esimdesk_app::catalogue::{AccountSync, SearchInput, SyncProgress},
    esimdesk_app::checkout::{CheckoutInput, CheckoutOutcome, CheckoutProgress, Validation},
    esimdesk_app::codes::CodeView,
    esimdesk_app::devices::DeviceCheck,
    esimdesk_app::esims::{EsimDetail, UsageView},
    esimdesk_app::identifiers::IdentifierCheck,
    esimdesk_app::rates::{RateInput, RatesImported},
    esimdesk_app::reconcile::Reconciled,
    esimdesk_app::status::AppStatus,
    esimdesk_app::top_up::TopUpInput,
    esimdesk_app::{
        AppInfo, DeskSettings, Destination, EsimSummary, ExchangeRate, JournaledOrder, MarkupRule,
        MarkupScope, ProviderKind, SearchHit,
    },
};

macro_rules! ipc {
    (
        commands {
            $( $(#[doc = $doc:literal])* $module:ident :: $name:ident
                ( $( $arg:ident : $ty:ty ),* $(,)? ) -> $ret:ty ; )*
        }
        raw {
            $( $(#[doc = $rdoc:literal])* $rmodule:ident :: $rname:ident -> $rret:ty ; )*
        }
        events {
            $( $(#[doc = $edoc:literal])* $const:ident = $event:literal : $payload:ty ; )*
        }
    ) => {
        $( $(#[doc = $edoc])* pub const $const: &str = $event; )*

        /// Registers every command of the list with the window.
        pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
            builder.invoke_handler(tauri::generate_handler![
                $( crate::commands::$module::$name, )*
                $( crate::commands::$rmodule::$rname, )*
            ])
        }

        /// The TypeScript of the list (`gen_ipc.ts`).
        #[cfg(test)]
        pub fn typescript() -> String {
            let mut ts = typescript::Writer::default();
            $(
                let args = vec![$( (stringify!($arg), ts.ty::<$ty>()) ),*];
                let ret = ts.ty::<$ret>();
                ts.command(stringify!($name), &[$($doc),*], &args, &ret);
            )*
            $(
                let ret = ts.ty::<$rret>();
                ts.raw_command(stringify!($rname), &[$($rdoc),*], &ret);
            )*
            $(
                let payload = ts.ty::<$payload>();
                ts.event($event, &[$($edoc),*], &payload);
            )*
            ts.finish()
        }
    };
}

ipc! {
    commands {
        /// Name and version, for the title bar and "About".
        app::app_info() -> AppInfo;
        /// The first screen is drawn and takes input (logged as the start-up time).
        app::ui_ready() -> ();
        /// Quits and starts again (to leave demo mode once a real account exists).
        app::restart() -> ();
        app::status() -> AppStatus;
        /// Version, OS and the redacted end of the newest log, for "Copy diagnostics".
        app::diagnostics() -> String;
        codes::inspect_code(input: String) -> CodeView;
        codes::check_iccid(input: String) -> IdentifierCheck;
        codes::check_eid(input: String) -> IdentifierCheck;
        /// Adds an account after the provider accepted its credential (one value per field of
        /// the provider's form, `AppStatus.providers[].credentialFields`; kept in the keychain).
        accounts::add_account(
            provider: ProviderKind,
            id: Option<String>,
            label: Option<String>,
            base_url: Option<String>,
            credential: Vec<String>,
        ) -> AccountCheck;
        accounts::remove_account(id: String) -> ();
        settings::set_desk_settings(settings: DeskSettings) -> ();
        settings::markup_rules() -> Vec<MarkupRule>;
        settings::set_markup_rule(rule: MarkupRule) -> ();
        settings::remove_markup_rule(scope: MarkupScope) -> ();
        /// The agency's exchange rates (into any currency; those into the selling one apply).
        settings::exchange_rates() -> Vec<ExchangeRate>;
        /// Sets the rate from a currency into the selling currency; reprices the catalogue.
        settings::set_exchange_rate(input: RateInput) -> ExchangeRate;
        settings::remove_exchange_rate(from: String, to: String) -> ();
        /// Imports a CSV rate table (columns from, rate, as_of, optionally to): all or nothing.
        settings::import_exchange_rates(csv: String) -> RatesImported;
        catalogue::sync_catalogues() -> Vec<AccountSync>;
        catalogue::suggest_destinations(prefix: String) -> Vec<Destination>;
        /// A search as the agent typed it (sizes and prices as text, read by the app).
        catalogue::search(input: SearchInput) -> Vec<SearchHit>;
        /// A fresh reference for the sale the checkout screen is opening.
        sales::new_client_reference() -> String;
        /// The provider's dry run: what it will charge (nothing is bought).
        sales::validate_order(account_id: String, offering_code: String, quantity: u32) -> Validation;
        /// Whether the customer's phone is on the provider's list of compatible phones; null
        /// where the provider keeps none.
        sales::check_device(account_id: String, model: String) -> Option<DeviceCheck>;
        /// Sells through the purchase protocol; progress on `checkout-progress`.
        sales::checkout(request: CheckoutInput) -> CheckoutOutcome;
        /// A package added to an eSIM; same guards and events as `checkout`.
        sales::top_up(input: TopUpInput) -> CheckoutOutcome;
        sales::orders(limit: u32) -> Vec<JournaledOrder>;
        /// Asks the providers about orders a crash or a lost reply left open.
        sales::reconcile() -> Vec<Reconciled>;
        /// Settles by hand an order reconciliation could not (audited); `providerOrder` null:
        /// nothing was bought.
        sales::resolve_order(client_reference: String, provider_order: Option<String>) -> JournaledOrder;
        esims::find_esims(text: String) -> Vec<EsimSummary>;
        esims::esim_detail(iccid: String) -> EsimDetail;
        esims::refresh_usage(iccid: String) -> UsageView;
        esims::top_up_offerings(iccid: String) -> Vec<SearchHit>;
        /// Revokes exactly one package (named by the provider's id of it).
        esims::revoke_package(input: RevokeInput) -> RevokeOutcome;
        /// Cancels a whole eSIM (providers that cancel eSIMs, not packages); cannot be undone.
        esims::cancel_esim(input: CancelEsimInput) -> CancelEsimOutcome;
    }
    raw {
        /// A picture (PNG, JPEG, WebP; at most 20 MB) holding an activation code's QR code, as
        /// the request body's bytes.
        codes::inspect_code_image -> CodeView;
    }
    events {
        /// Catalogue sync progress, per account.
        SYNC_PROGRESS = "sync-progress": SyncProgress;
        /// A purchase's milestones (sales and top-ups).
        CHECKOUT_PROGRESS = "checkout-progress": CheckoutProgress;
        /// Start-up reconciliation settled these orders (sent only when there were some).
        ORDERS_RECONCILED = "orders-reconciled": Vec<Reconciled>;
    }
}

#[cfg(test)]
mod typescript {
    use std::collections::BTreeMap;

    use ts_rs::{Config, Dependency, TS, TypeVisitor};

    /// Collects the types a signature names (a type and its generic arguments), for the file's
    /// imports.
    struct Imports<'a> {
        cfg: &'a Config,
        found: &'a mut BTreeMap<String, String>,
    }

    impl TypeVisitor for Imports<'_> {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            if let Some(dep) = Dependency::from_ty::<T>(self.cfg) {
                let file = dep.output_path.with_extension("");
                self.found
                    .insert(dep.ts_name, format!("./{}", file.to_string_lossy()));
            }
            T::visit_generics(self);
        }
    }

    #[derive(Default)]
    pub struct Writer {
        cfg: Config,
        imports: BTreeMap<String, String>,
        commands: Vec<String>,
        events: Vec<String>,
        event_names: Vec<String>,
    }

    fn camel(snake: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    fn doc(lines: &[&str], indent: &str) -> String {
        if lines.is_empty() {
            return String::new();
        }
        let text: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
        format!("{indent}/** {} */\n", text.join(" "))
    }

    impl Writer {
        /// The TypeScript name of `T`, its types noted for import.
        pub fn ty<T: TS + 'static>(&mut self) -> String {
            let mut visitor = Imports {
                cfg: &self.cfg,
                found: &mut self.imports,
            };
            // The type and its generic arguments (`Array<SearchHit>`): what the signature names.
            visitor.visit::<T>();
            T::name(&self.cfg)
        }

        pub fn command(&mut self, name: &str, docs: &[&str], args: &[(&str, String)], ret: &str) {
            let params: Vec<String> = args
                .iter()
                .map(|(a, t)| format!("{}: {t}", camel(a)))
                .collect();
            let keys: Vec<String> = args.iter().map(|(a, _)| camel(a)).collect();
            let payload = if keys.is_empty() {
                String::new()
            } else {
                format!(", {{ {} }}", keys.join(", "))
            };
            self.commands.push(format!(
                "{}  {}: ({}) => invoke<{ret}>(\"{name}\"{payload}),\n",
                doc(docs, "  "),
                camel(name),
                params.join(", "),
            ));
        }

        pub fn raw_command(&mut self, name: &str, docs: &[&str], ret: &str) {
            self.commands.push(format!(
                "{}  {}: (body: Uint8Array) => invoke<{ret}>(\"{name}\", body),\n",
                doc(docs, "  "),
                camel(name),
            ));
        }

        pub fn event(&mut self, name: &str, docs: &[&str], payload: &str) {
            let key = camel(&name.replace('-', "_"));
            self.events.push(format!(
                "{}  {key}: (handler: (payload: {payload}) => void): Promise<UnlistenFn> =>\n    listen<{payload}>(\"{name}\", (e) => handler(e.payload)),\n",
                doc(docs, "  "),
            ));
            self.event_names.push(format!("  {key}: \"{name}\",\n"));
        }

        pub fn finish(self) -> String {
            let mut out = String::from(
                "// Generated from src-tauri/src/ipc.rs by `cargo test`. Do not edit this file manually.\n",
            );
            out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
            out.push_str("import { listen, type UnlistenFn } from \"@tauri-apps/api/event\";\n");
            for (name, path) in &self.imports {
                out.push_str(&format!("import type {{ {name} }} from \"{path}\";\n"));
            }
            out.push_str(
                "\n/** Every command of the shell; a failure rejects with an `ErrorPayload`. */\nexport const commands = {\n",
            );
            self.commands.iter().for_each(|c| out.push_str(c));
            out.push_str("};\n\n/** Every event of the shell, with its payload. */\nexport const events = {\n");
            self.events.iter().for_each(|e| out.push_str(e));
            out.push_str("};\n\n/** The events' names. */\nexport const EVENT_NAMES = {\n");
            self.event_names.iter().for_each(|e| out.push_str(e));
            out.push_str("} as const;\n");
            out
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    /// Writes `gen_ipc.ts` beside the ts-rs bindings (`TS_RS_EXPORT_DIR`), as ts-rs does for
    /// types when `cargo test` runs.
    #[test]
    fn export_ipc_bindings() {
        let text = super::typescript();
        assert!(text.contains("checkout: (request: CheckoutInput) => invoke<CheckoutOutcome>(\"checkout\", { request })"), "{text}");
        assert!(
            text.contains(
                "validateOrder: (accountId: string, offeringCode: string, quantity: number)"
            ),
            "{text}"
        );
        assert!(
            text.contains("import type { CheckoutOutcome } from \"./CheckoutOutcome\";"),
            "{text}"
        );
        assert!(text.contains("inspectCodeImage: (body: Uint8Array) => invoke<CodeView>(\"inspect_code_image\", body)"), "{text}");
        assert!(
            text.contains("listen<Array<Reconciled>>(\"orders-reconciled\""),
            "{text}"
        );
        // .cargo/config.toml sets it, absolute, for every cargo command of the workspace.
        let dir = std::env::var_os("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
            });
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("gen_ipc.ts"), text).unwrap();
    }
}
