//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "esimdesk",
    version,
    about = "eSIM Desk from the command line: the same services and database as the desktop app.",
    after_help = "Commands that print data take --json for machine-readable output with stable field names.\n\
                  Exit codes: 0 success, 2 bad input, 1 any other failure. Errors go to stderr.\n\
                  The database is the app's own (platform data directory), or --data-dir / ESIMDESK_DATA_DIR.\n\
                  Logs go to stderr; set RUST_LOG=debug for more."
)]
pub struct Cli {
    /// Use the database in this folder instead of the app's own.
    #[arg(long, global = true, env = "ESIMDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Who is acting, for the audit log.
    #[arg(long, global = true, env = "ESIMDESK_ACTOR", default_value = "cli")]
    pub actor: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Activation codes (the text inside an eSIM QR code).
    #[command(subcommand)]
    Code(CodeCommand),
    /// ICCIDs (the eSIM's serial number).
    #[command(subcommand)]
    Iccid(IccidCommand),
    /// EIDs (the phone's eUICC identifier).
    #[command(subcommand)]
    Eid(EidCommand),
    /// Write the QR code of an activation code to an SVG or PNG file.
    #[command(after_help = "Examples:\n  \
        esimdesk qr 'LPA:1$rsp.truphone.com$6C-DA326D-K86D' --svg code.svg\n  \
        esimdesk qr '1$rsp.truphone.com$6C-DA326D-K86D' --png code.png --size 600\n\n\
        The QR always carries the canonical LPA: string, error correction M, 4-module quiet zone.")]
    Qr(QrArgs),
    /// Provider accounts (keys are kept in the OS keychain).
    #[command(subcommand)]
    Providers(ProvidersCommand),
    /// A provider's catalogue, read live.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Sync every provider's catalogue into the local cache (prints progress on stderr).
    #[command(after_help = "Examples:\n  esimdesk sync\n  esimdesk sync --json\n\n\
        JSON: [{ accountId, offerings (or null), skipped, error (or null) }].")]
    Sync(JsonFlag),
    /// Search the local catalogue (works offline).
    #[command(
        after_help = "Examples:\n  esimdesk search spain\n  esimdesk search 'united k' --min-data 5GB --min-days 10\n  \
        esimdesk search EUROPE --sort per-gb --json\n  esimdesk search esim_1GB_7D_NL\n\n\
        The destination is a country name (partial, any case, USA/UK/Holland too), an ISO code, a\n\
        region (EUROPE, ASIA_PACIFIC, ...) or a bundle code (exact or prefix).\n\
        JSON: [{ accountId, offering, retail, pricePerGbMinor, fetchedAt }]."
    )]
    Search(SearchArgs),
    /// Orders: check prices, buy.
    #[command(subcommand)]
    Order(OrderCommand),
    /// The order journal, newest first; unsettled orders are flagged.
    #[command(
        after_help = "Examples:\n  esimdesk orders\n  esimdesk orders --json --limit 10\n\n\
        JSON: [{ order, accountId, updatedAt, lastDetail }]."
    )]
    Orders {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Settle orders whose outcome is unknown (after a crash or a lost reply) by asking the provider.
    #[command(
        after_help = "Examples:\n  esimdesk reconcile\n  esimdesk reconcile --grace-seconds 0 --json\n  \
        esimdesk reconcile resolve desk-1a2b3c4d5e6f --provider-order 5f1c…\n  \
        esimdesk reconcile resolve desk-1a2b3c4d5e6f --not-bought\n\n\
        Nothing is ever bought again: orders found at the provider are recorded, orders the\n\
        provider does not have are marked failed once the grace period since sending has passed.\n\
        An order that cannot be matched with certainty becomes needs_person: settle it by hand\n\
        with `resolve` after checking the provider's portal (audited).\n\
        JSON: [{ clientReference, before, after, note }]."
    )]
    Reconcile {
        /// How long after sending an order the provider's silence means "not bought" (eSIM Go:
        /// 10 minutes, esimgo.md §6.5); orders sent less than this long ago may still be in flight.
        #[arg(long, default_value_t = 600)]
        grace_seconds: i64,
        #[command(flatten)]
        json: JsonFlag,
        #[command(subcommand)]
        action: Option<ReconcileCommand>,
    },
    /// eSIMs sold: usage and search.
    #[command(subcommand)]
    Esim(EsimCommand),
    /// The desk's settings: name, selling currency, country of sale, agent profile.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Exchange rates into the desk's selling currency (offerings in other currencies are
    /// converted with them, then marked up; without a rate they keep their own currency).
    #[command(subcommand)]
    Rates(RatesCommand),
    /// Copy the whole database to FILE (SQLite online backup; safe while the app runs).
    Backup { file: PathBuf },
    /// Check the database's integrity.
    Check(JsonFlag),
}

