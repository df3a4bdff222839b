package pks

import (
	"fmt"
	"strings"
)

// Diff renders a unified-style line diff of a file (--- a, +++ b, hunks
// with context lines), "" when equal.
func Diff(name string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	al, bl := splitLines(a), splitLines(b)
	// Longest common subsequence table; files here are tens of lines.
	n, m := len(al), len(bl)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte // ' ', '-', '+'
		text string
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && al[i] == bl[j]:
			ops = append(ops, op{' ', al[i]})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', al[i]})
			i++
		default:
			ops = append(ops, op{'+', bl[j]})
			j++
		}
	}
	const context = 2
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s (new)\n", name, name)
	show := make([]bool, len(ops))
	for k, o := range ops {
		if o.kind != ' ' {
			for c := max(0, k-context); c <= min(len(ops)-1, k+context); c++ {
				show[c] = true
			}
		}
	}
	gap := false
	for k, o := range ops {
		if !show[k] {
			gap = true
			continue
		}
		if gap || k == 0 {
			out.WriteString("@@\n")
			gap = false
		}
		out.WriteByte(o.kind)
		out.WriteString(o.text)
		out.WriteByte('\n')
	}
	return out.String()
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// PlanDiff is one master's change as the dry run shows it: the diff of
// bpm.yml, then of bosun's policy file, each under its path on the
// master; "" when the master is already as asked.
func PlanDiff(p MasterPlan) string {
	return Diff(bpmPath, p.BPMBefore, p.BPMAfter) + Diff(bosunPolicy, p.PolicyBefore, p.PolicyAfter)
}

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
