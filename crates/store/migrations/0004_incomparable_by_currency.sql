-- Offerings no rate converts are listed after the comparable ones; among them, each currency
-- together (a price in BDT is not "cheaper" than one in EUR because its number is smaller).
DROP INDEX offerings_search;
CREATE INDEX offerings_search ON offerings(coverage_id, incomparable, retail_currency, retail_minor,
    id, data_bytes, validity_days, provider, price_per_gb_minor);
