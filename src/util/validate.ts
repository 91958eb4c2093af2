/**
 * Small field validation used by services, so the API and the HTML forms give the same
 * field messages. Routes still check shapes with JSON Schema first.
 */
import { validationError, type FieldErrors } from '../errors.js';

export class Fields {
  readonly errors: FieldErrors = {};

  add(field: string, message: string): this {
    (this.errors[field] ??= []).push(message);
    return this;
  }

  text(field: string, value: unknown, opts: { required?: boolean; max: number; min?: number }): string {
    if (value === undefined || value === null) {
      if (opts.required) this.add(field, 'is required');
      return '';
    }
    if (typeof value !== 'string') {
      this.add(field, 'must be text');
      return '';
    }
    const v = value.replace(/\u0000/g, '').trim();
    if (opts.required && v === '') this.add(field, 'is required');
    else if (opts.min !== undefined && v.length < opts.min && v !== '') this.add(field, `must be at least ${opts.min} characters`);
    if (v.length > opts.max) this.add(field, `must be at most ${opts.max} characters`);
    return v;
  }

  email(field: string, value: unknown, opts: { required?: boolean } = {}): string {
    const v = this.text(field, value, { required: opts.required, max: 254 }).toLowerCase();
    if (v !== '' && !/^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/.test(v)) this.add(field, 'must be an email address');
    return v;
  }

  url(field: string, value: unknown, opts: { required?: boolean; max?: number } = {}): string {
    const v = this.text(field, value, { required: opts.required, max: opts.max ?? 2000 });
    if (v === '') return v;
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
