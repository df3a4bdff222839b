package pks

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// typicalPlan is the change `audit enable` (or disable, from enabled)
// plans for a master holding bpmOff: bpm.yml's args and bosun's policy.
func typicalPlan(t *testing.T, enable bool) MasterPlan {
	t.Helper()
	on := AuditChange{Enable: true, Level: "Metadata", KuboVersion: "1.18.2"}
	b, err := parseBPM([]byte(bpmOff))
	if err != nil {
		t.Fatal(err)
	}
	bpmOn, err := b.setAudit(on.flags(auditFlags(b.values())))
	if err != nil {
		t.Fatal(err)
	}
	policy, err := on.policy()
	if err != nil {
		t.Fatal(err)
	}
	if enable {
		return MasterPlan{BPMBefore: []byte(bpmOff), BPMAfter: bpmOn, PolicyAfter: policy}
	}
	b, err = parseBPM(bpmOn)
	if err != nil {
		t.Fatal(err)
	}
	bpmBack, err := b.setAudit(AuditChange{}.flags(auditFlags(b.values())))
	if err != nil {
		t.Fatal(err)
	}
	return MasterPlan{BPMBefore: bpmOn, BPMAfter: bpmBack, PolicyBefore: policy}
}

func TestPlanDiffGolden(t *testing.T) {
	for name, enable := range map[string]bool{"enable": true, "disable": false} {
		t.Run(name, func(t *testing.T) {
			got := PlanDiff(typicalPlan(t, enable))
			path := filepath.Join("testdata", "plan_diff_"+name+".golden")
			if *updateGolden {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./pks -run PlanDiffGolden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("diff of a typical master's %s differs from %s:\n%s", name, path, Diff(path, want, []byte(got)))
			}
		})
	}
}

// diffCase is a file's change on a master: nil is an absent file.
type diffCase struct {
	name          string
	path          string
	before, after []byte
}

func diffCases(t *testing.T) []diffCase {
	on, off := typicalPlan(t, true), typicalPlan(t, false)
	var long, longEdited strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&long, "line %d\n", i)
		switch i {
		case 2:
			longEdited.WriteString("line two\n")
		case 20:
		case 38:
			fmt.Fprintf(&longEdited, "line %d\nline 38½\n", i)
		default:
			fmt.Fprintf(&longEdited, "line %d\n", i)
		}
	}
	return []diffCase{
		{"bpm enable", bpmPath, on.BPMBefore, on.BPMAfter},
		{"policy created", bosunPolicy, on.PolicyBefore, on.PolicyAfter},
		{"bpm disable", bpmPath, off.BPMBefore, off.BPMAfter},
		{"policy removed", bosunPolicy, off.PolicyBefore, off.PolicyAfter},
		{"three hunks", bpmPath, []byte(long.String()), []byte(longEdited.String())},
		{"no newline at the end", bpmPath, []byte("a\nb\nc"), []byte("a\nB\nc")},
		{"newline added at the end", bpmPath, []byte("a\nb"), []byte("a\nb\n")},
	}
}

func TestDiffIsUnifiedWithNumberedHunks(t *testing.T) {
	for _, c := range diffCases(t) {
		d := Diff(c.path, c.before, c.after)
		from, to := "--- a"+c.path+"\n", "+++ b"+c.path+"\n"
		if c.before == nil {
			from = "--- /dev/null\n"
		}
		if c.after == nil {
			to = "+++ /dev/null\n"
		}
		if !strings.HasPrefix(d, from+to+"@@ -") {
			t.Errorf("%s: diff does not start with %q%q@@:\n%s", c.name, from, to, d)
		}
		got, removed, err := applyUnified(c.before, d)
		if err != nil {
			t.Errorf("%s: %v in\n%s", c.name, err, d)
			continue
		}
		if removed != (c.after == nil) || !bytes.Equal(got, c.after) {
			t.Errorf("%s: applied, the diff gives %q (removed %v), want %q\n%s", c.name, got, removed, c.after, d)
		}
	}
	if n := strings.Count(Diff("f", diffCases(t)[4].before, diffCases(t)[4].after), "\n@@ -"); n != 3 {
		t.Errorf("changes 18 lines apart make %d hunks, want 3", n)
	}
	// The applier above is strict: a hunk moved by one line fails.
	on := typicalPlan(t, true)
	shifted := strings.Replace(on.BPMDiff(), "@@ -4,6 +4,11 @@", "@@ -5,6 +5,11 @@", 1)
	if _, _, err := applyUnified(on.BPMBefore, shifted); err == nil || shifted == on.BPMDiff() {
		t.Errorf("a hunk one line off applies:\n%s", shifted)
	}
	if d := Diff(bpmPath, []byte("x\n"), []byte("x\n")); d != "" {
		t.Errorf("equal files give a diff: %q", d)
	}
}

