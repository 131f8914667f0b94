#!/usr/bin/env python3
"""Adds lockfile entries for optional platform packages (darwin, win32, other CPUs)
that the npm registry reachable from this workplace does not carry. `npm install`
here leaves them out of package-lock.json, and `npm ci` then refuses the lock as
out of sync. They are recorded without tarball data: npm never fetches a package
for another platform. Run after any `npm install` that changes package-lock.json:

    python3 scripts/complete-lockfile.py
"""
import json, re, subprocess, sys

out = subprocess.run(['npm', 'ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'],
                     capture_output=True, text=True).stderr
names = sorted(set(re.findall(r'Missing: (.+?)@\S* from lock file', out)))
if not names:
    print('package-lock.json is complete')
    sys.exit(0)
lock = json.load(open('package-lock.json'))
packages = lock['packages']
wanted = {}
for meta in packages.values():
    for dep, version in (meta.get('optionalDependencies') or {}).items():
        wanted.setdefault(dep, (version, meta.get('dev', False)))
for name in names:
    version, dev = wanted[name]
    os_name = next((o for o in ('darwin', 'win32', 'linux', 'freebsd', 'android') if o in name), None)
    cpu = next((c for c in ('arm64', 'x64', 'ia32', 'ppc64', 's390x', 'riscv64') if re.search(rf'[-_]{c}(-|$)', name)), None)
    if cpu is None and re.search(r'armv7|gnueabihf|[-_]arm(-|$)', name):
        cpu = 'arm'
    entry = {'version': version, 'optional': True}
    if dev:
        entry['dev'] = True
    if os_name:
        entry['os'] = [os_name]
    if cpu:
        entry['cpu'] = [cpu]
    packages['node_modules/' + name] = entry
lock['packages'] = dict(sorted(packages.items(), key=lambda kv: (kv[0] != '', kv[0])))
with open('package-lock.json', 'w') as f:
    json.dump(lock, f, indent=2)
    f.write('\n')
print(f'added {len(names)} entries: {", ".join(names)}')
