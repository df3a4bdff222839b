package pks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"bosun/bosh"
)

// MasterAudit is the audit state of one master.
type MasterAudit struct {
	Instance     string            `json:"instance"`
	Enabled      bool              `json:"enabled"`
	Flags        map[string]string `json:"flags"` // the --audit-* flags of bpm.yml, by name
	PolicyFile   string            `json:"policy_file"`
	PolicyLevel  string            `json:"policy_level"`  // the most detailed level the policy records
	PolicyLevels []string          `json:"policy_levels"` // every level in rule order
	PolicyError  string            `json:"policy_error"`
	ProcessState string            `json:"process_state"`
	Drift        bool              `json:"drift"`       // the running process's args differ from bpm.yml
	DriftFlags   []string          `json:"drift_flags"` // the flags that differ
	// Reverted: bosun's last change is gone, and there is evidence of what
	// undid it (RecordNote says which): a deploy after it, or a bpm.yml
	// that bosun did not write.
	Reverted bool `json:"reverted"`
	// DiffersFromRecord: the audit flags are not the ones bosun's last
	// record left, whatever the reason (Reverted or not).
	DiffersFromRecord bool `json:"differs_from_record"`
	// RecordNote says why, when DiffersFromRecord: the evidence of a
	// revert, or "differs from bosun's last record (reason unknown)".
	RecordNote string `json:"record_note"`
	// Lock is who holds an audit roll's lock on this master (the first
	// master of the cluster, where rolls take it); null when free.
	Lock  *LockHolder `json:"lock"`
	Error string      `json:"error"` // "" when the master was read
}

// Enabled: the log backend has a path and a policy file is named.
func auditEnabled(flags map[string]string) bool {
	return flags["audit-log-path"] != "" && flags["audit-policy-file"] != "" || flags["audit-webhook-config-file"] != "" && flags["audit-policy-file"] != ""
}

// Cells are the words a status table shows for m: "on"/"off", drift
// "yes"/"no", and the note: the read error, else the policy's problem,
// then how the master compares with bosun's last record.
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
	if m.RecordNote != "" {
		note = strings.TrimPrefix(note+"; "+m.RecordNote, "; ")
	}
	if m.Lock != nil {
		note = strings.TrimPrefix(note+"; audit roll locked by "+m.Lock.String(), "; ")
	}
	return audit, drift, note
}

// LastRecord is bosun's last history record of a change to one master
// (the cache's audit history).
type LastRecord struct {
	At         time.Time
	Outcome    string            // a MasterResult outcome
	FlagsAfter map[string]string // the --audit-* flags bosun left on the master
	Backup     string            // the bpm.yml backup the change made on the master; "" when none
}

// RecordCheck is what StatusAgainst compares the masters with.
type RecordCheck struct {
	// Last is bosun's last record of each master, by instance
	// ("group/id"). A master without one is not compared.
	Last map[string]LastRecord
	// LastDeploy is when the last deploy task on the deployment ended
	// (the time of the check, while one runs); zero when not known.
	// LastDeployTask is its id, for the note; 0 when not known.
	LastDeploy     time.Time
	LastDeployTask int
}

// RecordNoteUnknown is the note of a master whose audit flags differ
// from bosun's last record with no evidence of why: not a deploy known to
// have run since, and a bpm.yml that bosun itself could have written
// (such as a later bosun change whose record was never written, its run
// killed while the master waited for health).
const RecordNoteUnknown = "differs from bosun's last record (reason unknown)"

// DefaultParallel bounds the masters read at once by Status.
const DefaultParallel = 16

// Status reads every master's audit state, at most parallel at once.
func Status(ctx context.Context, r Runner, hosts []bosh.SSHHost, layout MasterLayout, parallel int) []MasterAudit {
	return StatusAgainst(ctx, r, hosts, layout, parallel, RecordCheck{})
}

