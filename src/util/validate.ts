/**
 * Small field validation used by services, so the API and the HTML forms give the same
 * field messages. Routes still check shapes with JSON Schema first.
 */
import { validationError, type FieldErrors } from '../errors.js';

const EMAIL = /^[^\s@<>()]+@[^\s@<>().]+(?:\.[^\s@<>().]+)+$/;

export class Fields {
  readonly errors: FieldErrors = {};

  add(field: string, message: string): this {
    (this.errors[field] ??= []).push(message);
    return this;
  }

  /**
   * Trimmed text without NUL characters. The length is checked on the value as it arrived,
   * before anything else reads it: text over its limit is refused unread, so no later step
   * (replacing, trimming, a pattern) ever runs on a megabyte an attacker sent. Whitespace around
   * a value counts toward its limit.
   */
  text(field: string, value: unknown, opts: { required?: boolean; max: number; min?: number }): string {
    if (value === undefined || value === null) {
      if (opts.required) this.add(field, 'is required');
      return '';
    }
    if (typeof value !== 'string') {
      this.add(field, 'must be text');
      return '';
    }
    if (value.length > opts.max) {
      this.add(field, `must be at most ${opts.max} characters`);
      return '';
    }
    const v = value.replace(/\u0000/g, '').trim();
    if (opts.required && v === '') this.add(field, 'is required');
    else if (opts.min !== undefined && v.length < opts.min && v !== '') this.add(field, `must be at least ${opts.min} characters`);
    return v;
  }

  /**
   * An address with one @ and a dotted domain. The domain's labels exclude the dot, so the
   * pattern has one way to match any string and runs in linear time (its predecessor let
   * `[^@]+\.[^@]+` trade dots back and forth: 80 KB of `a.` held the server for seconds).
   */
  email(field: string, value: unknown, opts: { required?: boolean } = {}): string {
    const before = this.errors[field]?.length ?? 0;
    const v = this.text(field, value, { required: opts.required, max: 254 }).toLowerCase();
    if ((this.errors[field]?.length ?? 0) > before) return v;
    if (v !== '' && !EMAIL.test(v)) this.add(field, 'must be an email address');
    return v;
  }

  url(field: string, value: unknown, opts: { required?: boolean; max?: number } = {}): string {
    const before = this.errors[field]?.length ?? 0;
    const v = this.text(field, value, { required: opts.required, max: opts.max ?? 2000 });
    if (v === '' || (this.errors[field]?.length ?? 0) > before) return v;
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') this.add(field, 'must be an http(s) address');
    } catch {
      this.add(field, 'must be a full address starting with https://');
    }
    return v;
  }

  get ok(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  throwIfAny(message?: string): void {
    if (!this.ok) throw validationError(this.errors, message);
  }
}
