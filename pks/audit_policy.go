package pks

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Audit levels, least to most detailed (pks.md §3.1).
var auditLevels = []string{"None", "Metadata", "Request", "RequestResponse"}

func levelRank(l string) int {
	for i, x := range auditLevels {
		if x == l {
			return i
		}
	}
	return -1
}

// ValidLevel reports whether l is an audit level name.
func ValidLevel(l string) bool { return levelRank(l) >= 0 }

// DefaultPolicy is the policy bosun writes for a level: noisy low-risk
// traffic is never audited, secrets, config maps and token reviews only
// at Metadata (never their bodies), and everything else at level. It uses
// audit.k8s.io/v1, which every apiserver since 1.12 reads and 1.24+
// requires.
func DefaultPolicy(level string) ([]byte, error) {
	if !ValidLevel(level) {
		return nil, fmt.Errorf("audit level %q: want one of %s", level, strings.Join(auditLevels, ", "))
	}
	sensitive := "Metadata"
	if level == "None" {
		sensitive = "None"
	}
	return []byte(`# Written by bosun: kube-apiserver audit policy, level ` + level + `.
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
- RequestReceived
rules:
- level: None
  nonResourceURLs:
  - "/healthz*"
  - "/livez*"
  - "/readyz*"
  - "/version"
- level: None
  users:
  - system:kube-proxy
  verbs:
  - watch
  resources:
  - group: ""
    resources:
    - endpoints
    - services
    - services/status
- level: None
  resources:
  - group: ""
    resources:
    - events
- level: ` + sensitive + `
  resources:
  - group: ""
    resources:
    - secrets
    - configmaps
  - group: authentication.k8s.io
    resources:
    - tokenreviews
- level: ` + level + `
`), nil
}

// policyDoc is what bosun reads of a policy.
type policyDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Rules      []struct {
		Level string `yaml:"level"`
	} `yaml:"rules"`
}

// ValidatePolicy checks a policy as the apiserver would before bosun
// uploads it, and returns its levels in rule order, without repeats.
func ValidatePolicy(b []byte) ([]string, error) {
	var p policyDoc
	if err := yaml.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("audit policy does not parse: %v", err)
	}
	if p.Kind != "Policy" {
		return nil, fmt.Errorf("audit policy: kind %q, want Policy", p.Kind)
	}
	switch p.APIVersion {
	case "audit.k8s.io/v1":
	case "audit.k8s.io/v1beta1", "audit.k8s.io/v1alpha1":
		return nil, fmt.Errorf("audit policy: apiVersion %s was removed in Kubernetes 1.24; use audit.k8s.io/v1", p.APIVersion)
	default:
		return nil, fmt.Errorf("audit policy: apiVersion %q, want audit.k8s.io/v1", p.APIVersion)
	}
	if len(p.Rules) == 0 {
		return nil, errors.New("audit policy has no rules")
	}
	var levels []string
	seen := map[string]bool{}
	for i, r := range p.Rules {
		if !ValidLevel(r.Level) {
			return nil, fmt.Errorf("audit policy rule %d: level %q, want one of %s", i+1, r.Level, strings.Join(auditLevels, ", "))
		}
		if !seen[r.Level] {
			seen[r.Level] = true
			levels = append(levels, r.Level)
		}
	}
	return levels, nil
}

// topLevel is the most detailed of levels, "" for none.
func topLevel(levels []string) string {
	top := ""
	for _, l := range levels {
		if levelRank(l) > levelRank(top) {
			top = l
		}
	}
	return top
}
