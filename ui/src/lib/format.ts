// How amounts, data and times read on screen. Money arrives in minor units with its currency.
import type { DataAllowance } from "../bindings/DataAllowance";
import type { Money } from "../bindings/Money";

const DIGITS: Record<string, number> = { JPY: 0, KRW: 0, KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3 };

export function money(m: Money | null | undefined): string {
  if (!m) return "—";
  const digits = DIGITS[m.currency] ?? 2;
  const major = m.minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(undefined, {
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

export function perGb(minor: number | null, currency: string): string {
  if (minor === null) return "—";
  return `${money({ minor, currency })}/GB`;
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

/** "5GB" / "500 MB" typed in a filter → bytes; null when empty or unreadable. */
export function parseData(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gb|g|mb|m)?\s*$/i.exec(text);
  if (!m || m[1] === undefined) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "gb").toLowerCase();
  return Math.round(n * (unit.startsWith("m") ? 1e6 : 1e9));
}

/** "19.99" → 1999 minor units; null when empty or unreadable. */
export function parsePrice(text: string): number | null {
  const m = /^\s*(\d+)(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m || m[1] === undefined) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
}
