import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AdminProvisioning } from './admin-provisioning';

/**
 * Unattended deployments: BOOTSTRAP_ADMIN_EMAIL (and BOOTSTRAP_ADMIN_PASSWORD_FILE)
 * make sure that account exists and is an administrator at every start. Idempotent,
 * and it never overwrites an existing account's password (a restart must not undo a
 * password change). Without a password the account is created without one and gets
 * a set-password link.
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
    const { outcome, user } = await this.provisioning.ensureAdmin(email, async () =>
      password ? { password: password.reveal() } : { sendLink: true },
    );
    const what = { created: 'created', promoted: 'promoted to administrator', 'already-admin': 'already an administrator' }[outcome];
    this.logger.log({ userId: user.id, outcome }, `Bootstrap administrator ${what}`);
  }
}
