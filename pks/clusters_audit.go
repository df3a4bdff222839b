package pks

import "strings"

// Audit states of a cluster as bosun last left its masters.
const (
	AuditOn    = "on"
	AuditOff   = "off"
	AuditMixed = "mixed" // some masters on, some off
)

// AuditState sums up the audit flags bosun last wrote on each master
// (one map of --audit-* flags per master): on, off, mixed, or "" when
// there is no record.
func AuditState(flagsAfter []map[string]string) string {
	if len(flagsAfter) == 0 {
		return ""
	}
	on := 0
	for _, f := range flagsAfter {
		if auditFlagsOn(f) {
			on++
		}
	}
	switch on {
	case 0:
		return AuditOff
	case len(flagsAfter):
		return AuditOn
	}
	return AuditMixed
}

// auditFlagsOn says whether flags (with or without leading dashes) set
// an audit log path and a policy.
func auditFlagsOn(flags map[string]string) bool {
	var path, policy bool
	for k, v := range flags {
		k = strings.TrimLeft(k, "-")
		path = path || k == "audit-log-path" && v != ""
		policy = policy || k == "audit-policy-file" && v != ""
	}
	return path && policy
}
