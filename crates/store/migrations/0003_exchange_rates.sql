-- The agency's exchange rates into its selling currency, and offerings priced in it.
CREATE TABLE exchange_rates (
    from_currency TEXT NOT NULL,
    to_currency   TEXT NOT NULL,
    rate          TEXT NOT NULL,    -- decimal text, exactly as entered ("1.0843")
    as_of         TEXT NOT NULL,    -- the day the rate is from, YYYY-MM-DD
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (from_currency, to_currency)
) STRICT;
-- The currency of retail_minor: the selling currency, or the offering's own when no rate
-- converts it (then incomparable = 1: listed after the comparable offerings, never converted).
ALTER TABLE offerings ADD COLUMN retail_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE offerings ADD COLUMN incomparable INTEGER NOT NULL DEFAULT 0;
DROP INDEX offerings_search;
CREATE INDEX offerings_search ON offerings(coverage_id, incomparable, retail_minor, id, data_bytes,
    validity_days, provider, price_per_gb_minor);
