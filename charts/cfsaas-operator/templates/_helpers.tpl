{{/* The base name of every object: the release name, prefixed by the chart name unless it already says it. */}}
{{- define "cfsaas-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cfsaas-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cfsaas-operator.labels" -}}
{{ include "cfsaas-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: cfsaas-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The ServiceAccount the operator runs as: the chart's own unless named. */}}
{{- define "cfsaas-operator.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "cfsaas-operator.fullname" .) -}}
{{- end -}}

{{/* Where the Cloudflare credentials Secrets live; the release namespace unless set. */}}
{{- define "cfsaas-operator.credentialsNamespace" -}}
{{- .Values.credentialsNamespace | default .Release.Namespace -}}
{{- end -}}

{{/* By digest when one is given (the tag is then ignored), else by tag, defaulting to the appVersion. */}}
{{- define "cfsaas-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}
