/**
 * Static checks of the deployment artifacts (Dockerfile, .dockerignore and the
 * Helm chart in helm/auth-service). Neither Docker nor Helm runs here, so the
 * files are parsed and their structure is checked against what the app needs.
 *
 * Helm templates are reduced to their static YAML: comments and lines made only
 * of template actions (`{{- if }}`, `{{- end }}`, `{{- toYaml ... | nindent }}`,
 * ...) are dropped, and the remaining `{{ ... }}` expressions become the scalar
 * TEMPLATED. What is literal in a template (kinds, probe paths, ports, mounts,
 * hook annotations) is checked there; what comes from values is checked in
 * values.yaml.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import Ajv from 'ajv';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const CHART_DIR = join(ROOT, 'helm', 'auth-service');
const TEMPLATES_DIR = join(CHART_DIR, 'templates');

/** HTTP routes the app serves for health checks (REST, port 8080). */
const HEALTH_ROUTES = ['/health/live', '/health/ready'] as const;
const LIVENESS_PATH = '/health/live';
const READINESS_PATH = '/health/ready';
const HTTP_PORT = 8080;
/** The optional separate gRPC listener (service.ports.grpc > 0); gRPC is served on HTTP_PORT by default. */
const GRPC_PORT = 50051;
const SECRET_MOUNT = '/var/run/secrets/auth-service';
const MIGRATE_SCRIPT = 'dist/database/migrate-cli.js';
const PLACEHOLDER = 'TEMPLATED';

/** Environment variables the app reads. */
const APP_ENV = [
  'PORT', 'GRPC_PORT', 'NODE_ENV', 'DB_URL', 'DB_PASSWORD', 'DB_PASSWORD_FILE', 'DB_POOL_MIN', 'DB_POOL_MAX',
  'DB_MIGRATE_ON_START', 'JWT_SECRET_KEY', 'JWT_SECRET_KEY_FILE', 'JWT_PRIVATE_KEY_FILE', 'ACCESS_TOKEN_TTL_MINUTES',
  'REFRESH_TOKEN_TTL_DAYS', 'PASSWORD_RESET_TTL_MINUTES', 'EMAIL_VERIFICATION_TTL_HOURS', 'MAX_FAILED_LOGIN_ATTEMPTS',
  'LOCKOUT_DURATION_MINUTES', 'SMTP_URL', 'SMTP_PASSWORD_FILE', 'EMAIL_SENDER', 'APP_URL', 'CORS_ALLOW_ORIGINS',
  'LOG_LEVEL', 'JSON_LOGS', 'METRICS_ENABLED', 'SENTRY_DSN', 'OTLP_ENDPOINT', 'GRPC_REFLECTION', 'S3_URL',
  'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY_FILE', 'GEOIP_DB_PATH', 'TRUSTED_PROXIES', 'MFA_ENCRYPTION_KEY_FILE',
  'BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD_FILE', 'SHUTDOWN_GRACE_MS', 'RATE_LIMIT_ENABLED', 'RATE_LIMIT_MAX',
  'RATE_LIMIT_TTL_SECONDS', 'REDIS_URL_FILE', 'REDIS_KEY_PREFIX', 'REDIS_TIMEOUT_MS', 'SESSION_CLEANUP_INTERVAL_SECONDS',
  'EXPIRY_SWEEP_INTERVAL_SECONDS',
];
/** Secret values: only ever passed as files, never through the ConfigMap. */
const SECRET_ENV = ['DB_PASSWORD', 'JWT_SECRET_KEY', 'JWT_PRIVATE_KEY', 'SMTP_PASSWORD', 'S3_SECRET_ACCESS_KEY',
  'MFA_ENCRYPTION_KEY', 'BOOTSTRAP_ADMIN_PASSWORD', 'REDIS_URL'];

const EXPECTED_API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  ConfigMap: 'v1',
  ServiceAccount: 'v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
  Job: 'batch/v1',
  ServiceMonitor: 'monitoring.coreos.com/v1',
};

// ---------------------------------------------------------------------------
// Minimal Kubernetes shapes (only what is checked)
// ---------------------------------------------------------------------------
interface EnvVar { name: string; value?: string }
interface VolumeMount { name: string; mountPath: string; readOnly?: boolean }
interface Probe { httpGet?: { path?: string; port?: string | number }; grpc?: { port?: number; service?: string } }
interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort?: number; protocol?: string }[];
  env?: EnvVar[] | null;
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: unknown } };
  volumeMounts?: VolumeMount[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
}
interface Volume {
  name: string;
  secret?: { secretName?: string; items?: { key: string; path: string }[] | null };
  emptyDir?: unknown;
}
interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  restartPolicy?: string;
  terminationGracePeriodSeconds?: unknown;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface K8sDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; annotations?: Record<string, string> | null };
  spec?: Record<string, unknown>;
  data?: Record<string, string> | null;
}
interface ServicePort { name?: string; port?: unknown; targetPort?: string | number; appProtocol?: string }

interface Values {
  replicaCount: number;
  image: { repository: string; tag: string; pullPolicy: string };
  service: { ports: { http: number; grpc: number } };
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
  config: Record<string, unknown>;
  secrets: { existingSecret: string; files: { env: string; key: string }[] };
  bootstrapAdmin: { enabled: boolean; email: string; passwordKey: string };
  terminationGracePeriodSeconds: number;
  preStopSleepSeconds: number;
  hpa: { enabled: boolean; minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number };
  pdb: { enabled: boolean; minAvailable: number | string };
  migration: { enabled: boolean; hookDeletePolicy: string };
}

