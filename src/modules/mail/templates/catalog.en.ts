import type { Catalog } from './copy';

const hello = (name: string): string => (name ? `Hello ${name},` : 'Hello,');
const hours = (n: number): string => (n === 1 ? '1 hour' : `${n} hours`);
const minutes = (n: number): string => (n % 60 === 0 ? hours(n / 60) : n === 1 ? '1 minute' : `${n} minutes`);
const NOT_YOU = 'If you did not ask for this, you can ignore this email.';
const SECURITY = 'If this was not you, reset your password now and contact support.';

export const EN: Catalog = {
  'welcome-verification': (d) => ({
    subject: 'Welcome! Please confirm your email address',
    greeting: hello(d.displayName),
    paragraphs: ['Thanks for signing up. Please confirm that this is your email address.'],
    action: { label: 'Confirm email address', url: d.link },
    after: [`The link works once and expires in ${hours(d.expiresInHours)}.`, NOT_YOU],
  }),
  'email-verification': (d) => ({
    subject: 'Confirm your email address',
    greeting: hello(d.displayName),
    paragraphs: ['Please confirm that this is your email address.'],
    action: { label: 'Confirm email address', url: d.link },
    after: [`The link works once and expires in ${hours(d.expiresInHours)}. Earlier links no longer work.`, NOT_YOU],
  }),
  'password-reset': (d) => ({
    subject: 'Reset your password',
    greeting: hello(d.displayName),
    paragraphs: ['Someone asked to reset the password of your account. Choose a new password here:'],
    action: { label: 'Choose a new password', url: d.link },
    after: [`The link works once and expires in ${minutes(d.expiresInMinutes)}.`, NOT_YOU + ' Your password stays the same.'],
  }),
  'set-password': (d) => ({
    subject: 'Set your password',
    greeting: hello(d.displayName),
    paragraphs: ['An administrator asked you to set a password for your account:'],
    action: { label: 'Set your password', url: d.link },
    after: [`The link works once and expires in ${minutes(d.expiresInMinutes)}.`],
  }),
  'password-changed': (d, h) => ({
    subject: 'Your password was changed',
    greeting: hello(d.displayName),
    paragraphs: [`The password of your account was changed on ${h.dateTime(d.changedAt, d.timeZone)}. You were signed out on your other devices.`],
    after: [SECURITY],
  }),
  'mfa-disabled': (d, h) => ({
    subject: 'Two-factor authentication was turned off',
    greeting: hello(d.displayName),
    paragraphs: [`Two-factor authentication was turned off for your account on ${h.dateTime(d.disabledAt, d.timeZone)}.`],
    after: [SECURITY],
  }),
  'email-changed': (d, h) => ({
    subject: 'The email address of your account was changed',
    greeting: hello(d.displayName),
    paragraphs: [
      `The email address of your account was changed on ${h.dateTime(d.changedAt, d.timeZone)}. Mail about the account now goes to the new address, and links sent to this address no longer work.`,
    ],
    after: ['If you did not expect this, contact support now: someone else may be taking over your account.'],
  }),
  'oauth-linked': (d, h) => ({
    subject: `${d.provider} sign-in was added to your account`,
    greeting: hello(d.displayName),
    paragraphs: [`On ${h.dateTime(d.linkedAt, d.timeZone)}, a ${d.provider} account with this email address was linked to your account. You can now sign in with ${d.provider}.`],
    after: [SECURITY],
  }),
};