#[derive(Debug, Args, Clone, Copy)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CodeCommand {
    /// Parse and check an activation code; print its fields and install links as JSON.
    #[command(after_help = "Examples:\n  \
        esimdesk code parse 'LPA:1$rsp.truphone.com$6C-DA326D-K86D'\n  \
        esimdesk code parse '1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1'\n\n\
        JSON fields: smdpAddress, matchingId, oid (or null), confirmationCodeRequired,\n\
        canonical, apple_install_url, android_install_url, windows_install_link, warnings.\n\
        Quote the code: '$' is special to shells.")]
    Parse {
        /// The activation code, with or without the LPA: prefix.
        code: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum IccidCommand {
    /// Check an ICCID (length, 89 prefix, Luhn check digit); spaces and dashes are allowed.
    #[command(after_help = "Examples:\n  \
        esimdesk iccid check 8944538532046590109\n  \
        esimdesk iccid check '8937 2020 0000 0123 4569'\n\n\
        JSON: { \"normalized\": digits or null, \"valid\": bool, \"reason\": text or null }.\n\
        Exit code 0 when valid, 2 when not.")]
    Check { iccid: String },
}

#[derive(Debug, Subcommand)]
pub enum EidCommand {
    /// Check an EID (32 digits, 89 prefix, ISO 7064 MOD 97-10 check digits).
    #[command(after_help = "Examples:\n  \
        esimdesk eid check 89049032000088880000000000001425\n\n\
        JSON: { \"normalized\": digits or null, \"valid\": bool, \"reason\": text or null }.\n\
        Exit code 0 when valid, 2 when not.")]
    Check { eid: String },
}

