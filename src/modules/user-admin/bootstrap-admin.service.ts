import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AdminProvisioning } from './admin-provisioning';

/**
 * Unattended deployments: BOOTSTRAP_ADMIN_EMAIL (and BOOTSTRAP_ADMIN_PASSWORD_FILE)
 * make that account the first administrator at startup (AdminProvisioning.ensureFirstAdmin):
 * only while no live administrator exists and never an unverified or inactive
 * account; otherwise a warning and no change. Idempotent, and it never overwrites
 * an existing account's password (a restart must not undo a password change).
 * Without a password the account is created without one and gets a set-password link.
 */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger('BootstrapAdmin');

  constructor(
    private readonly provisioning: AdminProvisioning,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { email, password } = this.config.users.bootstrapAdmin;
    if (!email) return;
    const { outcome, user } = await this.provisioning.ensureFirstAdmin(email, async () =>
      password ? { password: password.reveal() } : { sendLink: true },
    );
    // The account id only, never the address: enough to find the account, no PII in the log.
    switch (outcome) {
      case 'created':
      case 'promoted':
      case 'already-admin': {
        const what = { created: 'created', promoted: 'promoted to administrator', 'already-admin': 'already an administrator' }[outcome];
        this.logger.log({ userId: user?.id, outcome }, `Bootstrap administrator ${what}`);
        break;
      }
      case 'admin-exists':
        this.logger.warn({ userId: user?.id, reason: outcome }, 'BOOTSTRAP_ADMIN_EMAIL ignored: a live administrator exists; nothing changed');
        break;
      case 'email-unverified':
        this.logger.warn({ userId: user?.id, reason: outcome }, 'BOOTSTRAP_ADMIN_EMAIL ignored: the account\'s email address is not verified; nothing changed');
        break;
      case 'account-inactive':
        this.logger.warn({ userId: user?.id, reason: outcome }, 'BOOTSTRAP_ADMIN_EMAIL ignored: the account is not active; nothing changed');
        break;
    }
  }
}
