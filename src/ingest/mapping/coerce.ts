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

/** Whether a cell counts as empty: absent, null, or blank text (csv has no other way to say "no value"). */
export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Coerces one non-empty cell. Dates are stored as `YYYY-MM-DD`, date-times as ISO-8601 UTC; numbers must be finite,
 * integers safe. Nothing is rounded or truncated: a value that does not fit is rejected with the reason.
 */
export function coerce(value: unknown, type: ColumnType): Coerced {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (value instanceof Date) return { ok: true, value: value.toISOString() };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, reason: `${show(value)} is not text` };
    case 'integer': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && integerText.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (Number.isSafeInteger(number)) return { ok: true, value: number };
      return { ok: false, reason: `${show(value)} is not an integer` };
    }
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && numberText.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (Number.isFinite(number)) return { ok: true, value: number };
      return { ok: false, reason: `${show(value)} is not a number` };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const text = String(value).trim().toLowerCase();
      if (truthy.has(text)) return { ok: true, value: true };
      if (falsy.has(text)) return { ok: true, value: false };
      return { ok: false, reason: `${show(value)} is not a boolean (true/false, yes/no, 1/0)` };
    }
    case 'date': {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return { ok: true, value: value.toISOString().slice(0, 10) };
      const match = typeof value === 'string' ? dateText.exec(value.trim()) : null;
      if (match) {
        const date = new Date(`${match[0]}T00:00:00Z`);
        // Date.parse accepts 2024-02-30 as March 1st; a round trip catches impossible days.
        if (!Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === match[0]) return { ok: true, value: match[0] };
      }
      return { ok: false, reason: `${show(value)} is not a date (YYYY-MM-DD)` };
    }
    case 'datetime': {
      const time =
        value instanceof Date ? value.getTime() : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
      if (!Number.isNaN(time)) return { ok: true, value: new Date(time).toISOString() };
      return { ok: false, reason: `${show(value)} is not an ISO-8601 date-time` };
    }
  }
}
