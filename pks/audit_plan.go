package pks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"bosun/bosh"
)

// AuditChange is what an enable or disable asks for.
type AuditChange struct {
	Enable                     bool
	Level                      string // default policy level when Policy is nil; default Metadata
	Policy                     []byte // the user's policy file, validated before upload
	MaxAge, MaxBackup, MaxSize *int
	// KuboVersion is the cluster's kubo release version: it decides the
	// audit log path (moved in TKGI 1.13.5).
	KuboVersion string
}

// Defaults for the log backend when neither the user nor the file gives a
// value (the CFCR ops-file example values).
const (
	DefaultMaxAge    = 30
	DefaultMaxBackup = 10
	DefaultMaxSize   = 100
)

// AuditLogPath is the audit log path of a kubo release line.
func AuditLogPath(kuboVersion string) string {
	if kuboVersion != "" && versionBefore(kuboVersion, "1.13.5") {
		return auditLogOld
	}
	return auditLogNew
}

// versionBefore compares dotted numeric versions ("1.13.4-build.2").
func versionBefore(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(strings.SplitN(as[i], "-", 2)[0])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(strings.SplitN(bs[i], "-", 2)[0])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// MasterPlan is the change to one master: bpm.yml and bosun's policy
// file before and after (nil: absent).
type MasterPlan struct {
	Host         bosh.SSHHost
	BPMBefore    []byte
	BPMAfter     []byte
	PolicyBefore []byte
	PolicyAfter  []byte
	FlagsBefore  map[string]string
	FlagsAfter   map[string]string
}

// Instance is "group/id".
func (p MasterPlan) Instance() string { return p.Host.Instance() }

// NoChange is true when the master already is as asked.
func (p MasterPlan) NoChange() bool {
	return bytes.Equal(p.BPMBefore, p.BPMAfter) && bytes.Equal(p.PolicyBefore, p.PolicyAfter)
}

// Plan reads every master and works out its new files. It changes nothing.
func Plan(ctx context.Context, r Runner, hosts []bosh.SSHHost, layout MasterLayout, c AuditChange) ([]MasterPlan, error) {
	var policy []byte
	if c.Enable {
		var err error
		policy, err = c.policy()
		if err != nil {
			return nil, err
		}
	}
	plans := make([]MasterPlan, 0, len(hosts))
	for _, h := range hosts {
		m := master{r: r, h: h, layout: layout}
		src, err := m.read(ctx, bpmPath)
		if err != nil {
			return nil, fmt.Errorf("read bpm.yml: %w", err)
		}
		b, err := parseBPM(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.Instance(), err)
		}
		oldPolicy, err := m.read(ctx, bosunPolicy)
		if err != nil && !errors.Is(err, errNotFound) {
			return nil, err
		}
		before := auditFlags(b.values())
		want := c.flags(before)
		after, err := b.setAudit(want)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.Instance(), err)
		}
		p := MasterPlan{Host: h, BPMBefore: src, BPMAfter: after, PolicyBefore: oldPolicy, FlagsBefore: before, FlagsAfter: want}
		if c.Enable {
			p.PolicyAfter = policy
		} else if before["audit-policy-file"] == bosunPolicy {
			p.PolicyAfter = nil // disable removes bosun's own policy once unused
		} else {
			p.PolicyAfter = oldPolicy
		}
		plans = append(plans, p)
	}
	return plans, nil
}

func (c AuditChange) policy() ([]byte, error) {
	if c.Policy != nil {
		if _, err := ValidatePolicy(c.Policy); err != nil {
			return nil, err
		}
		return c.Policy, nil
	}
	level := c.Level
	if level == "" {
		level = "Metadata"
	}
	return DefaultPolicy(level)
}

// flags are the audit flags the master should have.
func (c AuditChange) flags(before map[string]string) map[string]string {
	if !c.Enable {
		return map[string]string{}
	}
	pick := func(name string, v *int, def int) string {
		if v != nil {
			return strconv.Itoa(*v)
		}
		if old, ok := before[name]; ok && old != "" {
			return old
		}
		return strconv.Itoa(def)
	}
	want := maps.Clone(before)
	for k := range want {
		if strings.HasPrefix(k, "audit-log-") || k == "audit-policy-file" {
			delete(want, k)
		}
	}
	want["audit-log-path"] = AuditLogPath(c.KuboVersion)
	want["audit-policy-file"] = bosunPolicy
	want["audit-log-maxage"] = pick("audit-log-maxage", c.MaxAge, DefaultMaxAge)
	want["audit-log-maxbackup"] = pick("audit-log-maxbackup", c.MaxBackup, DefaultMaxBackup)
	want["audit-log-maxsize"] = pick("audit-log-maxsize", c.MaxSize, DefaultMaxSize)
	for _, k := range []string{"audit-log-format", "audit-log-mode", "audit-log-compress"} {
		if v, ok := before[k]; ok {
			want[k] = v
		}
	}
	return want
}
