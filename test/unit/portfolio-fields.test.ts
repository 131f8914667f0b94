import { describe, expect, it } from 'vitest';
import { HANDLE_PATTERNS, isCalendarDate, isCountryCode } from '../../src/modules/portfolio/dto/portfolio-fields';

describe('portfolio field rules', () => {
  it('knows the 249 assigned ISO 3166-1 alpha-2 codes, in either case, and nothing else', () => {
    for (const ok of ['DE', 'us', 'Br', 'AX', 'SS', 'ZW']) expect(isCountryCode(ok), ok).toBe(true);
    for (const bad of ['XX', 'ZZ', 'EU', 'UN', 'UK', 'XK', 'D', 'DEU', '']) expect(isCountryCode(bad), bad).toBe(false);
  });

  it('accepts calendar dates that exist', () => {
    for (const ok of ['2024-02-29', '1900-01-01', '2999-12-31']) expect(isCalendarDate(ok), ok).toBe(true);
    for (const bad of ['2023-02-29', '2024-13-01', '2024-00-10', '1899-12-31', '3000-01-01', '2024-1-01', '20240101', '2024-01-01T00:00']) {
      expect(isCalendarDate(bad), bad).toBe(false);
    }
  });

  it('has sane handle patterns', () => {
    const cases: [keyof typeof HANDLE_PATTERNS, string, boolean][] = [
      ['twitter', '@roblox', true], ['twitter', 'a_b_c', true], ['twitter', 'x'.repeat(16), false], ['twitter', 'with-dash', false],
      ['instagram', 'ada.builds', true], ['instagram', '.ada', false], ['instagram', 'ada.', false], ['instagram', 'a..b', false],
      ['facebook', 'ada.builder', true], ['facebook', 'abcd', false], ['facebook', 'under_score', false],
      ['youtube', '@AdaBuilds', true], ['youtube', 'ab', false], ['youtube', 'a-b_c.d', true],
      ['github', 'ada-builds', true], ['github', '-ada', false], ['github', 'ada-', false], ['github', 'a--b', false], ['github', 'x'.repeat(40), false],
    ];
    for (const [kind, value, ok] of cases) expect(HANDLE_PATTERNS[kind].test(value), `${kind} ${value}`).toBe(ok);
  });
});
