import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { configProblemsOf } from '../support/config-problems';


describe('PASSWORD_MIN_LENGTH', () => {
  it('defaults to 8, the minimum the existing clients rely on', () => {
    expect(loadConfig({}).passwords.minLength).toBe(8);
    expect(loadConfig({ PASSWORD_MIN_LENGTH: '  ' }).passwords.minLength).toBe(8);
  });

  it.each(['8', '12', '64'])('accepts %s', (value) => {
    expect(loadConfig({ PASSWORD_MIN_LENGTH: value }).passwords.minLength).toBe(Number(value));
  });

  it.each(['7', '0', '65', '12.5', 'twelve', '-12', '8 chars'])('refuses %j, naming the variable and never the value', (value) => {
    const problems = configProblemsOf({ PASSWORD_MIN_LENGTH: value });
    expect(problems).toEqual(['PASSWORD_MIN_LENGTH must be an integer from 8 to 64']);
  });
});
