{{/*
Names are nodemend's own, not derived from the release name: the VS Code extension, the roles for
people (resourceNames), the admission policy and the hub find the objects by these names, and the
cluster-scoped ones (ClusterRoles, PriorityClass, admission policy) exist once per cluster anyway.
*/}}

{{/* The namespace of every namespaced object (not the release's: see values.yaml, namespace). */}}
{{- define "nodemend.namespace" -}}
{{- required "namespace.name: set the namespace nodemend runs in (default nodemend)" .Values.namespace.name -}}
{{- end -}}

{{/* The label kustomize puts on every object of deploy/base (its `labels:`), so both installs match. */}}
{{- define "nodemend.partOf" -}}
app.kubernetes.io/part-of: nodemend
{{- end -}}

{{/* image: repository@digest when a digest is set (it wins), else repository:tag (tag defaults to appVersion). */}}
{{- define "nodemend.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{/*
The agent's settings as NODEMEND_<FLAG> variables (JSON, for fromJson): each configuration.<key>
that is set becomes NODEMEND_<KEY IN UPPER SNAKE CASE> (rebootSentinelCommand ->
NODEMEND_REBOOT_SENTINEL_COMMAND). Unset means null, "" or []: the key is left out and the agent's
default applies. Lists are joined with ";", as the agent reads them from the environment.
rebootSentinel is a path on the host, always passed (unset, the agent would look inside its own
container): the agent sees the host's directory under /host.
*/}}
{{- define "nodemend.agentConfigData" -}}
{{- $data := dict -}}
{{- range $key, $value := .Values.configuration -}}
{{- if and (ne $key "rebootSentinel") (not (or (kindIs "invalid" $value) (eq (toString $value) "") (and (kindIs "slice" $value) (empty $value)))) -}}
{{- $text := ternary (join ";" $value) (toString $value) (kindIs "slice" $value) -}}
{{- if and (kindIs "float64" $value) (eq (float64 (int64 $value)) $value) -}}
{{- /* Helm reads numbers in values files as floats: 1000000 would print as 1e+06. */ -}}
{{- $text = printf "%d" (int64 $value) -}}
{{- end -}}
{{- $_ := set $data (printf "NODEMEND_%s" ($key | snakecase | upper)) $text -}}
{{- end -}}
{{- end -}}
{{- $sentinel := .Values.configuration.rebootSentinel | default "/var/run/reboot-required" -}}
{{- if not (isAbs $sentinel) -}}
{{- fail (printf "configuration.rebootSentinel: %q is not an absolute path on the host; write e.g. /var/run/reboot-required" $sentinel) -}}
{{- end -}}
{{- $_ := set $data "NODEMEND_REBOOT_SENTINEL" (printf "/host%s" $sentinel) -}}
{{- $ns := include "nodemend.namespace" . -}}
{{- $_ := set $data "NODEMEND_LOCK_NAMESPACE" $ns -}}
{{- if ne $ns "nodemend" -}}
{{- /* The agent looks for its DaemonSet (the cluster-wide block) in namespace nodemend unless told. */ -}}
{{- $_ := set $data "NODEMEND_DS_NAMESPACE" $ns -}}
{{- end -}}
{{- toJson $data -}}
{{- end -}}

{{/*
The ConfigMap's name with the suffix kustomize's configMapGenerator gives it, so a changed setting
renames the ConfigMap and rolls the agents, and each variant renders the same name as its overlay
in deploy/: sha256 of {"data":…,"kind":"ConfigMap","name":""} as JSON, its first 10 hex digits with
0 1 3 a e spelled g h k m t. The name is empty because kustomize's hasher reads it that way (it
looks up "metadata/name" as one field); the equivalence test (test/integration/helm.test.ts)
fails if kustomize ever hashes differently.
*/}}
{{- define "nodemend.agentConfigName" -}}
{{- $data := include "nodemend.agentConfigData" . | fromJson -}}
{{- $hash := dict "kind" "ConfigMap" "name" "" "data" $data | toJson | sha256sum | trunc 10 -}}
{{- printf "nodemend-agent-config-%s" ($hash | replace "0" "g" | replace "1" "h" | replace "3" "k" | replace "a" "m" | replace "e" "t") -}}
{{- end -}}
