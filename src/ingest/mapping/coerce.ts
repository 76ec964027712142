/** @module Cell validation: turns a value as read (text from csv, typed cells from xlsx/json) into its declared column type. */
import type { ColumnType } from './config.js';

/** A coerced cell, or why it could not be. */
export type Coerced = { ok: true; value: string | number | boolean | null } | { ok: false; reason: string };

const integerText = /^[+-]?\d+$/;
const numberText = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const dateText = /^(\d{4})-(\d{2})-(\d{2})$/;
const truthy = new Set(['true', 'yes', '1', 'y']);
const falsy = new Set(['false', 'no', '0', 'n']);

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Whether a text starts or ends with a character that could be whitespace (so `trim()` is worth calling). */
function mayHaveSpace(text: string): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return first <= 32 || last <= 32 || first >= 0xa0 || last >= 0xa0;
}

/** Whether a cell counts as empty: absent, null, or blank text (csv has no other way to say "no value"). */
export function isEmpty(value: unknown): boolean {
  if (typeof value === 'string') return value.length === 0 || (mayHaveSpace(value) && value.trim() === '');
  return value === undefined || value === null;
}

/** The text without surrounding whitespace, without allocating when there is none. */
function trimmed(text: string): string {
  return mayHaveSpace(text) ? text.trim() : text;
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `YYYY-MM-DD` names a real day (proleptic Gregorian calendar, as `Date` does). */
function realDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (daysInMonth[month - 1] as number));
}

/** What {@link coerceCell} returns for a value that does not fit its type. */
export const invalidCell: unique symbol = Symbol('invalid cell');

/**
 * Coerces one non-empty cell, allocating nothing but the value: the hot path of row validation. Returns
 * {@link invalidCell} when the value does not fit; {@link coerce} gives the reason.
 */
export function coerceCell(value: unknown, type: ColumnType): string | number | boolean | null | typeof invalidCell {
  switch (type) {
    case 'string':
      // Both stores must hold the text: PostgreSQL's jsonb refuses U+0000 and unpaired surrogates.
      if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed() ? invalidCell : value;
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return invalidCell;
    case 'integer': {
      if (typeof value === 'number') return Number.isSafeInteger(value) ? value : invalidCell;
      if (typeof value !== 'string') return invalidCell;
      const text = trimmed(value);
      const number = integerText.test(text) ? Number(text) : Number.NaN;
      return Number.isSafeInteger(number) ? number : invalidCell;
    }
    case 'number': {
      if (typeof value === 'number') return Number.isFinite(value) ? value : invalidCell;
      if (typeof value !== 'string') return invalidCell;
      const text = trimmed(value);
      const number = numberText.test(text) ? Number(text) : Number.NaN;
      return Number.isFinite(number) ? number : invalidCell;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const text = String(value).trim().toLowerCase();
      if (truthy.has(text)) return true;
      if (falsy.has(text)) return false;
      return invalidCell;
    }
    case 'date': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? invalidCell : value.toISOString().slice(0, 10);
      if (typeof value !== 'string') return invalidCell;
      const text = trimmed(value);
      const match = dateText.exec(text);
      // Date.parse accepts 2024-02-30 as March 1st; the calendar check refuses impossible days.
      return match && realDay(Number(match[1]), Number(match[2]), Number(match[3])) ? text : invalidCell;
    }
    case 'datetime': {
      const time =
        value instanceof Date ? value.getTime() : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
      return Number.isNaN(time) ? invalidCell : new Date(time).toISOString();
    }
  }
}

const reasons: Record<ColumnType, string> = {
  string: 'is not text (or holds U+0000 or an unpaired surrogate)',
  integer: 'is not an integer',
  number: 'is not a number',
  boolean: 'is not a boolean (true/false, yes/no, 1/0)',
  date: 'is not a date (YYYY-MM-DD)',
  datetime: 'is not an ISO-8601 date-time',
};

/** Why a value does not fit its type, e.g. `"lots" is not an integer`. */
export function invalidReason(value: unknown, type: ColumnType): string {
  return `${show(value)} ${reasons[type]}`;
}

/**
 * Coerces one non-empty cell. Dates are stored as `YYYY-MM-DD`, date-times as ISO-8601 UTC; numbers must be finite,
 * integers safe. Nothing is rounded or truncated: a value that does not fit is rejected with the reason.
 */
export function coerce(value: unknown, type: ColumnType): Coerced {
  const coerced = coerceCell(value, type);
  return coerced === invalidCell ? { ok: false, reason: invalidReason(value, type) } : { ok: true, value: coerced };
}
