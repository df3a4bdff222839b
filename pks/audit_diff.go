package pks

import (
	"bytes"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// DiffContext is the number of unchanged lines shown around each change
// in a Diff, as diff -u shows them.
const DiffContext = 3

// Diff is the unified diff of one file, as `diff -u` writes it and
// `patch` reads it: "--- a/PATH" and "+++ b/PATH" (PATH without its
// leading "/", so `patch -p1` run from / applies it, and plain `patch
// FILE` applies it to the file), then line-numbered hunks
// ("@@ -l,s +l,s @@") with DiffContext lines of context. A nil side is
// an absent file and is named /dev/null: a file the change creates, or
// one it removes. "" when the two are equal.
func Diff(path string, before, after []byte) string {
	if bytes.Equal(before, after) && (before == nil) == (after == nil) {
		return ""
	}
	rel := strings.TrimPrefix(path, "/")
	from, to := "a/"+rel, "b/"+rel
	if before == nil {
		from = "/dev/null"
	}
	if after == nil {
		to = "/dev/null"
	}
	old := string(before)
	edits := udiff.Lines(old, string(after))
	d, err := udiff.ToUnified(from, to, old, edits, DiffContext)
	if err != nil {
		// The edits were computed from old itself, so they always apply.
		panic("pks: unified diff of " + path + ": " + err.Error())
	}
	return d
}

// PlanDiff is one master's change as the dry run shows it: the diff of
// bpm.yml, then of bosun's policy file, each under its path on the
// master, so that saved to a file it applies with `patch -p1` run from /
// on that master; "" when the master is already as asked.
func PlanDiff(p MasterPlan) string {
	return p.BPMDiff() + p.PolicyDiff()
}

// BPMDiff is the unified diff of the master's
// /var/vcap/jobs/kube-apiserver/config/bpm.yml; "" when unchanged.
func (p MasterPlan) BPMDiff() string { return Diff(bpmPath, p.BPMBefore, p.BPMAfter) }

// PolicyDiff is the unified diff of bosun's audit policy file on the
// master, from /dev/null when the change creates it and to /dev/null
// when it removes it; "" when unchanged.
func (p MasterPlan) PolicyDiff() string { return Diff(bosunPolicy, p.PolicyBefore, p.PolicyAfter) }

// SamePlans reports whether two plans of a cluster change the same
// masters from the same files to the same files: what an operator
// confirmed is what gets applied.
func SamePlans(a, b []MasterPlan) bool {
	if len(a) != len(b) {
		return false
	}
	byInstance := make(map[string]MasterPlan, len(a))
	for _, p := range a {
		byInstance[p.Instance()] = p
	}
	for _, q := range b {
		p, ok := byInstance[q.Instance()]
		if !ok || string(p.BPMBefore) != string(q.BPMBefore) || string(p.BPMAfter) != string(q.BPMAfter) ||
			string(p.PolicyBefore) != string(q.PolicyBefore) || string(p.PolicyAfter) != string(q.PolicyAfter) {
			return false
		}
	}
	return true
}
