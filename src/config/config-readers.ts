import { existsSync, readFileSync, statSync } from 'node:fs';

/**
 * Small typed readers for configuration values. Each returns the value or pushes a message naming the
 * variable into `errors`, so that boot can list every bad variable in one error instead of the first one.
 * Messages name the variable and what is expected, never the value itself (it may be a secret).
 */
export type RawEnv = Record<string, string | number | boolean | undefined>;

/** Largest secret read from a `*_FILE` variable: a key list or a password, never a document. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

export class ConfigReader {
  readonly errors: string[] = [];
  /** Private key files readable by group or others: an error in production, a loud warning in embedded mode. */
  readonly exposedKeyFiles: string[] = [];

  constructor(
    private readonly env: RawEnv,
    private readonly defaults: RawEnv,
  ) {}

  private raw(name: string): string | undefined {
    const v = this.fromFile(name) ?? this.env[name] ?? this.defaults[name];
    if (v === undefined || v === null) return undefined;
    const s = String(v).trim();
    return s === '' ? undefined : s;
  }

  /**
   * Any variable X may come from the file named by X_FILE (Docker and Kubernetes secrets), so that secrets stay out
   * of the environment; setting both is ambiguous and refused.
   */
  private fromFile(name: string): string | undefined {
    const path = this.env[`${name}_FILE`];
    if (path === undefined || String(path).trim() === '') return undefined;
    if (this.env[name] !== undefined && String(this.env[name]).trim() !== '') {
      this.errors.push(`${name} and ${name}_FILE: set one of them, not both`);
      return undefined;
    }
    try {
      if (statSync(String(path)).size > MAX_SECRET_FILE_BYTES) {
        this.errors.push(`${name}_FILE: file larger than ${MAX_SECRET_FILE_BYTES / 1024} KB`);
        return undefined;
      }
      return readFileSync(String(path), 'utf8').replace(/\r?\n$/, '');
    } catch {
      this.errors.push(`${name}_FILE: file not found or not readable`);
      return undefined;
    }
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

  /**
   * A private key (PEM key or PKCS#12) file: it must exist and be readable by its owner only (mode 0600 or 0400) —
   * anyone else on the host who can read it can impersonate the hospital.
   */
  privateKeyFile(name: string): string | undefined {
    const v = this.file(name);
    if (v === undefined || !existsSync(v)) return v;
    if ((statSync(v).mode & 0o077) !== 0)
      this.exposedKeyFiles.push(`${name}: private key file is readable by group or others (chmod 600 it)`);
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
