{{- /* Every value no default can serve, checked at once: the render fails naming all that are
missing (not only the first), before any object is written. */ -}}
{{- define "caselog.validate" -}}
{{- $values := .Values -}}
{{- $missing := list -}}
{{- if not $values.identityProvider.issuer -}}
{{- $missing = append $missing "identityProvider.issuer (CASELOG_AUTH_ISSUER: the iss of the bearer tokens)" -}}
{{- end -}}
{{- if not $values.identityProvider.jwksUrl -}}
{{- $missing = append $missing "identityProvider.jwksUrl (CASELOG_AUTH_JWKS_URL: the provider's signing keys)" -}}
{{- end -}}
{{- if not $values.kafka.bootstrapServers -}}
{{- $missing = append $missing "kafka.bootstrapServers (KAFKA_BOOTSTRAP_SERVERS)" -}}
{{- end -}}
{{- if and (eq $values.environment "production") (not $values.records.origin) -}}
{{- $missing = append $missing "records.origin (CASELOG_RECORDS_ORIGIN: the log's identity, unique to this deployment; its signing key is named by it)" -}}
{{- end -}}
{{- if and (eq $values.environment "production") (not $values.console.oidc.issuer) -}}
{{- $missing = append $missing "console.oidc.issuer (CASELOG_CONSOLE_OIDC_ISSUER: production signs people in through OpenID Connect only)" -}}
{{- end -}}
{{- if and $values.console.oidc.issuer (not $values.console.oidc.clientId) -}}
{{- $missing = append $missing "console.oidc.clientId (CASELOG_CONSOLE_OIDC_CLIENT_ID)" -}}
{{- end -}}
{{- if and (eq $values.keyring.kind "file") (not $values.keyring.file.existingClaim) -}}
{{- $missing = append $missing "keyring.file.existingClaim (a ReadWriteMany PersistentVolumeClaim for the epoch KEKs, or keyring.kind pkcs11)" -}}
{{- end -}}
{{- if $missing -}}
{{- fail (printf "\n\ncaselog needs these values (examples/required.yaml shows each):\n  - %s\n" (join "\n  - " $missing)) -}}
{{- end -}}
{{- end -}}