// ---------------------------------------------------------------------------
// Helm template -> static YAML
// ---------------------------------------------------------------------------
const TEMPLATE_COMMENT = /\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g;
const ACTION_ONLY_LINE = /^\s*(?:\{\{.*?\}\}\s*)+$/;
const ACTION = /\{\{.*?\}\}/g;

function stripHelmTemplate(source: string): string {
  return source
    .replace(TEMPLATE_COMMENT, '')
    .split('\n')
    .filter((line) => !ACTION_ONLY_LINE.test(line))
    .map((line) => line.replace(ACTION, PLACEHOLDER))
    .join('\n');
}

function readTemplate(file: string): K8sDoc[] {
  const text = stripHelmTemplate(readFileSync(join(TEMPLATES_DIR, file), 'utf8'));
  if (text.includes('{{') || text.includes('}}')) {
    throw new Error(`${file}: a template action spans lines or is unbalanced; the static check cannot read it`);
  }
  return (loadAll(text) as unknown[]).filter((d): d is K8sDoc => d !== null && typeof d === 'object');
}

const templateFiles = readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.yaml')).sort();
const parseErrors: string[] = [];
const docsByFile = new Map(
  templateFiles.map((f) => {
    try {
      return [f, readTemplate(f)] as const;
    } catch (e) {
      parseErrors.push(`${f}: ${(e as Error).message}`);
      return [f, [] as K8sDoc[]] as const;
    }
  }),
);
const allDocs = [...docsByFile.values()].flat();

/** The one manifest of a kind in a template file (call inside a test). */
function onlyDoc(kind: string, file: string): K8sDoc {
  const found = (docsByFile.get(file) ?? []).filter((d) => d.kind === kind);
  expect(found, `exactly one ${kind} in ${file}`).toHaveLength(1);
  return found[0];
}

function podSpecOf(doc: K8sDoc): PodSpec {
  const template = doc.spec?.template as { spec?: PodSpec } | undefined;
  expect(template?.spec?.containers?.length, `${doc.kind} has containers`).toBeGreaterThan(0);
  return template!.spec!;
}