#[derive(Debug, Args)]
pub struct QrArgs {
    /// The activation code, with or without the LPA: prefix.
    pub code: String,
    #[command(flatten)]
    pub output: QrOutput,
    /// Minimum width of the PNG in pixels.
    #[arg(long, default_value_t = 512, requires = "png")]
    pub size: u32,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct QrOutput {
    /// Write an SVG (for screen and print).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write a PNG (for export).
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// The settings now.
    #[command(after_help = "JSON: { deskName, currency, profileName, country (or null) }.")]
    Show(JsonFlag),
    /// Change some settings; the others stay (audited).
    #[command(after_help = "Examples:\n  esimdesk settings set --country ES\n  \
        esimdesk settings set --currency EUR --desk-name 'Airport T2'\n\n\
        The selling currency reprices the cached catalogue (rates into it apply). The country of\n\
        sale is sent with orders to providers that ask for it (Truphone); --country '' clears it.")]
    Set {
        #[arg(long)]
        desk_name: Option<String>,
        /// ISO 4217 code of the currency the desk sells in.
        #[arg(long)]
        currency: Option<String>,
        /// ISO 3166-1 alpha-2 code of the country the desk sells in.
        #[arg(long)]
        country: Option<String>,
        /// Who is at the desk (recorded with every action).
        #[arg(long)]
        profile: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum RatesCommand {
    /// Every rate, with its date.
    #[command(after_help = "JSON: [{ from, to, rate, asOf }] (rate as decimal text).")]
    List(JsonFlag),
    /// Set the rate of a currency into the selling currency; reprices the catalogue.
    #[command(
        after_help = "Examples:\n  esimdesk rates set EUR 1.0843 --as-of 2026-11-30\n  \
        esimdesk rates set SEK 0.0921\n\n\
        RATE is how many units of the selling currency one unit of CURRENCY buys.\n\
        JSON: { from, to, rate, asOf }."
    )]
    Set {
        /// The currency converted (ISO 4217, e.g. EUR).
        currency: String,
        rate: String,
        /// The day the rate is from (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Remove a rate; offerings in that currency go back to their own currency.
    Remove {
        currency: String,
        /// The currency it converted into; default the selling currency.
        #[arg(long)]
        to: Option<String>,
    },
    /// Import a CSV rate table: all rates or none.
    #[command(
        after_help = "Example file:\n  from,rate,as_of\n  EUR,1.0843,2026-11-30\n  \
        SEK,0.0921,2026-11-30\n\n\
        Columns in any order; an optional `to` column names the target currency (default the\n\
        selling currency). A line that does not read is named and nothing is imported.\n\
        JSON: { rates, intoSellingCurrency }."
    )]
    Import {
        file: PathBuf,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// Add (or replace) a provider account. The credential is read from standard input or a
    /// prompt — never from the command line, where it would land in shell history.
    #[command(
        after_help = "Examples:\n  esimdesk providers add esimgo            (prompts for the key)\n  \
        printf '%s' \"$KEY\" | esimdesk providers add esimgo --base-url http://127.0.0.1:8080/v2.4\n  \
        printf '%s\\n%s\\n' \"$CLIENT_ID\" \"$CLIENT_SECRET\" | esimdesk providers add truphone\n\n\
        Standard input holds one line per secret: eSIM Go and Telness an API key; Truphone the\n\
        client id, then the client secret; ITT the API key, the secret code, then the member id.\n\
        At a terminal each is prompted for (secrets without echo). `esim-sandbox` prints this\n\
        text as `credential`.\n\
        The credential is tested with a real call (the account balance, or the cheapest read where\n\
        the provider has none) before anything is stored; it goes to the OS keychain (service\n\
        esim-desk), the database keeps only the account.\n\
        JSON: { account: { id, provider, label, baseUrl, createdAt }, balance }."
    )]
    Add {
        /// esimgo or telness (truphone and itt are coming).
        provider: String,
        /// The API's address; defaults to the provider's live API.
        #[arg(long)]
        base_url: Option<String>,
        /// Account id, for a second account of the same provider (default: the provider's id).
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// List accounts (never keys).
    List(JsonFlag),
    /// Remove an account and its key; its orders and eSIMs stay.
    Remove { id: String },
    /// The account's balance, asked of the provider now.
    Balance {
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogueCommand {
    /// How fresh each account's cached catalogue is (works offline).
    #[command(
        after_help = "Examples:\n  esimdesk catalogue status\n  esimdesk catalogue status --json\n\n\
        JSON: [{ accountId, provider, label, fetchedAt (or null: never synced), offerings }]."
    )]
    Status(JsonFlag),
    /// List a provider's offerings live (every page), optionally by country or region.
    #[command(
        after_help = "Examples:\n  esimdesk catalogue list --provider esimgo --country FR\n  \
        esimdesk catalogue list --provider esimgo --region EUROPE --json\n\n\
        JSON: [{ provider, code, name, countries, region, data, validityDays, cost, activation, speeds, topUp }]."
    )]
    List {
        /// The account id (e.g. esimgo).
        #[arg(long)]
        provider: String,
        /// ISO 3166-1 alpha-2 code; repeat for several.
        #[arg(long)]
        country: Vec<String>,
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Cheapest retail price first.
    Price,
    /// Cheapest price per GB first.
    PerGb,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Country, ISO code, region or bundle code.
    pub destination: Option<String>,
    /// At least this much data, e.g. 5GB, 1.5GB or 500MB (decimal units; a bare number is GB).
    #[arg(long)]
    pub min_data: Option<String>,
    /// Valid for at least this many days (the length of the trip).
    #[arg(long)]
    pub min_days: Option<u32>,
    /// Valid for at most this many days.
    #[arg(long)]
    pub max_days: Option<u32>,
    /// At most this retail price, in the desk's currency with its own decimals (19.99 USD,
    /// 1500 JPY).
    #[arg(long)]
    pub max_price: Option<String>,
    /// Only unlimited offerings.
    #[arg(long)]
    pub unlimited: bool,
    /// Only this provider (esimgo, telness, truphone, itt).
    #[arg(long)]
    pub provider: Option<String>,
    #[arg(long, value_enum, default_value_t = SortArg::Price)]
    pub sort: SortArg,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct OrderTarget {
    /// The account id (e.g. esimgo).
    #[arg(long)]
    pub provider: String,
    /// The offering's code, e.g. esim_1GB_7D_NL_V2 (from `esimdesk search`).
    #[arg(long)]
    pub offering: String,
    #[arg(long, default_value_t = 1)]
    pub quantity: u32,
}

#[derive(Debug, Subcommand)]
pub enum ReconcileCommand {
    /// Settle an order by hand, after checking the provider's portal (audited).
    #[command(
        after_help = "Examples:\n  esimdesk reconcile resolve desk-1a2b3c4d5e6f --provider-order 5f1c2d3e-…\n  \
        esimdesk reconcile resolve desk-1a2b3c4d5e6f --not-bought --json\n\n\
        --provider-order records that provider order (same packages, not another order's, not\n\
        tagged by another desk) with its eSIMs and codes; --not-bought marks the order failed.\n\
        JSON: { order, accountId, updatedAt, lastDetail, deliveredAt }."
    )]
    Resolve {
        /// The desk's client reference of the order.
        reference: String,
        /// The provider's order reference that is this sale's.
        #[arg(
            long,
            conflicts_with = "not_bought",
            required_unless_present = "not_bought"
        )]
        provider_order: Option<String>,
        /// Nothing was bought for this order.
        #[arg(long)]
        not_bought: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Ask the provider what it would charge (a dry run: nothing is bought).
    #[command(
        after_help = "Examples:\n  esimdesk order validate --provider esimgo --offering esim_1GB_7D_NL_V2\n\n\
        JSON: { offering, quantity, quotedCost, providerTotal, retailTotal }."
    )]
    Validate {
        #[command(flatten)]
        target: OrderTarget,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Buy: journaled first, validated, then sent once. Prints the ICCID and the LPA: code.
    #[command(
        after_help = "Examples:\n  esimdesk order place --provider esimgo --offering esim_1GB_7D_NL_V2 --reference walkin-0042 \\\n      \
        --payment-ref TERM-98765 --name 'Ana Ruiz' --email ana@example.com\n\n\
        A reference can be used once: repeating the command cannot buy twice. If the provider's\n\
        answer is lost the order is left unknown (exit 1): run `esimdesk reconcile`, never buy again.\n\
        JSON: { order, esims: [{ iccid, code: { canonical, smdpAddress, matchingId, ... } }] }."
    )]
    Place {
        #[command(flatten)]
        target: OrderTarget,
        /// The desk's own reference for this sale (generated when absent).
        #[arg(long)]
        reference: Option<String>,
        /// The card terminal's or payment provider's reference.
        #[arg(long)]
        payment_ref: Option<String>,
        /// Customer's name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// The customer's language (ISO 639-1, e.g. es) for the provider's installation steps,
        /// where it words them (ITT); English when absent.
        #[arg(long)]
        language: Option<String>,
        #[command(flatten)]
        wait: WaitFlag,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// How long a purchase waits for a provider that prepares eSIMs asynchronously.
#[derive(Debug, Clone, Copy, Args)]
pub struct WaitFlag {
    /// Seconds to wait for an asynchronous provider (Telness) to finish the order; one still
    /// being prepared then is kept as `provisioning` and completed by `esimdesk reconcile`.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub wait_seconds: u64,
}

#[derive(Debug, Subcommand)]
pub enum EsimCommand {
    /// Ask the provider for the eSIM's packages and remaining data now.
    #[command(
        after_help = "Examples:\n  esimdesk esim usage 8944538532046590109\n  esimdesk esim usage 8944538532046590109 --json\n\n\
        JSON: { iccid, profileStatus, packages: [{ offeringCode, state, allowance, usage, startsAt, endsAt }], takenAt }."
    )]
    Usage {
        iccid: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Find eSIMs by ICCID, customer name, email or phone (found offline, in the local database).
    #[command(
        after_help = "Examples:\n  esimdesk esim find 8944538\n  esimdesk esim find ana@example.com --json\n\n\
        JSON: [{ iccid, provider, accountId, profileStatus, orderReference, customerName, customerEmail, customerPhone, packages, createdAt }]."
    )]
    Find {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Add a package to an eSIM this desk sold: journaled first, checked, then sent once.
    #[command(
        name = "top-up",
        after_help = "Examples:\n  esimdesk esim top-up 8944538532046590109 --offering esim_1GB_7D_NL_V2 \\\n      \
        --reference topup-0042 --payment-ref TERM-98766\n\n\
        A reference can be used once: repeating the command cannot buy twice. If the provider's\n\
        answer is lost the order is left unknown (exit 1): run `esimdesk reconcile`, never buy again.\n\
        JSON: { order, esims: [{ iccid, code }] }."
    )]
    TopUp {
        iccid: String,
        /// The package's offering code (from `esimdesk search`).
        #[arg(long)]
        offering: String,
        /// The desk's own reference for this top-up (generated when absent).
        #[arg(long)]
        reference: Option<String>,
        /// The card terminal's or payment provider's reference.
        #[arg(long)]
        payment_ref: Option<String>,
        #[command(flatten)]
        wait: WaitFlag,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Revoke one package from an eSIM (money goes back to the provider inventory where the
    /// provider refunds it): journaled like a purchase, sent once.
    #[command(
        after_help = "Examples:\n  esimdesk esim usage 8944538532046590109   # lists each package's id\n  \
        esimdesk esim revoke 8944538532046590109 --package 215009266\n\n\
        --package is the provider's id of the package on the eSIM, as `esim usage` shows it.\n\
        JSON: { clientReference, iccid, offeringCode, packageId, refund, message, cancelledOrder }."
    )]
    Revoke {
        iccid: String,
        /// The provider's id of the package (eSIM Go assignment id).
        #[arg(long)]
        package: String,
        /// The desk's own reference for this revoke (generated when absent).
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Cancel a whole eSIM, where the provider cancels eSIMs (Telness): it cannot be undone.
    /// Journaled like a purchase, sent once.
    #[command(
        after_help = "Examples:\n  esimdesk esim cancel 89460000000012345674\n\n\
        The desk took the payment itself: refund the customer at the till if anything is owed.\n\
        JSON: { clientReference, iccid, refund, message }."
    )]
    Cancel {
        iccid: String,
        /// The desk's own reference for this cancel (generated when absent).
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}
