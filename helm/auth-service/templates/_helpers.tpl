{{/*
Chart name, truncated to the 63 characters Kubernetes allows in names.
*/}}
{{- define "auth-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name. If the release name already contains the chart name
it is used as is.
*/}}
{{- define "auth-service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "auth-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of the server pods (Deployment, Service, PDB). The component
label keeps the migration Job's pod out of the Service and the PDB.
*/}}
{{- define "auth-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "auth-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Labels shared by every object of the release, without the component.
*/}}
{{- define "auth-service.commonLabels" -}}
helm.sh/chart: {{ include "auth-service.chart" . }}
app.kubernetes.io/name: {{ include "auth-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels of the server objects.
*/}}
{{- define "auth-service.labels" -}}
{{ include "auth-service.commonLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Labels of the migration hook objects.
*/}}
{{- define "auth-service.migrationLabels" -}}
{{ include "auth-service.commonLabels" . }}
app.kubernetes.io/component: migration
{{- end }}

{{/*
Name of the migration hook's Job and ConfigMap (kept within 63 characters).
*/}}
{{- define "auth-service.migrationName" -}}
{{- printf "%s-migration" (include "auth-service.fullname" . | trunc 53 | trimSuffix "-") }}
{{- end }}

{{/*
ServiceAccount used by the server pods.
*/}}
{{- define "auth-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "auth-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: repository:tag, or repository@digest when a digest is given.
*/}}
{{- define "auth-service.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding the files listed in secrets.files.
*/}}
{{- define "auth-service.secretName" -}}
{{- required "secrets.existingSecret must name an existing Secret" .Values.secrets.existingSecret }}
{{- end }}

{{/*
Data of the app's ConfigMap (also used by the migration hook's ConfigMap,
which must exist before the release's own objects on first install).
Empty values are left out so the app's defaults apply. PORT, GRPC_PORT,
DB_MIGRATE_ON_START and BOOTSTRAP_ADMIN_EMAIL are owned by the chart.
*/}}
{{- define "auth-service.configData" -}}
{{- $owned := list "PORT" "GRPC_PORT" "DB_MIGRATE_ON_START" "BOOTSTRAP_ADMIN_EMAIL" }}
{{- $secret := list "DB_PASSWORD" "JWT_SECRET_KEY" "JWT_PRIVATE_KEY" "SMTP_PASSWORD" "S3_SECRET_ACCESS_KEY" "MFA_ENCRYPTION_KEY" "BOOTSTRAP_ADMIN_PASSWORD" "REDIS_URL" }}
{{- $_ := required "config.DB_URL is required (without it the app starts an embedded PostgreSQL)" .Values.config.DB_URL }}
{{- range $key, $value := .Values.config }}
{{- if or (has $key $secret) (hasSuffix "_FILE" $key) (regexMatch "^OAUTH_[A-Z]+_(CLIENT_SECRET|PRIVATE_KEY)$" $key) }}
{{- fail (printf "config.%s: secrets do not belong in the ConfigMap; list the key under secrets.files" $key) }}
{{- end }}
{{- if and (not (has $key $owned)) (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
PORT: "8080"
GRPC_PORT: {{ ternary "50051" "0" (ne (int .Values.service.ports.grpc) 0) | quote }}
DB_MIGRATE_ON_START: {{ ternary "false" "true" .Values.migration.enabled | quote }}
{{- if .Values.bootstrapAdmin.enabled }}
BOOTSTRAP_ADMIN_EMAIL: {{ required "bootstrapAdmin.email is required when bootstrapAdmin.enabled is true" .Values.bootstrapAdmin.email | quote }}
{{- end }}
{{- end }}