// StatusAgainst is Status, with each master compared with bosun's last
// record of it. A master whose audit flags are not the ones recorded is
// DiffersFromRecord; it is Reverted only on evidence: a deploy that ended
// after the record (rc.LastDeploy), or, for a change the record says was
// applied or rolled back, a bpm.yml that is not what bosun wrote then
// with the audit flags it has now set by bosun's own edit (re-rendered
// or edited by something else). Without evidence the note is
// RecordNoteUnknown. Records of masters left as "rollback failed" or
// "not reached" are not compared.
func StatusAgainst(ctx context.Context, r Runner, hosts []bosh.SSHHost, layout MasterLayout, parallel int, rc RecordCheck) []MasterAudit {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	out := make([]MasterAudit, len(hosts))
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, h := range hosts {
		g.Go(func() error {
			m := master{r: r, h: h, layout: layout}
			st, src := masterStatus(ctx, m)
			if rec, ok := rc.Last[st.Instance]; ok && st.Error == "" {
				compareRecord(ctx, m, &st, src, rec, rc)
			}
			if i == 0 && st.Error == "" {
				st.Lock, _ = m.readLock(ctx) // where rolls take it
			}
			out[i] = st
			return nil
		})
	}
	g.Wait()
	return out
}

// masterStatus reads one master's state; src is its bpm.yml.
func masterStatus(ctx context.Context, m master) (st MasterAudit, src []byte) {
	st = MasterAudit{Instance: m.h.Instance(), Flags: map[string]string{}, PolicyLevels: []string{}}
	src, err := m.read(ctx, bpmPath)
	if err != nil {
		st.Error = err.Error()
		return st, nil
	}
	b, err := parseBPM(src)
	if err != nil {
		st.Error = err.Error()
		return st, nil
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
		return st, src
	}
	st.DriftFlags = argDiff(args, running)
	st.Drift = len(st.DriftFlags) > 0
	return st, src
}

// compareRecord sets st's record fields from bosun's last record of the
// master; src is the master's bpm.yml now.
func compareRecord(ctx context.Context, m master, st *MasterAudit, src []byte, rec LastRecord, rc RecordCheck) {
	if rec.Outcome == OutcomeRollbackFailed || rec.Outcome == OutcomeNotReached || maps.Equal(rec.FlagsAfter, st.Flags) {
		return
	}
	st.DiffersFromRecord = true
	since := rec.At.UTC().Format(time.RFC3339)
	if !rc.LastDeploy.IsZero() && rc.LastDeploy.After(rec.At) {
		task := "a deploy"
		if rc.LastDeployTask != 0 {
			task = fmt.Sprintf("deploy task %d", rc.LastDeployTask)
		}
		st.Reverted = true
		st.RecordNote = fmt.Sprintf("reverted: %s ended at %s, after bosun's change at %s", task, rc.LastDeploy.UTC().Format(time.RFC3339), since)
		return
	}
	if foreignBPM(ctx, m, src, st.Flags, rec) {
		st.Reverted = true
		st.RecordNote = "reverted: bpm.yml was rewritten since bosun's change at " + since + ", not by bosun (re-rendered or edited)"
		return
	}
	st.RecordNote = RecordNoteUnknown
}

// foreignBPM reports evidence that something other than bosun wrote the
// master's bpm.yml (src, whose audit flags are now) after rec: what bosun
// left then is the backup rec made, with rec's flags set when the change
// was applied; any later bosun change only sets audit flags in it. A
// file that is not that, with its flags now, was written by someone
// else. No backup to read, no evidence.
func foreignBPM(ctx context.Context, m master, src []byte, now map[string]string, rec LastRecord) bool {
	if rec.Backup == "" || rec.Outcome != OutcomeChanged && rec.Outcome != OutcomeRolledBack {
		return false
	}
	left, err := m.read(ctx, rec.Backup)
	if err != nil {
		return false
	}
	if rec.Outcome == OutcomeChanged {
		b, err := parseBPM(left)
		if err != nil {
			return false
		}
		if left, err = b.setAudit(rec.FlagsAfter); err != nil {
			return false
		}
	}
	b, err := parseBPM(left)
	if err != nil {
		return false
	}
	bosuns, err := b.setAudit(now)
	return err == nil && !bytes.Equal(bosuns, src)
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
// the ones bosun last applied there.
//
// Deprecated: a difference alone is no evidence of a revert (a bosun run
// killed before it recorded its change leaves one too); use
// StatusAgainst, which sets MasterAudit.Reverted only on evidence and
// says why in RecordNote.
func Reverted(applied, now map[string]string) bool {
	return !maps.Equal(applied, now)
}
