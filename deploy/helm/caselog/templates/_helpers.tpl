{{/* The components, in the order they are rendered. */}}
{{- define "caselog.services" -}}intake policy records privacy{{- end -}}
{{- define "caselog.components" -}}intake policy records privacy console{{- end -}}

{{/* The port every component listens on inside its pod (CASELOG_HTTP_PORT's default). */}}
{{- define "caselog.port" -}}8000{{- end -}}

{{- define "caselog.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's name prefix: component objects are <fullname>-<component>. */}}
{{- define "caselog.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Call with (dict "root" $ "component" "intake"). */}}
{{- define "caselog.componentName" -}}
{{- printf "%s-%s" (include "caselog.fullname" .root) .component -}}
{{- end -}}

{{- define "caselog.selectorLabels" -}}
app.kubernetes.io/name: {{ include "caselog.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "caselog.labels" -}}
{{ include "caselog.selectorLabels" . }}
app.kubernetes.io/part-of: caselog
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "caselog.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "caselog.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "caselog.image" -}}
{{- $image := .Values.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* One environment variable from a key of a Secret: (dict "name" N "secret" S "key" K). */}}
{{- define "caselog.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "the Secret for %s must be named" .name) .secret | quote }}
      key: {{ required (printf "the Secret key for %s must be named" .name) .key | quote }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Settings every component reads. */}}
{{- define "caselog.env.common" -}}
- name: CASELOG_ENVIRONMENT
  value: {{ .Values.environment | quote }}
- name: CASELOG_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: CASELOG_HTTP_HOST
  value: "0.0.0.0"
- name: CASELOG_HTTP_PORT
  value: {{ include "caselog.port" . | quote }}
- name: CASELOG_AUTH_ISSUER
  value: {{ required "identityProvider.issuer is required (the iss of the tokens)" .Values.identityProvider.issuer | quote }}
- name: CASELOG_AUTH_JWKS_URL
  value: {{ required "identityProvider.jwksUrl is required (the provider's JWKS)" .Values.identityProvider.jwksUrl | quote }}
- name: CASELOG_AUTH_AUDIENCE
  value: {{ .Values.identityProvider.audience | quote }}
{{- end -}}

{{/* Settings the four services read: the bus, their database, the key store and the keys. */}}
{{- define "caselog.env.service" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
- name: CASELOG_BUS
  value: kafka
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers is required (e.g. <cluster>-kafka-bootstrap.<namespace>.svc:9092)" $values.kafka.bootstrapServers | quote }}
{{ include "caselog.secretEnv" (dict "name" "DATABASE_URL" "secret" $values.postgresql.existingSecret "key" (index $values.postgresql.secretKeys .component)) }}
{{ include "caselog.secretEnv" (dict "name" "CASELOG_KEYSTORE_URL" "secret" $values.postgresql.existingSecret "key" $values.postgresql.secretKeys.keystore) }}
- name: CASELOG_CRYPTO__KEK_PROVIDER
  value: env
- name: CASELOG_CRYPTO__PEPPER_SOURCE
  value: env
{{ include "caselog.secretEnv" (dict "name" "CASELOG_KEK" "secret" $values.secrets.crypto.existingSecret "key" $values.secrets.crypto.kekKey) }}
{{ include "caselog.secretEnv" (dict "name" "CASELOG_SUBJECT_PEPPER" "secret" $values.secrets.crypto.existingSecret "key" $values.secrets.crypto.pepperKey) }}
{{- with $values.secrets.crypto.previousKekKeys }}
{{- $names := list }}
{{- range $i, $key := . }}
{{- $name := printf "CASELOG_KEK_PREVIOUS_%d" (add1 $i) }}
{{- $names = append $names $name }}
{{ include "caselog.secretEnv" (dict "name" $name "secret" $values.secrets.crypto.existingSecret "key" $key) }}
{{- end }}
- name: CASELOG_CRYPTO__PREVIOUS_KEK_ENV_VARS
  value: {{ toJson $names | quote }}
{{- end }}
- name: CASELOG_CRYPTO__KEYRING
  value: {{ $values.keyring.kind | quote }}
{{- if eq $values.keyring.kind "file" }}
- name: CASELOG_CRYPTO__KEYRING_DIR
  value: /app/data/keyring
{{- else }}
- name: CASELOG_CRYPTO__PKCS11_MODULE
  value: {{ $values.keyring.pkcs11.module | quote }}
- name: CASELOG_CRYPTO__PKCS11_TOKEN_LABEL
  value: {{ $values.keyring.pkcs11.tokenLabel | quote }}
{{ include "caselog.secretEnv" (dict "name" "CASELOG_CRYPTO__PKCS11_PIN" "secret" $values.keyring.pkcs11.pinSecret.name "key" $values.keyring.pkcs11.pinSecret.key) }}
{{- end }}
- name: CASELOG_CRYPTO__EPOCH_LENGTH_S
  value: {{ $values.keyring.epochLengthSeconds | quote }}
{{- end -}}

{{/* What only one component reads. */}}
{{- define "caselog.env.intake" -}}
{{- $values := .root.Values -}}
{{- with (default $values.console.publicUrl $values.intake.consolePublicUrl) }}
- name: CASELOG_CONSOLE_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- range $name, $key := $values.secrets.platforms.keys }}
{{ include "caselog.secretEnv" (dict "name" $name "secret" $values.secrets.platforms.existingSecret "key" $key "optional" true) }}
{{- end }}
{{- end -}}

{{- define "caselog.env.policy" -}}
{{- end -}}

{{- define "caselog.env.records" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
- name: CASELOG_RECORDS_ORIGIN
  value: {{ required "records.origin is required: the log's identity, unique to this deployment" $values.records.origin | quote }}
{{ include "caselog.secretEnv" (dict "name" "CASELOG_RECORDS_SIGNING_KEY" "secret" $values.secrets.records.existingSecret "key" $values.secrets.records.signingKeyKey) }}
{{- with $values.records.witnesses }}
- name: CASELOG_RECORDS_WITNESSES
  value: {{ toJson . | quote }}
{{- end }}
{{- with $values.records.publishedKeys }}
- name: CASELOG_RECORDS_PUBLISHED_KEYS
  value: {{ toJson . | quote }}
{{- end }}
{{- if $values.records.leaderElection.enabled }}
- name: CASELOG_RECORDS_LEADER_LEASE
  value: {{ default (include "caselog.componentName" (dict "root" $root "component" "records")) $values.records.leaderElection.leaseName | quote }}
{{- end }}
{{- end -}}

{{- define "caselog.env.privacy" -}}
{{- $values := .root.Values -}}
{{ include "caselog.secretEnv" (dict "name" "CASELOG_PRIVACY_SIGNING_KEY" "secret" $values.secrets.privacy.existingSecret "key" $values.secrets.privacy.signingKeyKey) }}
{{- with $values.privacy.recordsLogKey }}
- name: CASELOG_PRIVACY_RECORDS_LOG_KEY
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{- define "caselog.env.console" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- range $service := splitList " " (include "caselog.services" $root) }}
- name: {{ printf "CASELOG_CONSOLE_%s_URL" (upper $service) }}
  value: {{ printf "http://%s:%s" (include "caselog.componentName" (dict "root" $root "component" $service)) (include "caselog.port" $root) | quote }}
{{- end }}
{{ include "caselog.secretEnv" (dict "name" "CASELOG_CONSOLE_SESSION_SECRET" "secret" $values.secrets.console.existingSecret "key" $values.secrets.console.sessionSecretKey) }}
{{- with $values.console.oidc }}
{{- if .issuer }}
- name: CASELOG_CONSOLE_OIDC_ISSUER
  value: {{ .issuer | quote }}
- name: CASELOG_CONSOLE_OIDC_CLIENT_ID
  value: {{ required "console.oidc.clientId is required with an issuer" .clientId | quote }}
{{ include "caselog.secretEnv" (dict "name" "CASELOG_CONSOLE_OIDC_CLIENT_SECRET" "secret" $values.secrets.console.existingSecret "key" $values.secrets.console.oidcClientSecretKey) }}
- name: CASELOG_CONSOLE_OIDC_SCOPE
  value: {{ .scope | quote }}
- name: CASELOG_CONSOLE_OIDC_ROLES_CLAIM
  value: {{ .rolesClaim | quote }}
{{- with .audience }}
- name: CASELOG_CONSOLE_OIDC_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with $values.console.publicUrl }}
- name: CASELOG_CONSOLE_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- with $values.console.logVerifierKey }}
- name: CASELOG_CONSOLE_LOG_VERIFIER_KEY
  value: {{ . | quote }}
{{- end }}
# WeasyPrint's font cache (the PDF exhibits): under the writable /tmp.
- name: XDG_CACHE_HOME
  value: /tmp/cache
{{- end -}}

{{/* The operator's extra settings of one component, by variable name. */}}
{{- define "caselog.env.extra" -}}
{{- range $name, $value := .values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
{{- /* An egress rule to a dependency, (dict "name" N "target" .Values.<N>): its ipBlocks where
given (outside the cluster), else its pods by podSelector in its namespace (unset: the
release's), on its ports. Never "anywhere": a dependency without either fails the render. */ -}}
{{- define "caselog.egressTo" -}}
{{- $target := .target -}}
{{- $peers := list -}}
{{- if $target.ipBlocks -}}
{{- range $target.ipBlocks }}{{ $peers = append $peers (dict "ipBlock" .) }}{{ end -}}
{{- else -}}
{{- $selector := required (printf "%s.podSelector or %s.ipBlocks is required: where the NetworkPolicy lets the services reach it" .name .name) $target.podSelector -}}
{{- $peer := dict "podSelector" (dict "matchLabels" $selector) -}}
{{- if $target.namespace -}}
{{- $_ := set $peer "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" $target.namespace)) -}}
{{- end -}}
{{- $peers = append $peers $peer -}}
{{- end -}}
{{- $ports := list -}}
{{- range $target.ports }}{{ $ports = append $ports (dict "port" (int .) "protocol" "TCP") }}{{ end -}}
{{- list (dict "to" $peers "ports" $ports) | toYaml -}}
{{- end -}}
