/**
 * A role's permissions are a JSON object of `"resource:action": true`; `"*": true`
 * grants everything, `"resource:*": true` every action on a resource.
 * Authorization asks for permissions, never for role names, so a custom role
 * created in the database works without code changes.
 */
export function hasPermission(granted: Readonly<Record<string, boolean>>, permission: string): boolean {
  if (granted['*'] === true || granted[permission] === true) return true;
  const resource = permission.split(':')[0];
  return granted[`${resource}:*`] === true;
}

export function hasPermissions(granted: Readonly<Record<string, boolean>>, required: readonly string[]): boolean {
  return required.every((p) => hasPermission(granted, p));
}