const values = load(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Values;
const chart = load(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines?: { node?: string };
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
};

/** The secret volume and its mount must be read-only and *_FILE vars must point into it. */
function expectSecretsAsFiles(spec: PodSpec, container: Container): void {
  const secretVolumes = (spec.volumes ?? []).filter((v) => v.secret);
  expect(secretVolumes, 'one Secret volume').toHaveLength(1);
  const mount = (container.volumeMounts ?? []).find((m) => m.name === secretVolumes[0].name);
  expect(mount, 'Secret volume is mounted').toBeDefined();
  expect(mount!.mountPath).toBe(SECRET_MOUNT);
  expect(mount!.readOnly).toBe(true);

  const env = container.env ?? [];
  const fileVars = env.filter((e) => e.name.endsWith('_FILE') || (e.value ?? '').startsWith(`${SECRET_MOUNT}/`));
  expect(fileVars.length, 'secrets passed as *_FILE variables').toBeGreaterThan(0);
  for (const e of fileVars) {
    expect(e.name === PLACEHOLDER || e.name.endsWith('_FILE'), `${e.name} is a *_FILE variable`).toBe(true);
    expect(e.value, `${e.name} points inside ${SECRET_MOUNT}`).toMatch(new RegExp(`^${SECRET_MOUNT}/[^/]+$`));
  }
  // No secret is passed by value.
  for (const e of env) expect(SECRET_ENV, `${e.name} must be passed as a file`).not.toContain(e.name);
  expect(container.envFrom?.some((s) => s.secretRef), 'no envFrom of a Secret').toBeFalsy();
}

function expectHardened(spec: PodSpec, container: Container): void {
  expect(spec.securityContext?.runAsNonRoot).toBe(true);
  expect(spec.securityContext?.runAsUser).not.toBe(0);
  expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
  expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
  const tmp = (container.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
  expect(tmp, '/tmp is writable').toBeDefined();
  expect(spec.volumes?.find((v) => v.name === tmp!.name)?.emptyDir, '/tmp is an emptyDir').toBeDefined();
}

// ---------------------------------------------------------------------------
// Chart.yaml / values.yaml
// ---------------------------------------------------------------------------
describe('helm chart metadata and values', () => {
  it('Chart.yaml is a v2 application chart', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('auth-service');
    expect(chart.type ?? 'application').toBe('application');
    expect(String(chart.version)).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof chart.appVersion).toBe('string');
  });

  it('values.yaml has the expected defaults', () => {
    expect(values.replicaCount).toBe(2);
    // One port by default: REST, gRPC and gRPC-Web on 8080; no separate gRPC listener.
    expect(values.service.ports).toEqual({ http: HTTP_PORT, grpc: 0 });
    expect(values.resources).toEqual({ requests: { cpu: '250m', memory: '224Mi' }, limits: { memory: '320Mi' } });
    expect(values.hpa.enabled).toBe(true);
    expect(values.hpa.minReplicas).toBeGreaterThanOrEqual(2);
    expect(values.hpa.maxReplicas).toBeGreaterThanOrEqual(values.hpa.minReplicas);
    expect(values.hpa.targetCPUUtilizationPercentage).toBeGreaterThan(0);
    expect(values.pdb.enabled).toBe(true);
    expect(values.pdb.minAvailable).toBe(1);
    // A PDB equal to the replica count would block every node drain.
    expect(values.pdb.minAvailable).toBeLessThan(Math.min(values.replicaCount, values.hpa.minReplicas));
    expect(values.migration.enabled).toBe(true);
    expect(values.bootstrapAdmin.enabled).toBe(false);
  });

  it('config holds only non-secret app variables, with DB_URL set', () => {
    const keys = Object.keys(values.config);
    for (const key of keys) {
      expect(APP_ENV, `config.${key} is an app variable`).toContain(key);
      expect(SECRET_ENV, `config.${key} is a secret`).not.toContain(key);
      expect(key.endsWith('_FILE'), `config.${key} is a secret file`).toBe(false);
    }
    // Owned by the chart (container ports, migration job).
    for (const owned of ['PORT', 'GRPC_PORT', 'DB_MIGRATE_ON_START']) expect(keys).not.toContain(owned);
    // Without DB_URL the app would start an embedded PostgreSQL.
    expect(String(values.config.DB_URL)).toMatch(/^postgres(ql)?:\/\//);
    expect(String(values.config.DB_URL), 'no password in DB_URL').not.toMatch(/\/\/[^/@]*:[^/@]*@/);
  });

  it('every variable the chart can set is one the app reads (src/config)', () => {
    const source = readdirSync(join(ROOT, 'src', 'config')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(ROOT, 'src', 'config', f), 'utf8')).join('\n');
    const read = new Set<string>();
    for (const [, method, name] of source.matchAll(/\br\.(\w+)\(\s*'([A-Z][A-Z0-9_]*)'/g)) {
      read.add(name);
      if (method === 'secret') read.add(`${name}_FILE`);
    }
    const set = [...Object.keys(values.config), ...values.secrets.files.map((f) => f.env), 'PORT', 'GRPC_PORT', 'DB_MIGRATE_ON_START',
      'BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD_FILE', 'REDIS_URL_FILE'];
    for (const name of set) expect(read, `${name} is read by the app`).toContain(name);
  });

  it('secrets come from an existing Secret as *_FILE variables the app knows', () => {
    expect(values.secrets.existingSecret).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(values.secrets.files.length).toBeGreaterThan(0);
    const envs = values.secrets.files.map((f) => f.env);
    expect(envs).toContain('DB_PASSWORD_FILE');
    expect(envs).toContain('JWT_SECRET_KEY_FILE');
    expect(new Set(envs).size).toBe(envs.length);
    for (const { env, key } of values.secrets.files) {
      expect(env).toMatch(/_FILE$/);
      expect(APP_ENV).toContain(env);
      expect(key, 'valid Secret key').toMatch(/^[-._a-zA-Z0-9]+$/);
    }
    expect(values.bootstrapAdmin.passwordKey).toMatch(/^[-._a-zA-Z0-9]+$/);
  });

  it('terminationGracePeriodSeconds exceeds preStop sleep + SHUTDOWN_GRACE_MS', () => {
    const graceMs = Number(values.config.SHUTDOWN_GRACE_MS || 10000);
    expect(values.terminationGracePeriodSeconds * 1000).toBeGreaterThan(values.preStopSleepSeconds * 1000 + graceMs);
  });
});

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------
describe('helm templates (static structure)', () => {
  it('strips template actions into parseable YAML', () => {
    const out = stripHelmTemplate(
      ['{{- if .Values.x }}', 'a:', '  b: {{ .Values.b | quote }}', '  {{- toYaml .Values.c | nindent 2 }}', '{{- end }}'].join('\n'),
    );
    expect(load(out)).toEqual({ a: { b: PLACEHOLDER } });
  });

  it('every template parses once template actions are stripped', () => {
    expect(templateFiles.length).toBeGreaterThan(0);
    expect(parseErrors).toEqual([]);
  });

  it('has the expected kinds and apiVersions', () => {
    expect(templateFiles).toEqual(expect.arrayContaining([
      'configmap.yaml', 'deployment.yaml', 'hpa.yaml', 'migration-job.yaml', 'pdb.yaml', 'service.yaml',
    ]));
    for (const [file, docs] of docsByFile) {
      expect(docs.length, `${file} has a manifest`).toBeGreaterThan(0);
      for (const doc of docs) {
        expect(Object.keys(EXPECTED_API_VERSIONS), `${file}: kind ${doc.kind}`).toContain(doc.kind);
        expect(doc.apiVersion, `${file}: ${doc.kind} apiVersion`).toBe(EXPECTED_API_VERSIONS[doc.kind!]);
        expect(doc.metadata?.name, `${file}: ${doc.kind} has a name`).toBeTruthy();
      }
    }
    const kinds = allDocs.map((d) => d.kind);
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Job']) {
      expect(kinds).toContain(kind);
    }
  });

  describe('Deployment', () => {
    const deployment = () => onlyDoc('Deployment', 'deployment.yaml');
    const spec = () => podSpecOf(deployment());
    const container = () => spec().containers[0];

    it('probes hit the real health routes on the http port', () => {
      expect(container().livenessProbe?.httpGet?.path).toBe(LIVENESS_PATH);
      expect(container().readinessProbe?.httpGet?.path).toBe(READINESS_PATH);
      const probes = [container().livenessProbe, container().readinessProbe, container().startupProbe].filter(Boolean);
      for (const probe of probes) {
        expect(HEALTH_ROUTES).toContain(probe!.httpGet!.path);
        expect(['http', HTTP_PORT]).toContain(probe!.httpGet!.port);
      }
    });

    it('exposes 8080 as http only by default, and 50051 as grpc with service.ports.grpc', () => {
      const defaults = renderedContainer('deployment.yaml', 'Deployment').container;
      expect(Object.fromEntries((defaults.ports ?? []).map((p) => [p.name, p.containerPort]))).toEqual({ http: HTTP_PORT });
      const separate = renderedContainer('deployment.yaml', 'Deployment', { service: { ports: { grpc: GRPC_PORT } } }).container;
      expect(Object.fromEntries((separate.ports ?? []).map((p) => [p.name, p.containerPort]))).toEqual({ http: HTTP_PORT, grpc: GRPC_PORT });
    });

    it('takes config from the ConfigMap and secrets as files', () => {
      expect(container().envFrom?.some((s) => s.configMapRef?.name)).toBe(true);
      expectSecretsAsFiles(spec(), container());
    });

    it('runs hardened, non-root, read-only root filesystem', () => {
      expectHardened(spec(), container());
    });

    it('shuts down gracefully', () => {
      expect(spec().terminationGracePeriodSeconds, 'terminationGracePeriodSeconds set').toBeDefined();
      expect(container().lifecycle?.preStop?.exec?.command?.[0]).toBe('sleep');
      expect(deployment().spec?.strategy).toMatchObject({ type: 'RollingUpdate' });
    });
  });

  it('Service exposes one port by default (no appProtocol: HTTP/1.1 and h2c share it)', () => {
    const ports = (renderWith('service.yaml').find((d) => d.kind === 'Service')!.spec?.ports ?? []) as ServicePort[];
    expect(ports.map((p) => p.name)).toEqual(['http']);
    expect(ports[0]!.appProtocol).toBeUndefined();
  });

  it('Service exposes http and grpc (appProtocol grpc) on the container ports with service.ports.grpc', () => {
    const separate = { service: { ports: { grpc: GRPC_PORT } } };
    const service = renderWith('service.yaml', separate).find((d) => d.kind === 'Service')!;
    const ports = (service.spec?.ports ?? []) as ServicePort[];
    expect(ports.map((p) => p.name).sort()).toEqual(['grpc', 'http']);
    const containerPorts = renderedContainer('deployment.yaml', 'Deployment', separate).container.ports ?? [];
    for (const p of ports) {
      const target = containerPorts.find((c) => c.name === p.targetPort || c.containerPort === p.targetPort);
      expect(target, `Service port ${p.name} targets a container port`).toBeDefined();
      expect(target!.name).toBe(p.name);
    }
    expect(ports.find((p) => p.name === 'grpc')?.appProtocol).toBe('grpc');
  });

  it('HPA scales the Deployment on CPU', () => {
    const hpa = onlyDoc('HorizontalPodAutoscaler', 'hpa.yaml');
    expect(hpa.spec?.scaleTargetRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(hpa.spec?.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: PLACEHOLDER } } },
    ]);
  });

  it('PDB selects the server pods', () => {
    const pdb = onlyDoc('PodDisruptionBudget', 'pdb.yaml');
    expect(pdb.spec).toHaveProperty('minAvailable');
    expect(pdb.spec).toHaveProperty('selector.matchLabels');
  });

  describe('migration Job', () => {
    const job = () => onlyDoc('Job', 'migration-job.yaml');
    const spec = () => podSpecOf(job());
    const container = () => spec().containers[0];
    const deploymentContainer = () => podSpecOf(onlyDoc('Deployment', 'deployment.yaml')).containers[0];

    it('is a pre-install/pre-upgrade hook with a delete policy', () => {
      const annotations = job().metadata?.annotations ?? {};
      expect(annotations['helm.sh/hook']?.split(',').map((s) => s.trim()).sort()).toEqual(['pre-install', 'pre-upgrade']);
      expect(annotations['helm.sh/hook-delete-policy']).toBeTruthy();
      expect(spec().restartPolicy).toBe('Never');
    });

    it(`runs ${MIGRATE_SCRIPT} run`, () => {
      const argv = [...(container().command ?? []), ...(container().args ?? [])];
      expect(argv[0]).toBe('node');
      expect(argv).toContain(MIGRATE_SCRIPT);
      expect(argv.at(-1)).toBe('run');
    });

    it('has the app env and secret mounts', () => {
      expectSecretsAsFiles(spec(), container());
      expectHardened(spec(), container());
      expect(container().env).toEqual(deploymentContainer().env);
      expect(container().image).toBe(deploymentContainer().image);
      // Config comes from a ConfigMap that exists before the Job runs: the app's
      // own ConfigMap is created only after pre-install hooks.
      const configName = container().envFrom?.find((s) => s.configMapRef)?.configMapRef?.name;
      expect(configName).toBeTruthy();
      const hookConfig = (docsByFile.get('migration-job.yaml') ?? []).find(
        (d) => d.kind === 'ConfigMap' && d.metadata?.name === configName,
      );
      expect(hookConfig, 'the Job\'s ConfigMap is a hook of the same release phase').toBeDefined();
      const hookAnnotations = hookConfig!.metadata?.annotations ?? {};
      expect(hookAnnotations['helm.sh/hook']).toBe(job().metadata?.annotations?.['helm.sh/hook']);
      expect(Number(hookAnnotations['helm.sh/hook-weight'])).toBeLessThan(
        Number(job().metadata?.annotations?.['helm.sh/hook-weight'] ?? 0),
      );
    });
  });
});

