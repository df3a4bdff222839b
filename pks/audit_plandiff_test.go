package pks

import (
	"strings"
	"testing"

	"bosun/bosh"
)

func testPlan(id, bpmAfter string) MasterPlan {
	return MasterPlan{Host: bosh.SSHHost{Group: "master", IndexOrID: id}, BPMBefore: []byte("a\nb\n"), BPMAfter: []byte(bpmAfter),
		PolicyAfter: []byte("kind: Policy\n")}
}

func TestPlanDiffShowsBothFilesUnderTheirPaths(t *testing.T) {
	d := PlanDiff(testPlan("0", "a\nb\nc\n"))
	for _, want := range []string{"--- a" + bpmPath + "\n", "@@ -1,2 +1,3 @@\n", "+c\n",
		"--- /dev/null\n+++ b" + bosunPolicy + "\n@@ -0,0 +1 @@\n+kind: Policy\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Index(d, bpmPath) > strings.Index(d, bosunPolicy) {
		t.Errorf("policy before bpm.yml:\n%s", d)
	}
	same := MasterPlan{BPMBefore: []byte("x\n"), BPMAfter: []byte("x\n")}
	if got := PlanDiff(same); got != "" {
		t.Errorf("diff of an unchanged master: %q", got)
	}
}

func TestSamePlans(t *testing.T) {
	a := []MasterPlan{testPlan("0", "a\nc\n"), testPlan("1", "a\nc\n")}
	reordered := []MasterPlan{a[1], a[0]}
	if !SamePlans(a, reordered) {
		t.Error("the same plans in another order differ")
	}
	changed := []MasterPlan{a[0], testPlan("1", "a\nd\n")}
	if SamePlans(a, changed) {
		t.Error("a different bpm.yml counts as the same plan")
	}
	other := []MasterPlan{a[0], testPlan("2", "a\nc\n")}
	if SamePlans(a, other) || SamePlans(a, a[:1]) {
		t.Error("different masters count as the same plan")
	}
	edited := []MasterPlan{a[0], a[1]}
	edited[1].PolicyBefore = []byte("kind: Policy\n")
	if SamePlans(a, edited) {
		t.Error("a policy changed meanwhile counts as the same plan")
	}
}
