package pks

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"golang.org/x/sync/errgroup"

	"bosun/bosh"
)

// MasterAudit is the audit state of one master.
type MasterAudit struct {
	Instance     string            `json:"instance"`
	Enabled      bool              `json:"enabled"`
	Flags        map[string]string `json:"flags"` // the --audit-* flags of bpm.yml, by name
	PolicyFile   string            `json:"policy_file,omitempty"`
	PolicyLevel  string            `json:"policy_level"`  // the most detailed level the policy records
	PolicyLevels []string          `json:"policy_levels"` // every level in rule order
	PolicyError  string            `json:"policy_error,omitempty"`
	ProcessState string            `json:"process_state"`
	Drift        bool              `json:"drift"`                 // the running process's args differ from bpm.yml
	DriftFlags   []string          `json:"drift_flags,omitempty"` // the flags that differ
	Reverted     bool              `json:"reverted"`              // a change bosun applied is gone (a later deploy)
	Error        string            `json:"error,omitempty"`
}

// Enabled: the log backend has a path and a policy file is named.
func auditEnabled(flags map[string]string) bool {
	return flags["audit-log-path"] != "" && flags["audit-policy-file"] != "" || flags["audit-webhook-config-file"] != "" && flags["audit-policy-file"] != ""
}

// Cells are the words a status table shows for m: "on"/"off", drift
// "yes"/"no", and the note: the read error, else the policy's problem.
func (m MasterAudit) Cells() (audit, drift, note string) {
	audit, drift, note = "off", "no", m.Error
	if m.Enabled {
		audit = "on"
	}
	if m.Drift {
		drift = "yes"
	}
	if note == "" {
		note = m.PolicyError
	}
	return audit, drift, note
}

// DefaultParallel bounds the masters read at once by Status.
const DefaultParallel = 16

// Status reads every master's audit state, at most parallel at once.
func Status(ctx context.Context, r Runner, hosts []bosh.SSHHost, layout MasterLayout, parallel int) []MasterAudit {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	out := make([]MasterAudit, len(hosts))
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, h := range hosts {
		g.Go(func() error {
			out[i] = masterStatus(ctx, master{r: r, h: h, layout: layout})
			return nil
		})
	}
	g.Wait()
	return out
}

func masterStatus(ctx context.Context, m master) MasterAudit {
	st := MasterAudit{Instance: m.h.Instance(), Flags: map[string]string{}, PolicyLevels: []string{}}
	src, err := m.read(ctx, bpmPath)
	if err != nil {
		st.Error = err.Error()
		return st
	}
	b, err := parseBPM(src)
	if err != nil {
		st.Error = err.Error()
		return st
	}
	args := b.values()
	st.Flags = auditFlags(args)
	st.Enabled = auditEnabled(st.Flags)
	if pf := st.Flags["audit-policy-file"]; pf != "" {
		st.PolicyFile = pf
		pol, err := m.read(ctx, pf)
		switch {
		case errors.Is(err, errNotFound):
			st.PolicyError = "policy file " + pf + " does not exist"
		case err != nil:
			st.PolicyError = err.Error()
		default:
			levels, err := ValidatePolicy(pol)
			if err != nil {
				st.PolicyError = err.Error()
			} else {
				st.PolicyLevels, st.PolicyLevel = levels, topLevel(levels)
			}
		}
	}
	if pr, err := m.probe(ctx); err == nil {
		st.ProcessState = pr.state
		if pr.state == "running" && !pr.healthy {
			st.ProcessState = "running, /healthz failing"
		}
	} else {
		st.Error = err.Error()
	}
	running, err := m.runningArgs(ctx)
	if err != nil {
		if st.Error == "" {
			st.Error = "running args: " + err.Error()
		}
		return st
	}
	st.DriftFlags = argDiff(args, running)
	st.Drift = len(st.DriftFlags) > 0
	return st
}

// argDiff names the flags whose values differ between the file and the
// running process, as "name: file X, running Y".
func argDiff(file, running []string) []string {
	index := func(args []string) map[string]string {
		m := map[string]string{}
		for _, a := range args {
			m[flagName(a)] = flagValue(a)
		}
		return m
	}
	f, r := index(file), index(running)
	names := slices.Collect(maps.Keys(f))
	for k := range r {
		if _, ok := f[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		fv, fok := f[k]
		rv, rok := r[k]
		switch {
		case fok && !rok:
			out = append(out, fmt.Sprintf("--%s: in bpm.yml, not running", k))
		case !fok && rok:
			out = append(out, fmt.Sprintf("--%s: running, not in bpm.yml", k))
		case fv != rv:
			out = append(out, fmt.Sprintf("--%s: bpm.yml %q, running %q", k, fv, rv))
		}
	}
	return out
}

// Reverted reports whether the audit flags a master has now differ from
// the ones bosun last applied there: a deploy re-rendered bpm.yml.
func Reverted(applied, now map[string]string) bool {
	return !maps.Equal(applied, now)
}
