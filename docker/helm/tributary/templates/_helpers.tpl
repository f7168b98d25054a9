{{/* The release's name prefix for every object. */}}
{{- define "tributary.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tributary.labels" -}}
{{ include "tributary.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A pinned image: "" and "latest" are refused. */}}
{{- define "tributary.image" -}}
{{- $tag := toString .Values.image.tag -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail "image.tag must be a pinned version, not empty or latest" -}}
{{- end -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{/* The probes' scheme: HTTPS when the pods serve the certificate of tls.secretName. */}}
{{- define "tributary.probeScheme" -}}
{{- if .Values.tls.secretName -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}

{{/* The jar's probe command (a small JVM): HTTPS when tls.cert is set, the admin listener for a drain when there is one. */}}
{{- define "tributary.probeCommand" -}}
java -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar /opt/tributary/tributary.jar probe
{{- end -}}