// ---------------------------------------------------------------------------
// Templates rendered with chosen values (branch selection)
// ---------------------------------------------------------------------------
/**
 * Picks the branches of `if` / `else` / `with` blocks that given values select,
 * for the conditions this chart uses on control-only lines (a `.Values` path,
 * `not`, `and`, `or`, `eq`, `ne`, `toString`). A condition it cannot evaluate
 * (`.Release`, `int`, `add`, ...) keeps every branch, as the static view does.
 * Plain `{{ .Values.x }}` scalars are filled in; the rest is then reduced like
 * any template (stripHelmTemplate).
 */
const UNKNOWN = Symbol('unknown');
type Evaluated = unknown;
const CONTROL_LINE = /^\s*\{\{-?\s*(if|else if|else|end|range|with|define)\b\s*(.*?)\s*-?\}\}\s*$/;

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function evaluate(expr: string, root: Record<string, unknown>): Evaluated {
  const tokens = expr.match(/"(?:[^"\\]|\\.)*"|[()]|[^\s()]+/g) ?? [];
  let at = 0;
  const term = (): Evaluated => {
    const t = tokens[at++];
    if (t === undefined) return UNKNOWN;
    if (t === '(') {
      const v = call();
      at++; // ')'
      return v;
    }
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^-?\d+$/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    const path = /^\$?\.Values((?:\.[A-Za-z0-9_]+)*)$/.exec(t);
    if (!path) return UNKNOWN;
    let v: unknown = root;
    for (const k of path[1].split('.').filter(Boolean)) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    return v;
  };
  const call = (): Evaluated => {
    const fn = tokens[at];
    const fns: Record<string, (args: Evaluated[]) => Evaluated> = {
      not: ([x]) => (x === UNKNOWN ? UNKNOWN : !truthy(x)),
      eq: ([x, y]) => (x === UNKNOWN || y === UNKNOWN ? UNKNOWN : x === y),
      ne: ([x, y]) => (x === UNKNOWN || y === UNKNOWN ? UNKNOWN : x !== y),
      toString: ([x]) => (x === UNKNOWN ? UNKNOWN : String(x ?? '')),
      and: (xs) => { for (const x of xs) { if (x === UNKNOWN) return UNKNOWN; if (!truthy(x)) return x; } return xs.at(-1); },
      or: (xs) => { for (const x of xs) { if (x === UNKNOWN) return UNKNOWN; if (truthy(x)) return x; } return xs.at(-1); },
    };
    if (fn !== undefined && /^[a-z][A-Za-z]*$/.test(fn) && fn !== 'true' && fn !== 'false') {
      at++;
      const args: Evaluated[] = [];
      while (at < tokens.length && tokens[at] !== ')') args.push(term());
      return fns[fn] ? fns[fn](args) : UNKNOWN;
    }
    return term();
  };
  const v = call();
  return at === tokens.length ? v : UNKNOWN;
}