// TestPlanDiffAppliesWithPatch saves a master's dry-run diff and applies
// it as an operator would, with `patch -p1` from the master's root, and
// one file's diff with plain `patch FILE`.
func TestPlanDiffAppliesWithPatch(t *testing.T) {
	patch, err := exec.LookPath("patch")
	if err != nil {
		t.Skip("no patch program here; TestDiffIsUnifiedWithNumberedHunks applies the diffs in Go")
	}
	run := func(t *testing.T, dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(patch, append([]string{"--fuzz=0", "--no-backup-if-mismatch"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "offset") || strings.Contains(string(out), "fuzz") {
			t.Fatalf("patch %v: %v\n%s", args, err, out)
		}
	}
	for _, enable := range []bool{true, false} {
		p := typicalPlan(t, enable)
		root := t.TempDir()
		put := func(path string, data []byte) {
			if data == nil {
				return
			}
			if err := os.MkdirAll(filepath.Dir(root+path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(root+path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		put(bpmPath, p.BPMBefore)
		put(bosunPolicy, p.PolicyBefore)
		saved := filepath.Join(t.TempDir(), "master-0.diff")
		// What the dry run prints around a master's diff; patch skips it.
		if err := os.WriteFile(saved, []byte("== master/0\n"+PlanDiff(p)), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, root, "-p1", "-i", saved)
		if got, err := os.ReadFile(root + bpmPath); err != nil || !bytes.Equal(got, p.BPMAfter) {
			t.Errorf("enable %v: bpm.yml after patch -p1 (%v):\n%s", enable, err, Diff(bpmPath, p.BPMAfter, got))
		}
		got, err := os.ReadFile(root + bosunPolicy)
		switch {
		case p.PolicyAfter == nil && !os.IsNotExist(err):
			t.Errorf("enable %v: patch -p1 left the policy file (%v)", enable, err)
		case p.PolicyAfter != nil && (err != nil || !bytes.Equal(got, p.PolicyAfter)):
			t.Errorf("enable %v: policy after patch -p1 (%v):\n%s", enable, err, Diff(bosunPolicy, p.PolicyAfter, got))
		}

		one := filepath.Join(t.TempDir(), "bpm.yml")
		if err := os.WriteFile(one, p.BPMBefore, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(saved, []byte(p.BPMDiff()), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, filepath.Dir(one), one, saved)
		if got, err := os.ReadFile(one); err != nil || !bytes.Equal(got, p.BPMAfter) {
			t.Errorf("enable %v: bpm.yml after patch FILE (%v):\n%s", enable, err, Diff(bpmPath, p.BPMAfter, got))
		}
	}
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyUnified applies a one-file unified diff to before, strictly: each
// hunk must start at the line its header names, its context and removed
// lines must match, and its line counts must be the header's. removed
// reports a diff to /dev/null.
func applyUnified(before []byte, diff string) (after []byte, removed bool, err error) {
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return nil, false, fmt.Errorf("no ---/+++ header")
	}
	removed = lines[1] == "+++ /dev/null\n"
	old := strings.SplitAfter(string(before), "\n")
	if old[len(old)-1] == "" {
		old = old[:len(old)-1]
	}
	var out []string
	next := 0 // the next line of old to copy, 0-based
	num := func(s string, def int) int {
		if s == "" {
			return def
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	for i := 2; i < len(lines) && lines[i] != ""; {
		m := hunkHeader.FindStringSubmatch(strings.TrimSuffix(lines[i], "\n"))
		if m == nil {
			return nil, false, fmt.Errorf("line %d: not a hunk header: %q", i+1, lines[i])
		}
		oldStart, oldCount, newStart, newCount := num(m[1], 0), num(m[2], 1), num(m[3], 0), num(m[4], 1)
		first := oldStart - 1 // 0-based; a hunk of no old lines names the line before it
		if oldCount == 0 {
			first = oldStart
		}
		if first < next || first > len(old) {
			return nil, false, fmt.Errorf("hunk %q starts at old line %d, past %d", m[0], oldStart, next)
		}
		out = append(out, old[next:first]...)
		next = first
		if wantNew := len(out) + 1; newCount > 0 && newStart != wantNew || newCount == 0 && newStart != len(out) {
			return nil, false, fmt.Errorf("hunk %q names new line %d, it is %d", m[0], newStart, wantNew)
		}
		i++
		gotOld, gotNew := 0, 0
		for ; i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			if strings.HasPrefix(l, `\ `) { // "\ No newline at end of file", said of the line before
				continue
			}
			text := l[1:]
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], `\ `) {
				text = strings.TrimSuffix(text, "\n")
			}
			switch l[0] {
			case ' ', '-':
				if next >= len(old) || old[next] != text {
					return nil, false, fmt.Errorf("line %d: %q does not match old line %d", i+1, l, next+1)
				}
				next++
				gotOld++
				if l[0] == ' ' {
					out = append(out, text)
					gotNew++
				}
			case '+':
				out = append(out, text)
				gotNew++
			default:
				return nil, false, fmt.Errorf("line %d: %q in a hunk", i+1, l)
			}
		}
		if gotOld != oldCount || gotNew != newCount {
			return nil, false, fmt.Errorf("hunk %q holds %d old and %d new lines", m[0], gotOld, gotNew)
		}
	}
	out = append(out, old[next:]...)
	if removed {
		if len(out) != 0 {
			return nil, false, fmt.Errorf("a diff to /dev/null leaves %q", out)
		}
		return nil, true, nil
	}
	return []byte(strings.Join(out, "")), false, nil
}
