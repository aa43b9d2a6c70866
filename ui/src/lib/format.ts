// How amounts, data and times read on screen. Money arrives in minor units with its currency and
// that currency's decimals (`digits`).
import type { DataAllowance } from "../bindings/DataAllowance";
import type { Money } from "../bindings/Money";

/**
 * An amount as the customer reads it, with its currency's own decimals (`Money.digits`, from the
 * shell's currency table: JPY 0, USD 2, KWD 3). `locale`: the reader's by default.
 */
export function money(m: Money | null | undefined, locale?: string): string {
  if (!m) return "—";
  const digits = m.digits;
  const major = m.minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency: m.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${m.currency}`;
  }
}

/** Decimal units, as providers count: 1 GB = 1,000,000,000 bytes. */
export function bytes(b: number | null | undefined): string {
  if (b === null || b === undefined) return "—";
  if (b >= 1e9) {
    const gb = b / 1e9;
    return `${Number.isInteger(gb) ? gb : gb.toFixed(1)} GB`;
  }
  if (b >= 1e6) return `${Math.round(b / 1e6)} MB`;
  return `${b} B`;
}

export function allowance(a: DataAllowance): string {
  return a.kind === "unlimited" ? "Unlimited" : bytes(a.amount);
}

/** A price per GB in minor units of `of`'s currency (a search hit's retail price). */
export function perGb(minor: number | null, of: Money, locale?: string): string {
  if (minor === null) return "—";
  return `${money({ ...of, minor }, locale)}/GB`;
}

/** "3 minutes ago", "2 hours ago", "5 days ago". */
export function age(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "never";
  const then = new Date(iso);
  const minutes = Math.floor((now.getTime() - then.getTime()) / 60000);
  if (Number.isNaN(minutes)) return "unknown";
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"} ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

export function localTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** ICCIDs read in groups of four. */
export function grouped(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
}
