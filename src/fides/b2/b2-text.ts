/**
 * Text in B2 alphanumeric fields: upper-case ASCII letters, digits and spaces only — no accents, no apostrophes,
 * hyphens or other punctuation [public: SFG FIDES ACE, TF §3.1]. Names are transliterated (`Hélène` → `HELENE`,
 * `Œ` → `OE`), punctuation becomes a space, runs of spaces collapse. What cannot be transliterated is refused by the
 * caller (never dropped silently): toB2Text returns undefined for it.
 */

/** Letters NFD does not decompose into a base letter + accents. */
const LIGATURES: Readonly<Record<string, string>> = {
  Œ: 'OE',
  œ: 'OE',
  Æ: 'AE',
  æ: 'AE',
  ß: 'SS',
  Ø: 'O',
  ø: 'O',
  Ð: 'D',
  ð: 'D',
  Þ: 'TH',
  þ: 'TH',
  Ł: 'L',
  ł: 'L',
  ı: 'I',
};

/** Punctuation, symbols and separators of any script are written as a space (apostrophes, hyphens, dashes, …). */
const PUNCTUATION = /[\p{P}\p{S}\s]/gu;
const COMBINING = /[\u0300-\u036f]/g;
const B2_ALNUM = /^[A-Z0-9 ]*$/;

/** True when `s` is already B2 text (the common case: no work to do). */
export function isB2Alnum(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A-Z, 0-9, space
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 32)) return false;
  }
  return true;
}

/**
 * Free text → B2 text: upper case, accents removed, ligatures expanded, punctuation → space, spaces collapsed and
 * trimmed. Undefined when a character has no ASCII reading (e.g. CJK, emoji).
 */
export function toB2Text(input: string): string | undefined {
  if (isB2Alnum(input) && !input.includes('  ') && !input.startsWith(' ') && !input.endsWith(' ')) return input;
  const cached = cache.get(input);
  if (cached !== undefined) return cached === '\u0000' ? undefined : cached;
  const out = transliterate(input);
  // Names repeat (the same doctors on every invoice of a lot): a bounded cache saves the Unicode work.
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(input, out ?? '\u0000');
  return out;
}

const CACHE_MAX = 4096;
const cache = new Map<string, string>();

function transliterate(input: string): string | undefined {
  let s = input;
  if (!isB2Alnum(s) || s.includes('  ') || s.startsWith(' ') || s.endsWith(' ')) {
    s = s
      .replace(/[ŒœÆæßØøÐðÞþŁłı]/g, (c) => LIGATURES[c] ?? c)
      .normalize('NFD')
      .replace(COMBINING, '')
      .replace(PUNCTUATION, ' ')
      .toUpperCase()
      .replace(/ +/g, ' ')
      .trim();
  }
  return B2_ALNUM.test(s) ? s : undefined;
}