function selectBranches(source: string, chosen: Record<string, unknown>): string {
  const out: string[] = [];
  const stack: { emit: boolean; decided?: boolean }[] = [];
  for (const line of source.replace(TEMPLATE_COMMENT, '').split('\n')) {
    const m = CONTROL_LINE.exec(line);
    if (!m) {
      if (stack.every((f) => f.emit)) out.push(line);
      continue;
    }
    const [, keyword, expr] = m;
    if (keyword === 'if' || keyword === 'with') {
      const v = evaluate(expr, chosen);
      const decided = v === UNKNOWN ? undefined : truthy(v);
      stack.push({ emit: decided !== false, decided });
    } else if (keyword === 'range' || keyword === 'define') {
      stack.push({ emit: true });
    } else if (keyword === 'else' || keyword === 'else if') {
      const top = stack.at(-1)!;
      top.emit = top.decided === undefined || keyword === 'else if' ? true : !top.decided;
    } else {
      stack.pop();
    }
  }
  return out.join('\n');
}

function mergeValues(base: unknown, override: unknown): unknown {
  if (override === null || typeof override !== 'object' || Array.isArray(override)) return override;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(override)) result[k] = mergeValues(result[k], v);
  return result;
}

/** The manifests of a template rendered with values.yaml plus `overrides` (merged like `--set`). */
function renderWith(file: string, overrides: Record<string, unknown> = {}): K8sDoc[] {
  const chosen = mergeValues(values, overrides) as Record<string, unknown>;
  // Plain `{{ .Values.x }}` scalars are filled in; other expressions become TEMPLATED.
  const selected = selectBranches(readFileSync(join(TEMPLATES_DIR, file), 'utf8'), chosen).replace(
    /\{\{-?\s*(\$?\.Values[\w.]*)\s*-?\}\}/g,
    (action, path: string) => {
      const v = evaluate(path, chosen);
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : action;
    },
  );
  const text = stripHelmTemplate(selected);
  if (text.includes('{{') || text.includes('}}')) throw new Error(`${file}: unbalanced template action`);
  return (loadAll(text) as unknown[]).filter((d): d is K8sDoc => d !== null && typeof d === 'object');
}

function renderedContainer(file: string, kind: string, overrides: Record<string, unknown> = {}): { spec: PodSpec; container: Container } {
  const docs = renderWith(file, overrides).filter((d) => d.kind === kind);
  expect(docs, `one ${kind} in ${file}`).toHaveLength(1);
  const spec = podSpecOf(docs[0]);
  return { spec, container: spec.containers[0] };
}

