
PRAGMA application_id = 1163084875;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE provider_accounts (
    id         TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    label      TEXT NOT NULL,
    base_url   TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE catalogue_syncs (
    account_id     TEXT PRIMARY KEY REFERENCES provider_accounts(id) ON DELETE CASCADE,
    fetched_at     INTEGER NOT NULL,
    offering_count INTEGER NOT NULL
) STRICT;

-- Distinct coverages: one list of countries (in the provider's order) with the region a search
-- by region finds it under. Regional offerings share a handful of them.
CREATE TABLE coverages (
    id        INTEGER PRIMARY KEY,
    countries TEXT NOT NULL,            -- alpha-2 codes, comma-separated
    region    TEXT,                     -- region code a search by region finds it under
    UNIQUE (countries, region)
) STRICT;

-- Which destinations (country code, or region code such as 'EUROPE') each coverage serves.
CREATE TABLE coverage_destinations (
    dest        TEXT NOT NULL,
    coverage_id INTEGER NOT NULL REFERENCES coverages(id) ON DELETE CASCADE,
    PRIMARY KEY (dest, coverage_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE offerings (
    id                 INTEGER PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES provider_accounts(id) ON DELETE CASCADE,
    coverage_id        INTEGER NOT NULL REFERENCES coverages(id),
    provider           TEXT NOT NULL,
    code               TEXT NOT NULL,
    code_key           TEXT NOT NULL,   -- lower-case code: exact and prefix search
    name               TEXT NOT NULL,
    region             TEXT,            -- the region the provider named
    markup_region      TEXT,            -- region markup rules see (region, or common home region)
    data_bytes         INTEGER,         -- NULL: unlimited
    validity_days      INTEGER NOT NULL,
    cost_minor         INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    retail_minor       INTEGER NOT NULL,
    price_per_gb_minor INTEGER,         -- retail per decimal GB; NULL for unlimited
    activation         TEXT NOT NULL,
    speeds             TEXT NOT NULL,   -- JSON array of strings
    top_up             INTEGER NOT NULL
) STRICT;
-- Indexes: OFFERING_INDEXES below (also used to rebuild them after a large load).

CREATE TABLE destinations (
    key  TEXT PRIMARY KEY,              -- 'ES', 'EUROPE'
    kind TEXT NOT NULL CHECK (kind IN ('country', 'region')),
    code TEXT NOT NULL,                 -- 'ES', 'EUROPE'
    name TEXT NOT NULL
) STRICT;

CREATE TABLE destination_names (
    name_key TEXT NOT NULL,             -- folded name, or a folded word-suffix of it
    dest     TEXT NOT NULL REFERENCES destinations(key),
    whole    INTEGER NOT NULL,          -- 1: the whole name; 0: a suffix starting at a word
    label    TEXT NOT NULL,             -- the name as written
    PRIMARY KEY (name_key, dest)
) STRICT, WITHOUT ROWID;

CREATE TABLE markup_rules (
    scope        TEXT PRIMARY KEY,      -- 'global', 'provider:esimgo', 'region:EUROPE'
    basis_points INTEGER NOT NULL,
    rounding     TEXT NOT NULL,         -- 'nearest' or 'ending:99'
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE customers (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    email        TEXT,
    phone        TEXT,
    device_model TEXT,
    eid          TEXT,
    search_key   TEXT NOT NULL,         -- folded name and e-mail
    phone_digits TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    forgotten_at INTEGER
) STRICT;

-- Money records: no foreign key to provider_accounts, they outlive a removed account.
CREATE TABLE orders (
    client_reference   TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    provider           TEXT NOT NULL,
    kind               TEXT NOT NULL,
    customer_id        INTEGER REFERENCES customers(id),
    payment_reference  TEXT,
    state              TEXT NOT NULL,
    provider_reference TEXT,
    total_cost_minor   INTEGER NOT NULL,
    total_retail_minor INTEGER NOT NULL,
    currency           TEXT NOT NULL,   -- of the retail total
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    last_detail        TEXT
) STRICT;
CREATE INDEX orders_created ON orders(created_at);
CREATE INDEX orders_unsettled ON orders(state) WHERE state IN ('submitted', 'provisioning', 'unknown');
CREATE INDEX orders_customer ON orders(customer_id);

CREATE TABLE order_lines (
    client_reference  TEXT NOT NULL REFERENCES orders(client_reference),
    line_no           INTEGER NOT NULL,
    offering_code     TEXT NOT NULL,
    quantity          INTEGER NOT NULL,
    unit_cost_minor   INTEGER NOT NULL,
    cost_currency     TEXT NOT NULL,
    unit_retail_minor INTEGER NOT NULL,
    retail_currency   TEXT NOT NULL,
    iccid             TEXT,
    PRIMARY KEY (client_reference, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE order_events (
    id                 INTEGER PRIMARY KEY,
    client_reference   TEXT NOT NULL REFERENCES orders(client_reference),
    at                 INTEGER NOT NULL,
    from_state         TEXT,
    to_state           TEXT NOT NULL,
    detail             TEXT,
    provider_reference TEXT,
    actor              TEXT NOT NULL
) STRICT;
CREATE INDEX order_events_order ON order_events(client_reference, id);

CREATE TABLE esims (
    iccid           TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    provider_ref    TEXT,
    activation_code TEXT,
    profile_status  TEXT NOT NULL,
    order_reference TEXT,               -- the journal's client reference, when bought through it
    customer_id     INTEGER REFERENCES customers(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX esims_customer ON esims(customer_id);
CREATE INDEX esims_created ON esims(created_at);

CREATE TABLE esim_packages (
    iccid           TEXT NOT NULL REFERENCES esims(iccid) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    offering_code   TEXT NOT NULL,
    state           TEXT NOT NULL,
    allowance_bytes INTEGER,            -- NULL: unlimited
    remaining_bytes INTEGER,
    usage_taken_at  INTEGER,            -- NULL: no usage reading yet
    starts_at       INTEGER,
    ends_at         INTEGER,
    PRIMARY KEY (iccid, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE usage_snapshots (
    id              INTEGER PRIMARY KEY,
    iccid           TEXT NOT NULL REFERENCES esims(iccid) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    offering_code   TEXT NOT NULL,
    state           TEXT NOT NULL,
    remaining_bytes INTEGER,
    taken_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX usage_snapshots_esim ON usage_snapshots(iccid, taken_at);

CREATE TABLE stock (
    id               INTEGER PRIMARY KEY,
    provider         TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    offering_code    TEXT NOT NULL,
    iccid            TEXT UNIQUE,
    activation_code  TEXT,
    cost_minor       INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    added_at         INTEGER NOT NULL,
    added_by         TEXT NOT NULL,
    issued_at        INTEGER,
    issued_by        TEXT,
    customer_id      INTEGER REFERENCES customers(id),
    client_reference TEXT,
    sync_state       TEXT NOT NULL DEFAULT 'none' CHECK (sync_state IN ('none', 'pending', 'synced'))
) STRICT;
CREATE INDEX stock_available ON stock(offering_code, id) WHERE issued_at IS NULL;
CREATE INDEX stock_pending ON stock(id) WHERE sync_state = 'pending';

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
) STRICT;
