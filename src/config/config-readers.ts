import { existsSync } from 'node:fs';

/**
 * Small typed readers for configuration values. Each returns the value or pushes a message naming the
 * variable into `errors`, so that boot can list every bad variable in one error instead of the first one.
 * Messages name the variable and what is expected, never the value itself (it may be a secret).
 */
export type RawEnv = Record<string, string | number | boolean | undefined>;

export class ConfigReader {
  readonly errors: string[] = [];

  constructor(
    private readonly env: RawEnv,
    private readonly defaults: RawEnv,
  ) {}

  private raw(name: string): string | undefined {
    const v = this.env[name] ?? this.defaults[name];
    if (v === undefined || v === null) return undefined;
    const s = String(v).trim();
    return s === '' ? undefined : s;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  string(name: string): string {
    const v = this.raw(name);
    if (v === undefined) this.errors.push(`${name}: required`);
    return v ?? '';
  }

  int(name: string, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) {
      this.errors.push(`${name}: required (integer ${min}..${max})`);
      return min;
    }
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.errors.push(`${name}: must be an integer between ${min} and ${max}`);
      return min;
    }
    return Number(v);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined || !allowed.includes(v as T)) {
      this.errors.push(`${name}: must be one of ${allowed.join(', ')}`);
      return allowed[0];
    }
    return v as T;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(v)) return true;
    if (/^(false|0|no)$/i.test(v)) return false;
    this.errors.push(`${name}: must be true or false`);
    return fallback;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol.replace(/:$/, ''))) {
        this.errors.push(`${name}: protocol must be one of ${protocols.join(', ')}`);
      }
    } catch {
      this.errors.push(`${name}: is not a valid URL`);
    }
    return v;
  }

  file(name: string): string | undefined {
    const v = this.raw(name);
    if (v !== undefined && !existsSync(v)) this.errors.push(`${name}: file not found`);
    return v;
  }

  /** `id:secret,id2:secret2` lists (kiosk API keys). */
  pairs(name: string): Map<string, string> {
    const out = new Map<string, string>();
    const v = this.raw(name);
    if (v === undefined) return out;
    for (const item of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const i = item.indexOf(':');
      if (i <= 0 || i === item.length - 1) {
        this.errors.push(`${name}: each entry must be id:secret`);
        continue;
      }
      const id = item.slice(0, i);
      if (out.has(id)) this.errors.push(`${name}: id ${id} appears twice`);
      out.set(id, item.slice(i + 1));
    }
    return out;
  }

  check(condition: boolean, message: string): void {
    if (!condition) this.errors.push(message);
  }
}