const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
const validateValues = new Ajv({ allErrors: true }).compile(schema);
const problemsOf = (overrides: Record<string, unknown>): string[] => {
  if (validateValues(mergeValues(values, overrides))) return [];
  return (validateValues.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

describe('values.schema.json', () => {
  it('accepts values.yaml and describes exactly its top-level keys', () => {
    expect(problemsOf({})).toEqual([]);
    // `global` is Helm's own: it is added when the chart is another chart's dependency.
    expect(Object.keys(schema.properties).filter((k) => k !== 'global').sort()).toEqual(Object.keys(values).sort());
    expect(problemsOf({ global: { imageRegistry: 'registry.example' } })).toEqual([]);
  });

  it.each([
    ['a misspelt top-level key', { replicaCout: 3 }],
    ['a misspelt nested key', { probes: { readiness: { typ: 'grpc' } } }],
    ['a misspelt ServiceMonitor switch', { serviceMonitor: { enable: true } }],
    ['the Redis URL written into values', { redis: { url: 'redis://:pw@redis:6379' } }],
    ['an unknown probe type', { probes: { liveness: { type: 'tcp' } } }],
    ['a secret in the ConfigMap', { config: { REDIS_URL: 'redis://:pw@redis:6379' } }],
    ['a *_FILE variable in the ConfigMap', { config: { DB_PASSWORD_FILE: '/x' } }],
    ['a variable owned by the chart', { config: { PORT: '9000' } }],
    ['a lower-case variable name', { config: { log_level: 'debug' } }],
    ['a secret file variable without _FILE', { secrets: { files: [{ env: 'REDIS_URL', key: 'redis-url' }] } }],
    ['an invalid Secret key for the Redis URL', { redis: { urlKey: 'redis url' } }],
    ['a scrape interval that is not a duration', { serviceMonitor: { interval: '30 seconds' } }],
    ['a non-boolean switch', { hpa: { enabled: 'yes' } }],
    ['an unknown pull policy', { image: { pullPolicy: 'Sometimes' } }],
  ])('refuses %s', (_, overrides) => {
    expect(problemsOf(overrides)).not.toEqual([]);
  });
});

describe('helm templates rendered with values', () => {
  it('selects branches by the values', () => {
    const template = [
      'a:', '  {{- if eq .Values.p.type "grpc" }}', '  grpc: 1', '  {{- else }}', '  http: {{ .Values.p.port }}', '  {{- end }}',
      '  {{- with .Values.labels }}', '  labels: x', '  {{- end }}', '  {{- if .Release.Name }}', '  release: y', '  {{- end }}',
    ].join('\n');
    const render = (v: Record<string, unknown>) => load(stripHelmTemplate(selectBranches(template, v)));
    expect(render({ p: { type: 'grpc' }, labels: {} })).toEqual({ a: { grpc: 1, release: 'y' } });
    expect(render({ p: { type: 'http' }, labels: { k: 'v' } })).toEqual({ a: { http: PLACEHOLDER, labels: 'x', release: 'y' } });
  });

  it('renders the defaults as HTTP probes, no Redis and no ServiceMonitor', () => {
    const { container } = renderedContainer('deployment.yaml', 'Deployment');
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      expect(probe?.grpc).toBeUndefined();
      expect(probe?.httpGet?.port).toBe('http');
    }
    expect(container.readinessProbe?.httpGet?.path).toBe(READINESS_PATH);
    expect((container.env ?? []).map((e) => e.name)).not.toContain('REDIS_URL_FILE');
    expect(renderWith('servicemonitor.yaml')).toEqual([]);
  });

  it('makes native gRPC probes (grpc.health.v1: "liveness" for startup and liveness, the whole server for readiness) on the shared port', () => {
    const grpcProbes = { probes: { startup: { type: 'grpc' }, liveness: { type: 'grpc' }, readiness: { type: 'grpc' } } };
    // Kubernetes' grpc probe takes a port number (no named ports): 8080 serves gRPC with or
    // without the separate gRPC port. Liveness must not follow the database (an outage would
    // restart every pod): the always-SERVING name the service reports.
    for (const overrides of [grpcProbes, { ...grpcProbes, service: { ports: { grpc: GRPC_PORT } } }]) {
      const { container } = renderedContainer('deployment.yaml', 'Deployment', overrides);
      for (const probe of [container.startupProbe, container.livenessProbe]) {
        expect(probe?.grpc).toEqual({ port: HTTP_PORT, service: 'liveness' });
        expect(probe?.httpGet).toBeUndefined();
      }
      // No service: the server-wide status, which is readiness.
      expect(container.readinessProbe?.grpc).toEqual({ port: HTTP_PORT });
      expect(container.readinessProbe?.httpGet).toBeUndefined();
    }
    // Mixed: readiness over gRPC, liveness stays HTTP.
    const mixed = renderedContainer('deployment.yaml', 'Deployment', { probes: { readiness: { type: 'grpc' } } }).container;
    expect(mixed.readinessProbe?.grpc).toEqual({ port: HTTP_PORT });
    expect(mixed.livenessProbe?.httpGet?.path).toBe(LIVENESS_PATH);
  });

  it('passes the Redis URL from the Secret as REDIS_URL_FILE to the pods and the migration Job', () => {
    const withRedis = { redis: { urlKey: 'redis-url' } };
    for (const [file, kind] of [['deployment.yaml', 'Deployment'], ['migration-job.yaml', 'Job']] as const) {
      const { spec, container } = renderedContainer(file, kind, withRedis);
      expect(container.env).toContainEqual({ name: 'REDIS_URL_FILE', value: `${SECRET_MOUNT}/redis-url` });
      const items = spec.volumes?.find((v) => v.secret)?.secret?.items ?? [];
      expect(items).toContainEqual({ key: 'redis-url', path: 'redis-url' });
      expectSecretsAsFiles(spec, container);
    }
    expect(renderedContainer('deployment.yaml', 'Deployment', withRedis).container.env)
      .toEqual(renderedContainer('migration-job.yaml', 'Job', withRedis).container.env);
    // The ConfigMap refuses it as a plain value.
    expect(readFileSync(join(TEMPLATES_DIR, '_helpers.tpl'), 'utf8')).toMatch(/\$secret := list [^\n]*"REDIS_URL"/);
  });

  it('adds a ServiceMonitor for /metrics on the http Service port when enabled', () => {
    const docs = renderWith('servicemonitor.yaml', { serviceMonitor: { enabled: true } });
    expect(docs.map((d) => [d.kind, d.apiVersion])).toEqual([['ServiceMonitor', 'monitoring.coreos.com/v1']]);
    const spec = docs[0].spec as { selector?: { matchLabels?: unknown }; endpoints?: { port?: string; path?: string }[] };
    expect(spec.selector?.matchLabels).toBeDefined();
    expect(spec.endpoints).toHaveLength(1);
    expect(spec.endpoints![0]).toMatchObject({ port: 'http', path: '/metrics' });
    const servicePorts = (onlyDoc('Service', 'service.yaml').spec?.ports ?? []) as ServicePort[];
    expect(servicePorts.map((p) => p.name)).toContain(spec.endpoints![0].port);
  });
});

describe('Grafana dashboard', () => {
  const dashboardFile = join(TEMPLATES_DIR, '..', 'dashboards', 'auth-service.json');

  it('is a ConfigMap labelled for the Grafana sidecar, off by default', () => {
    expect(renderWith('grafana-dashboard.yaml')).toEqual([]);
    const docs = renderWith('grafana-dashboard.yaml', { grafanaDashboard: { enabled: true } });
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap']);
    expect((docs[0].metadata as { labels?: Record<string, string> }).labels?.grafana_dashboard).toBe('1');
    expect(readFileSync(join(TEMPLATES_DIR, 'grafana-dashboard.yaml'), 'utf8')).toContain('.Files.Get "dashboards/auth-service.json"');
  });

  it('charts with PromQL over the Prometheus data source variable', () => {
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: { targets: { expr: string }[]; datasource: { uid: string } }[] };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe('${datasource}');
      expect(panel.targets.length).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------
interface Instruction { cmd: string; args: string }
interface Stage { image: string; name?: string; instructions: Instruction[] }

function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!current && /^\s*(#.*)?$/.test(line)) continue; // comment / blank between instructions
    if (current && /^\s*#/.test(line)) continue; // comment inside a continuation
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, ' ');
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());

  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/s.exec(line)!;
    const cmd = m[1].toUpperCase();
    const args = m[2].trim();
    if (cmd === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const asIndex = words.findIndex((w) => w.toLowerCase() === 'as');
      stages.push({ image: words[0], name: asIndex > 0 ? words[asIndex + 1] : undefined, instructions: [] });
    } else {
      if (stages.length === 0) continue; // global ARGs
      stages.at(-1)!.instructions.push({ cmd, args });
    }
  }
  return stages;
}

/** Splits `[--flag=x ...] src... dest` (shell or JSON form). */
function parseCopy(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest); m; m = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)) {
    flags[m[1]] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  return { flags, sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

function execForm(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Context paths a COPY source names (globs expanded against the repo). */
function contextMatches(source: string): string[] {
  const clean = posix.normalize(source.replace(/^\.\//, '')).replace(/\/$/, '');
  if (!/[*?[]/.test(clean)) return existsSync(join(ROOT, clean)) ? [clean] : [];
  const dir = posix.dirname(clean);
  const re = globToRegExp(posix.basename(clean));
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).filter((f) => re.test(f)).map((f) => (dir === '.' ? f : `${dir}/${f}`));
}

function dockerIgnored(path: string, patterns: string[]): boolean {
  let ignored = false;
  const segments = path.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = posix.normalize((negate ? raw.slice(1) : raw).replace(/^\//, '')).replace(/\/$/, '');
    const re = globToRegExp(pattern);
    if (candidates.some((c) => re.test(c))) ignored = !negate;
  }
  return ignored;
}

describe('Dockerfile', () => {
  const dockerfilePath = join(ROOT, 'Dockerfile');
  const stages = existsSync(dockerfilePath) ? parseDockerfile(readFileSync(dockerfilePath, 'utf8')) : [];
  const final: Stage = stages.at(-1) ?? { image: '', instructions: [] };
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));
  const finalOf = (cmd: string) => final.instructions.filter((i) => i.cmd === cmd);
  const dockerignore = existsSync(join(ROOT, '.dockerignore'))
    ? readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : [];

  it('exists and is multi-stage with a separate production-dependency stage', () => {
    expect(existsSync(dockerfilePath), 'Dockerfile at the repo root').toBe(true);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const runs = (s: Stage) => s.instructions.filter((i) => i.cmd === 'RUN').map((i) => i.args).join('\n');
    expect(stages.some((s) => /npm ci(?![^\n]*--omit=dev)/.test(runs(s)) && /npm run build/.test(runs(s))), 'build stage').toBe(true);
    const copies = finalOf('COPY').map((i) => parseCopy(i.args));
    const modules = copies.find((c) => c.sources.some((s) => /(^|\/)node_modules\/?$/.test(s)));
    expect(modules?.flags.from, 'node_modules comes from another stage').toBeDefined();
    const depsStage = stages.find((s) => s.name === modules!.flags.from);
    expect(runs(depsStage!)).toMatch(/npm ci\b.*--omit=dev/);
    expect(runs(depsStage!)).not.toMatch(/--ignore-scripts(?!=false)/);
    const dist = copies.find((c) => c.sources.some((s) => /(^|\/)dist\/?$/.test(s)));
    expect(dist?.flags.from, 'dist comes from the build stage').toBeDefined();
    expect(runs(stages.find((s) => s.name === dist!.flags.from)!)).toMatch(/npm run build/);
  });

  it('uses Node base images whose major matches the `node` devDependency', () => {
    const nodeDep = pkg.devDependencies?.node;
    expect(nodeDep, 'node devDependency').toBeDefined();
    const major = Number(/(\d+)/.exec(nodeDep!)![1]);
    expect(major).toBe(24);
    if (pkg.engines?.node) expect(pkg.engines.node).toContain(String(major));
    const bases = stages.filter((s) => !stageNames.has(s.image)).map((s) => s.image);
    expect(bases.length).toBeGreaterThan(0);
    for (const image of bases) {
      const m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[-.@]|$)/.exec(image);
      expect(m, `${image} is a node image`).not.toBeNull();
      expect(Number(m![1]), `${image} Node major`).toBe(major);
    }
    expect(final.image).toMatch(new RegExp(`^node:${major}-bookworm-slim(@sha256:[0-9a-f]{64})?$`));
  });

  it('copies only paths that exist in the build context and are not .dockerignored', () => {
    const contextSources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.cmd === 'COPY' || i.cmd === 'ADD')
      .map((i) => parseCopy(i.args))
      .filter((c) => !c.flags.from)
      .flatMap((c) => c.sources);
    expect(contextSources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    for (const source of contextSources) {
      const matches = contextMatches(source);
      expect(matches, `COPY source ${source} exists in the repo`).not.toHaveLength(0);
      for (const m of matches) expect(dockerIgnored(m, dockerignore), `${m} is excluded by .dockerignore`).toBe(false);
    }
  });

  it('ships what the app needs at runtime', () => {
    const shipped = finalOf('COPY').flatMap((i) => parseCopy(i.args).sources).map((s) => posix.basename(s.replace(/\/$/, '')));
    for (const needed of ['node_modules', 'dist', 'proto', 'migrations', 'data', 'package.json']) expect(shipped).toContain(needed);
    expect(finalOf('ENV').map((i) => i.args).join(' ')).toMatch(/\bNODE_ENV[= ]"?production\b/);
  });

  it('keeps build output and secrets out of the context', () => {
    for (const p of ['node_modules', 'dist', '.git', '.env', '.data']) {
      expect(dockerIgnored(p, dockerignore), `${p} in .dockerignore`).toBe(true);
    }
  });

  it('runs dist/main.js as a non-root user', () => {
    const cmd = finalOf('CMD').at(-1);
    expect(cmd, 'final stage has CMD').toBeDefined();
    const argv = execForm(cmd!.args);
    expect(argv[0]).toBe('node');
    expect(argv.at(-1)).toBe('dist/main.js');
    const user = finalOf('USER').at(-1)?.args.split(':')[0];
    expect(user, 'final stage has USER').toBeTruthy();
    expect(['root', '0']).not.toContain(user);
  });

  it('starts node with the heap flags of `npm start`, and the chart leaves room above the heap cap', () => {
    const argv = execForm(finalOf('CMD').at(-1)!.args);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const startArgs = pkg.scripts.start.split(/\s+/);
    const nodeArgs = (a: readonly string[]) => a.slice(a.indexOf('node') + 1, a.indexOf('dist/main.js'));
    expect(nodeArgs(argv)).toEqual(nodeArgs(startArgs));
    // The malloc settings that prefix the start script are the image's ENV.
    const env = finalOf('ENV').map((i) => i.args).join(' ');
    for (const assignment of startArgs.slice(0, startArgs.indexOf('node'))) {
      expect(env.split(/[\s\\]+/), assignment).toContain(assignment);
    }
    const flag = (name: string) => Number(new RegExp(`^--${name}=(\\d+)$`).exec(nodeArgs(argv).find((a) => a.startsWith(`--${name}=`)) ?? '')?.[1]);
    const oldSpace = flag('max-old-space-size');
    const semiSpace = flag('max-semi-space-size');
    expect(oldSpace, 'the old space is capped').toBeGreaterThan(0);
    expect(semiSpace).toBeGreaterThan(0);
    // V8's heap at most (old space + 3 semi-spaces of young generation) plus the rest of the
    // process (node's code pages, malloc, stacks: ~100 MB measured) must fit under the limit.
    const mi = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1]);
    expect(mi(values.resources.limits.memory)).toBeGreaterThanOrEqual(oldSpace + 3 * semiSpace + 128);
    expect(mi(values.resources.requests.memory)).toBeGreaterThanOrEqual(oldSpace + 3 * semiSpace + 64);
  });

  it('exposes one port (REST, gRPC and gRPC-Web) with the separate gRPC listener off, and health-checks /health/live', () => {
    const exposed = finalOf('EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => Number(p.split('/')[0]));
    expect(exposed).toEqual([HTTP_PORT]);
    expect(finalOf('ENV').map((i) => i.args).join(' ')).toMatch(/\bGRPC_PORT=0\b/);
    const healthcheck = finalOf('HEALTHCHECK').at(-1)?.args ?? '';
    expect(healthcheck).toMatch(/\bCMD\b/);
    const path = /\/health\/[\w-]+/.exec(healthcheck)?.[0];
    expect(path).toBe(LIVENESS_PATH);
    expect(HEALTH_ROUTES).toContain(path);
    expect(healthcheck).toContain(String(HTTP_PORT));
  });
});
