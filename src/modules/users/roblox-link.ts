/** A Roblox user linked to an account (users.roblox_user_id / roblox_username / roblox_linked_at). */
export interface RobloxLink {
  readonly robloxUserId: string;
  readonly username: string;
  readonly linkedAt: Date;
}
