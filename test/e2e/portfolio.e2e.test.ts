import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { bearer, grpc, grpcClient, type GrpcError } from '../support/grpc-client';
import { checkAgainstSchema, responseSchema } from '../support/openapi-check';

let counter = 0;
function newRobloxId(): string {
  counter += 1;
  return String(7_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000 + counter);
}

describe('developer portfolios (portfolio.v1.PortfolioService)', () => {
  let app: TestApp;
  let rpc: ReturnType<typeof grpcClient>;
  let doc: Record<string, any>;

  beforeAll(async () => {
    app = await bootTestApp();
    rpc = grpcClient(app.grpcAddress, 'portfolio.v1');
    doc = (await app.http('GET', '/api-docs/openapi.json')).body;
  });
  afterAll(async () => {
    rpc?.close();
    await app?.close();
  });

  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: GrpcError) => e);
  const schemaErrors = (method: string, path: string, body: unknown) => checkAgainstSchema(doc, responseSchema(doc, method, path, 200), body);

  /** A signed-up account, linked to a Roblox user directly in the database (the proof has its own tests). */
  async function developer(prefix = 'dev') {
    const email = uniqueEmail(prefix);
    const res = await app.http('POST', '/v1/auth/signup', { body: { ...credentials(email), displayName: 'Dev One' } });
    const robloxUserId = newRobloxId();
    const userId = res.body.user.userId as string;
    await app.db.sql('UPDATE users SET roblox_user_id = $2, roblox_username = $3, roblox_linked_at = now() WHERE id = $1', [userId, robloxUserId, `rbx_${prefix}`]);
    return { email, userId, robloxUserId, token: res.body.tokens.accessToken as string };
  }

  describe('profile', () => {
    it('refuses portfolio writes to a read-only role (guest) on both transports', async () => {
      const dev = await developer('guest');
      await app.db.sql(`UPDATE users SET role = 'guest' WHERE id = $1`, [dev.userId]);
      const rest = await app.http('PATCH', '/v1/portfolio/profile', { token: dev.token, body: { tagline: 'nope' } });
      expect(rest.status).toBe(403);
      const skill = await app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Code', skill: 'Lua' } });
      expect(skill.status).toBe(403);
      expect(await app.db.sql('SELECT 1 FROM portfolio_skill_categories WHERE user_id = $1', [dev.userId])).toHaveLength(0);
    });

    it('updates the own profile with a mask and reads it publicly by user id and Roblox id on both transports', async () => {
      const dev = await developer('profile');
      const update = await app.http('PATCH', '/v1/portfolio/profile', {
        token: dev.token,
        body: {
          displayName: ' Ada Builder ', timezone: 'Europe/Berlin', theme: 'dark', language: 'pt-BR', countryCode: 'de', tagline: 'I make obbies',
          biography: 'Line one\nLine two', website: 'https://ada.example.com/games', publicEmail: 'hello@ada.example.com',
          twitter: '@ada_builds', instagram: 'ada.builds', facebook: 'ada.builder', youtube: '@AdaBuilds', github: 'ada-builds',
        },
      });
      expect(update.status, update.text).toBe(200);
      const expected = {
        userId: dev.userId, robloxUserId: dev.robloxUserId, robloxUsername: 'rbx_profile', displayName: 'Ada Builder', avatarUrl: '',
        timezone: 'Europe/Berlin', theme: 'dark', language: 'pt-BR', countryCode: 'DE', tagline: 'I make obbies', biography: 'Line one\nLine two',
        website: 'https://ada.example.com/games', publicEmail: 'hello@ada.example.com', twitter: 'ada_builds', instagram: 'ada.builds',
        facebook: 'ada.builder', youtube: 'AdaBuilds', github: 'ada-builds',
      };
      expect(update.body.profile).toMatchObject(expected);
      expect(schemaErrors('PATCH', '/v1/portfolio/profile', update.body)).toEqual([]);

      // Public reads: no token, never the email, phone or status.
      const byId = await app.http('GET', `/v1/portfolio/profiles/${dev.userId}`);
      expect(byId.status).toBe(200);
      expect(byId.body.profile).toMatchObject(expected);
      expect(JSON.stringify(byId.body)).not.toContain(dev.email);
      expect(Object.keys(byId.body.profile)).not.toEqual(expect.arrayContaining(['email']));
      expect(byId.body.profile.status).toBeUndefined();
      expect(schemaErrors('GET', '/v1/portfolio/profiles/{userId}', byId.body)).toEqual([]);
      const byRoblox = await app.http('GET', `/v1/portfolio/roblox/${dev.robloxUserId}/profile`);
      expect(byRoblox.body).toEqual(byId.body);

      const viaGrpc = await rpc.call('GetProfile', { robloxUserId: dev.robloxUserId });
      expect(viaGrpc.profile).toMatchObject({ ...expected, userId: { value: dev.userId } });
      const viaGrpcId = await rpc.call('GetProfile', { userId: { value: dev.userId } });
      expect(viaGrpcId.profile.tagline).toBe('I make obbies');

      // The display name and time zone are the account's.
      const [account] = await app.db.sql('SELECT display_name, timezone FROM user_profiles WHERE user_id = $1', [dev.userId]);
      expect(account).toEqual({ display_name: 'Ada Builder', timezone: 'Europe/Berlin' });

      // With a mask exactly the listed fields change: listed and unset clears; unlisted stays.
      const masked = await rpc.call('UpdateProfile', { updateMask: { paths: ['tagline', 'country_code', 'timezone'] }, github: 'ignored-here' }, bearer(dev.token));
      expect(masked.profile).toMatchObject({ tagline: '', countryCode: '', timezone: 'UTC', github: 'ada-builds', theme: 'dark' });
      // Without one, every set field.
      const partial = await app.http('PATCH', '/v1/portfolio/profile', { token: dev.token, body: { tagline: 'Back again' } });
      expect(partial.body.profile).toMatchObject({ tagline: 'Back again', github: 'ada-builds', website: 'https://ada.example.com/games' });
      const badMask = await app.http('PATCH', '/v1/portfolio/profile', { token: dev.token, body: { updateMask: 'tagline,email' } });
      expect(badMask.status).toBe(400);
    });

    it('validates every field the same way on both transports', async () => {
      const dev = await developer('validate');
      const bad: Record<string, unknown> = {
        timezone: 'Mars/Olympus', theme: 'Dark Mode', language: 'not a tag', countryCode: 'XX', tagline: 'x'.repeat(161), biography: `a${'\u0000'}b`,
        website: 'http://plain.example.com', publicEmail: 'not-an-email', twitter: 'way_too_long_handle', instagram: 'double..dot',
        facebook: 'abc', youtube: 'a', github: '-leading', displayName: 'x'.repeat(101),
      };
      const rest = await app.http('PATCH', '/v1/portfolio/profile', { token: dev.token, body: bad });
      expect(rest.status).toBe(400);
      const restFields = rest.body.error.details.find((d: any) => d.fieldViolations).fieldViolations.map((v: any) => v.field).sort();
      expect(restFields).toEqual(Object.keys(bad).sort());
      const viaGrpc = await failure(rpc.call('UpdateProfile', bad, bearer(dev.token)));
      expect(viaGrpc.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(viaGrpc.fieldViolations).toHaveLength(Object.keys(bad).length);
      for (const website of ['https://user:pw@example.com', 'javascript:alert(1)', 'https://exa mple.com']) {
        expect((await app.http('PATCH', '/v1/portfolio/profile', { token: dev.token, body: { website } })).status, website).toBe(400);
      }
      const unchanged = await app.http('GET', `/v1/portfolio/profiles/${dev.userId}`);
      expect(unchanged.body.profile).toMatchObject({ timezone: 'UTC', theme: '', website: '' });
    });

    it('answers NOT_FOUND for suspended, deleted and unknown accounts and unlinked Roblox ids; writes need a token', async () => {
      const suspended = await developer('suspended');
      await app.http('PATCH', '/v1/portfolio/profile', { token: suspended.token, body: { tagline: 'hidden' } });
      await app.http('POST', '/v1/portfolio/skills', { token: suspended.token, body: { category: 'Code', skill: 'Lua' } });
      await app.db.sql(`UPDATE users SET status = 'suspended' WHERE id = $1`, [suspended.userId]);
      const deleted = await developer('deleted');
      await app.db.sql(`UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = $1`, [deleted.userId]);

      for (const path of [
        `/v1/portfolio/profiles/${suspended.userId}`, `/v1/portfolio/roblox/${suspended.robloxUserId}/profile`,
        `/v1/portfolio/profiles/${suspended.userId}/skills`, `/v1/portfolio/roblox/${suspended.robloxUserId}/experiences`,
        `/v1/portfolio/profiles/${deleted.userId}`, `/v1/portfolio/roblox/${deleted.robloxUserId}/skills`,
        `/v1/portfolio/profiles/${randomUUID()}`, `/v1/portfolio/roblox/${newRobloxId()}/profile`,
      ]) {
        const res = await app.http('GET', path);
        expect(res.status, path).toBe(404);
        expect(res.body.error.message).toBe('No such profile');
        expect(res.text).not.toContain('hidden');
      }
      for (const method of ['GetProfile', 'ListExperiences', 'ListSkills']) {
        expect((await failure(rpc.call(method, { robloxUserId: suspended.robloxUserId }))).code).toBe(grpc.status.NOT_FOUND);
      }
      expect((await failure(rpc.call('GetProfile', {}))).code).toBe(grpc.status.INVALID_ARGUMENT);
      expect((await app.http('GET', '/v1/portfolio/profiles/not-a-uuid')).status).toBe(400);
      expect((await app.http('GET', '/v1/portfolio/roblox/0/profile')).status).toBe(400);
      expect((await app.http('PATCH', '/v1/portfolio/profile', { body: { tagline: 'x' } })).status).toBe(401);
      expect((await failure(rpc.call('AddSkill', { category: 'a', skill: 'b' }))).code).toBe(grpc.status.UNAUTHENTICATED);
    });
  });

  describe('experiences', () => {
    it('creates, lists newest first (public, both ids), updates and deletes own experiences on both transports', async () => {
      const dev = await developer('exp');
      const first = await app.http('POST', '/v1/portfolio/experiences', {
        token: dev.token, body: { title: 'Scripter', company: 'Obby Studio', startDate: '2020-01-15', endDate: '2021-06-30', description: 'Combat systems' },
      });
      expect(first.status, first.text).toBe(200);
      expect(first.body.experience).toMatchObject({ title: 'Scripter', company: 'Obby Studio', startDate: '2020-01-15', endDate: '2021-06-30', current: false });
      expect(schemaErrors('POST', '/v1/portfolio/experiences', first.body)).toEqual([]);
      const current = await rpc.call('CreateExperience', { title: 'Lead Developer', company: 'Tycoon Co', startDate: '2023-03-01', description: '' }, bearer(dev.token));
      expect(current.experience).toMatchObject({ title: 'Lead Developer', endDate: '', current: true });
      await app.http('POST', '/v1/portfolio/experiences', { token: dev.token, body: { title: 'Builder', startDate: '2021-07-01', endDate: '2023-02-28' } });

      const list = await app.http('GET', `/v1/portfolio/profiles/${dev.userId}/experiences`);
      expect(list.body.experiences.map((e: any) => e.title)).toEqual(['Lead Developer', 'Builder', 'Scripter']);
      expect(schemaErrors('GET', '/v1/portfolio/profiles/{userId}/experiences', list.body)).toEqual([]);
      const byRoblox = await rpc.call('ListExperiences', { robloxUserId: dev.robloxUserId });
      expect(byRoblox.experiences.map((e: any) => e.title)).toEqual(['Lead Developer', 'Builder', 'Scripter']);
      expect((await app.http('GET', `/v1/portfolio/roblox/${dev.robloxUserId}/experiences`)).body).toEqual(list.body);

      // End the current role (mask), then make it current again (mask with an unset end_date).
      const id = current.experience.id.value as string;
      const ended = await app.http('PATCH', `/v1/portfolio/experiences/${id}`, { token: dev.token, body: { endDate: '2024-12-31' } });
      expect(ended.body.experience).toMatchObject({ endDate: '2024-12-31', current: false, title: 'Lead Developer' });
      const reopened = await rpc.call('UpdateExperience', { experienceId: { value: id }, updateMask: { paths: ['end_date'] } }, bearer(dev.token));
      expect(reopened.experience).toMatchObject({ endDate: '', current: true });
      const before = await app.http('PATCH', `/v1/portfolio/experiences/${id}`, { token: dev.token, body: { endDate: '2023-02-01' } });
      expect(before.status).toBe(400);
      expect(before.body.error.details.find((d: any) => d.fieldViolations).fieldViolations).toEqual([{ field: 'endDate', description: 'endDate must not be before startDate' }]);
      const renameClash = await app.http('PATCH', `/v1/portfolio/experiences/${id}`, { token: dev.token, body: { title: 'SCRIPTER' } });
      expect(renameClash.status).toBe(409);
      const cleared = await app.http('PATCH', `/v1/portfolio/experiences/${id}`, { token: dev.token, body: { updateMask: 'title' } });
      expect(cleared.status).toBe(400);

      // Someone else's experience does not exist for the caller.
      const other = await developer('exp-other');
      expect((await app.http('PATCH', `/v1/portfolio/experiences/${id}`, { token: other.token, body: { title: 'Mine now' } })).status).toBe(404);
      expect((await app.http('DELETE', `/v1/portfolio/experiences/${id}`, { token: other.token })).status).toBe(404);
      expect((await failure(rpc.call('DeleteExperience', { experienceId: { value: id } }, bearer(other.token)))).code).toBe(grpc.status.NOT_FOUND);

      expect((await app.http('DELETE', `/v1/portfolio/experiences/${id}`, { token: dev.token })).status).toBe(204);
      expect(await rpc.call('DeleteExperience', { experienceId: { value: first.body.experience.id } }, bearer(dev.token))).toEqual({});
      const after = await app.http('GET', `/v1/portfolio/profiles/${dev.userId}/experiences`);
      expect(after.body.experiences.map((e: any) => e.title)).toEqual(['Builder']);
    });

    it('validates dates and lengths', async () => {
      const dev = await developer('exp-valid');
      const cases: [Record<string, unknown>, string][] = [
        [{ title: 'A', startDate: '2021-02-30' }, 'startDate'],
        [{ title: 'A', startDate: '2021-02-01', endDate: '2021-01-31' }, 'endDate'],
        [{ title: 'A', startDate: '21-02-01' }, 'startDate'],
        [{ title: ' ', startDate: '2021-02-01' }, 'title'],
        [{ title: 'x'.repeat(101), startDate: '2021-02-01' }, 'title'],
        [{ title: 'A' }, 'startDate'],
        [{ title: 'A', startDate: '2021-02-01', description: 'y'.repeat(4001) }, 'description'],
      ];
      for (const [body, field] of cases) {
        const res = await app.http('POST', '/v1/portfolio/experiences', { token: dev.token, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.details.find((d: any) => d.fieldViolations).fieldViolations[0].field).toBe(field);
      }
      const viaGrpc = await failure(rpc.call('CreateExperience', { title: 'A', startDate: '2021-13-01' }, bearer(dev.token)));
      expect(viaGrpc.fieldViolations[0].field).toBe('start_date');
    });

    it('keeps titles unique per account, ignoring case, also under a race', async () => {
      const dev = await developer('exp-race');
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? app.http('POST', '/v1/portfolio/experiences', { token: dev.token, body: { title: i % 4 === 0 ? 'Game Designer' : 'game designer', startDate: '2022-01-01' } }).then((r) => r.status)
            : rpc.call('CreateExperience', { title: 'GAME DESIGNER', startDate: '2022-01-01' }, bearer(dev.token)).then(() => 200, (e: GrpcError) => (e.code === grpc.status.ALREADY_EXISTS ? 409 : e.code)),
        ),
      );
      expect(answers.filter((s) => s === 200)).toHaveLength(1);
      expect(answers.filter((s) => s === 409)).toHaveLength(19);
      expect(await app.db.sql('SELECT 1 FROM portfolio_experiences WHERE user_id = $1', [dev.userId])).toHaveLength(1);
      // Another account may use the same title.
      const other = await developer('exp-race-other');
      expect((await app.http('POST', '/v1/portfolio/experiences', { token: other.token, body: { title: 'Game Designer', startDate: '2022-01-01' } })).status).toBe(200);
    });
  });

  describe('skills', () => {
    it('adds skills in order, creating categories, lists them publicly, removes skills and deletes categories on both transports', async () => {
      const dev = await developer('skills');
      const added = await app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Programming', skill: 'Luau' } });
      expect(added.status, added.text).toBe(200);
      expect(added.body).toEqual({ category: { name: 'Programming', skills: ['Luau'] } });
      expect(schemaErrors('POST', '/v1/portfolio/skills', added.body)).toEqual([]);
      const viaGrpc = await rpc.call('AddSkill', { category: 'programming', skill: 'TypeScript' }, bearer(dev.token));
      expect(viaGrpc.category).toEqual({ name: 'Programming', skills: ['Luau', 'TypeScript'] });
      await app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'UI/UX', skill: 'C++ & Figma' } });
      await app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Programming', skill: ' Python ' } });
      const dup = await app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Programming', skill: 'luau' } });
      expect(dup.status).toBe(409);
      expect(dup.body.error.details).toContainEqual(expect.objectContaining({ reason: 'SKILL_ALREADY_EXISTS' }));

      const expected = { categories: [{ name: 'Programming', skills: ['Luau', 'TypeScript', 'Python'] }, { name: 'UI/UX', skills: ['C++ & Figma'] }] };
      const list = await app.http('GET', `/v1/portfolio/profiles/${dev.userId}/skills`);
      expect(list.body).toEqual(expected);
      expect(schemaErrors('GET', '/v1/portfolio/profiles/{userId}/skills', list.body)).toEqual([]);
      expect((await app.http('GET', `/v1/portfolio/roblox/${dev.robloxUserId}/skills`)).body).toEqual(expected);
      expect(await rpc.call('ListSkills', { robloxUserId: dev.robloxUserId })).toEqual(expected);

      // Names with slashes and symbols travel percent-encoded in the path.
      const removed = await app.http('DELETE', `/v1/portfolio/skills/${encodeURIComponent('ui/ux')}/${encodeURIComponent('c++ & figma')}`, { token: dev.token });
      expect(removed.status, removed.text).toBe(200);
      expect(removed.body).toEqual({ category: { name: 'UI/UX', skills: [] } });
      expect((await app.http('DELETE', `/v1/portfolio/skills/Programming/Rust`, { token: dev.token })).status).toBe(404);
      const removedGrpc = await rpc.call('RemoveSkill', { category: 'Programming', skill: 'TYPESCRIPT' }, bearer(dev.token));
      expect(removedGrpc.category.skills).toEqual(['Luau', 'Python']);
      expect((await app.http('DELETE', `/v1/portfolio/skills/${encodeURIComponent('UI/UX')}`, { token: dev.token })).status).toBe(204);
      expect((await failure(rpc.call('DeleteSkillCategory', { category: 'UI/UX' }, bearer(dev.token)))).code).toBe(grpc.status.NOT_FOUND);
      expect((await app.http('GET', `/v1/portfolio/profiles/${dev.userId}/skills`)).body).toEqual({ categories: [{ name: 'Programming', skills: ['Luau', 'Python'] }] });
    });

    it('stores one skill when 30 parallel adds of the same skill race, and positions stay distinct under parallel different adds', async () => {
      const dev = await developer('skills-race');
      const same = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 2 === 0
            ? app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Scripting', skill: i % 4 === 0 ? 'Lua' : 'LUA' } }).then((r) => r.status)
            : rpc.call('AddSkill', { category: 'scripting', skill: 'lua' }, bearer(dev.token)).then(() => 200, (e: GrpcError) => (e.code === grpc.status.ALREADY_EXISTS ? 409 : e.code)),
        ),
      );
      expect(same.filter((s) => s === 200)).toHaveLength(1);
      expect(same.filter((s) => s === 409)).toHaveLength(29);
      expect(await app.db.sql('SELECT 1 FROM portfolio_skill_categories WHERE user_id = $1', [dev.userId])).toHaveLength(1);

      const names = Array.from({ length: 20 }, (_, i) => `Skill ${i}`);
      const different = await Promise.all(names.map((skill) => app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Tools', skill } })));
      expect(different.map((r) => r.status)).toEqual(names.map(() => 200));
      const tools = (await app.http('GET', `/v1/portfolio/profiles/${dev.userId}/skills`)).body.categories.find((c: any) => c.name === 'Tools');
      expect([...tools.skills].sort()).toEqual([...names].sort());
      const positions = await app.db.sql<{ position: number }>(
        `SELECT s.position FROM portfolio_skills s JOIN portfolio_skill_categories c ON c.id = s.category_id WHERE c.user_id = $1 AND c.name = 'Tools' ORDER BY s.position`,
        [dev.userId],
      );
      expect(positions.map((p) => p.position)).toEqual(names.map((_, i) => i + 1));
    });

    it('enforces the limits with clear errors, also under parallel adds', async () => {
      const dev = await developer('skills-limit');
      const adds = await Promise.all(
        Array.from({ length: 55 }, (_, i) => app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Many', skill: `s${i}` } })),
      );
      expect(adds.filter((r) => r.status === 200)).toHaveLength(50);
      const refused = adds.filter((r) => r.status !== 200);
      expect(refused).toHaveLength(5);
      for (const r of refused) expect(r.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: 'A skill category holds at most 50 skills' });

      const categories = await Promise.all(
        Array.from({ length: 22 }, (_, i) => app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: `Cat ${i}`, skill: 'x' } })),
      );
      // "Many" is one of the 20 already.
      expect(categories.filter((r) => r.status === 200)).toHaveLength(19);
      expect(categories.filter((r) => r.status === 400).map((r) => r.body.error.message)).toEqual(Array(3).fill('A portfolio holds at most 20 skill categories'));

      const tooLong = await app.http('POST', '/v1/portfolio/skills', { token: dev.token, body: { category: 'Many', skill: 'y'.repeat(65) } });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error.details.find((d: any) => d.fieldViolations).fieldViolations[0].field).toBe('skill');
      const blank = await failure(rpc.call('AddSkill', { category: '  ', skill: 'x' }, bearer(dev.token)));
      expect(blank.fieldViolations[0].field).toBe('category');
    });
  });
});
