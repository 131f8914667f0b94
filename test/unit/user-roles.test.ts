import { describe, expect, it } from 'vitest';
import { coversPermission, permissionsBeyond } from '../../src/modules/user-admin/user-roles';

describe('role grants: the actor must hold every permission of the role', () => {
  it('covers with the wildcards authorization uses', () => {
    expect(coversPermission({ '*': true }, '*')).toBe(true);
    expect(coversPermission({ '*': true }, 'users:read')).toBe(true);
    expect(coversPermission({ 'users:*': true }, 'users:password')).toBe(true);
    expect(coversPermission({ 'users:*': true }, 'users:*')).toBe(true);
    expect(coversPermission({ 'users:read': true }, 'users:read')).toBe(true);
  });

  it('never lets a lesser or look-alike permission cover more', () => {
    expect(coversPermission({ 'users:*': true }, '*')).toBe(false);
    expect(coversPermission({ '*:*': true }, '*')).toBe(false);
    expect(coversPermission({ 'users:read': true, 'users:write': true, 'users:password': true }, 'users:*')).toBe(false);
    expect(coversPermission({ 'reports:read': true }, 'reports:*')).toBe(false);
    expect(coversPermission({ 'users:*': false, '*': false }, 'users:read')).toBe(false);
    expect(coversPermission({ 'admin:*': true }, 'admin')).toBe(false);
    expect(coversPermission({ ':*': true }, ':read')).toBe(false);
  });

  it('lists what the actor lacks; granted-false entries and self-service profile permissions do not count', () => {
    const helpdesk = { 'users:read': true, 'users:write': true };
    expect(permissionsBeyond(helpdesk, { '*': true })).toEqual(['*']);
    expect(permissionsBeyond(helpdesk, { 'profile:read': true, 'reports:read': true, 'billing:write': false })).toEqual(['reports:read']);
    expect(permissionsBeyond(helpdesk, { 'profile:read': true, 'profile:write': true })).toEqual([]);
    expect(permissionsBeyond(helpdesk, { 'profile:*': true })).toEqual(['profile:*']);
    expect(permissionsBeyond({ '*': true }, { '*': true, 'anything:at-all': true })).toEqual([]);
  });
});
