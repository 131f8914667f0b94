import type { Catalog } from './copy';

const hallo = (name: string): string => (name ? `Hallo ${name},` : 'Hallo,');
const stunden = (n: number): string => (n === 1 ? '1 Stunde' : `${n} Stunden`);
const minuten = (n: number): string => (n % 60 === 0 ? stunden(n / 60) : n === 1 ? '1 Minute' : `${n} Minuten`);
const NICHT_SIE = 'Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.';
const SICHERHEIT = 'Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an den Support.';

export const DE: Catalog = {
  'welcome-verification': (d) => ({
    subject: 'Willkommen! Bitte bestätigen Sie Ihre E-Mail-Adresse',
    greeting: hallo(d.displayName),
    paragraphs: ['Danke für Ihre Registrierung. Bitte bestätigen Sie, dass dies Ihre E-Mail-Adresse ist.'],
    action: { label: 'E-Mail-Adresse bestätigen', url: d.link },
    after: [`Der Link funktioniert einmal und läuft in ${stunden(d.expiresInHours)} ab.`, NICHT_SIE],
  }),
  'email-verification': (d) => ({
    subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
    greeting: hallo(d.displayName),
    paragraphs: ['Bitte bestätigen Sie, dass dies Ihre E-Mail-Adresse ist.'],
    action: { label: 'E-Mail-Adresse bestätigen', url: d.link },
    after: [`Der Link funktioniert einmal und läuft in ${stunden(d.expiresInHours)} ab. Frühere Links gelten nicht mehr.`, NICHT_SIE],
  }),
  'password-reset': (d) => ({
    subject: 'Passwort zurücksetzen',
    greeting: hallo(d.displayName),
    paragraphs: ['Jemand hat das Zurücksetzen des Passworts Ihres Kontos angefordert. Hier wählen Sie ein neues Passwort:'],
    action: { label: 'Neues Passwort wählen', url: d.link },
    after: [`Der Link funktioniert einmal und läuft in ${minuten(d.expiresInMinutes)} ab.`, NICHT_SIE + ' Ihr Passwort bleibt unverändert.'],
  }),
  'set-password': (d) => ({
    subject: 'Legen Sie Ihr Passwort fest',
    greeting: hallo(d.displayName),
    paragraphs: ['Ein Administrator bittet Sie, ein Passwort für Ihr Konto festzulegen:'],
    action: { label: 'Passwort festlegen', url: d.link },
    after: [`Der Link funktioniert einmal und läuft in ${minuten(d.expiresInMinutes)} ab.`],
  }),
  'password-changed': (d, h) => ({
    subject: 'Ihr Passwort wurde geändert',
    greeting: hallo(d.displayName),
    paragraphs: [`Das Passwort Ihres Kontos wurde am ${h.dateTime(d.changedAt, d.timeZone)} geändert. Auf Ihren anderen Geräten wurden Sie abgemeldet.`],
    after: [SICHERHEIT],
  }),
  'mfa-disabled': (d, h) => ({
    subject: 'Die Zwei-Faktor-Authentifizierung wurde deaktiviert',
    greeting: hallo(d.displayName),
    paragraphs: [`Die Zwei-Faktor-Authentifizierung Ihres Kontos wurde am ${h.dateTime(d.disabledAt, d.timeZone)} deaktiviert.`],
    after: [SICHERHEIT],
  }),
  'email-changed': (d, h) => ({
    subject: 'Die E-Mail-Adresse Ihres Kontos wurde geändert',
    greeting: hallo(d.displayName),
    paragraphs: [
      `Die E-Mail-Adresse Ihres Kontos wurde am ${h.dateTime(d.changedAt, d.timeZone)} geändert. E-Mails zum Konto gehen jetzt an die neue Adresse, und an diese Adresse gesendete Links funktionieren nicht mehr.`,
    ],
    after: ['Falls Sie das nicht erwartet haben, wenden Sie sich sofort an den Support: Möglicherweise übernimmt jemand anderes Ihr Konto.'],
  }),
  'oauth-linked': (d, h) => ({
    subject: `Anmeldung mit ${d.provider} wurde zu Ihrem Konto hinzugefügt`,
    greeting: hallo(d.displayName),
    paragraphs: [`Am ${h.dateTime(d.linkedAt, d.timeZone)} wurde ein ${d.provider}-Konto mit dieser E-Mail-Adresse mit Ihrem Konto verknüpft. Sie können sich jetzt mit ${d.provider} anmelden.`],
    after: [SICHERHEIT],
  }),
};
