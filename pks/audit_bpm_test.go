package pks

import (
	"strings"
	"testing"
)

const bpmOff = `processes:
- name: kube-apiserver
  executable: /var/vcap/packages/kubernetes/bin/kube-apiserver
  limits:
    open_files: 65535
  args:
  - "--authorization-mode=RBAC"
  - "--secure-port=8443"
  - "--v=2"
  - --apiserver-count=3
  - --etcd-servers=https://master-0.etcd.cfcr.internal:2379
  hooks:
    pre_start: /var/vcap/jobs/kube-apiserver/bin/generate-config-files
`

func TestSetAuditInsertsInPlaceAndRemovesExactly(t *testing.T) {
	b, err := parseBPM([]byte(bpmOff))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"audit-log-path": "/var/vcap/sys/log/kube-apiserver/audit.log", "audit-policy-file": bosunPolicy, "audit-log-maxage": "30"}
	on, err := b.setAudit(want)
	if err != nil {
		t.Fatal(err)
	}
	wantText := strings.Replace(bpmOff, `  - "--authorization-mode=RBAC"`, `  - "--audit-log-maxage=30"
  - "--audit-log-path=/var/vcap/sys/log/kube-apiserver/audit.log"
  - "--audit-policy-file=/var/vcap/jobs/kube-apiserver/config/bosun-audit-policy.yml"
  - "--authorization-mode=RBAC"`, 1)
	if string(on) != wantText {
		t.Fatalf("enabled:\n%s\nwant:\n%s", on, wantText)
	}
	b2, err := parseBPM(on)
	if err != nil {
		t.Fatal(err)
	}
	// Change one value in place, then remove all.
	want["audit-log-maxage"] = "7"
	changed, err := b2.setAudit(want)
	if err != nil || !strings.Contains(string(changed), `  - "--audit-log-maxage=7"`+"\n  - \"--audit-log-path") {
		t.Fatalf("changed value: %v\n%s", err, changed)
	}
	off, err := b2.setAudit(map[string]string{})
	if err != nil || string(off) != bpmOff {
		t.Fatalf("disabled: %v\n%s", err, off)
	}
}

func TestSetAuditAppendsWhenNothingSortsAfter(t *testing.T) {
	src := "processes:\n- name: kube-apiserver\n  args:\n  - --allow-privileged=true\n  - --apiserver-count=1\n"
	b, err := parseBPM([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.setAudit(map[string]string{"audit-log-path": "/var/vcap/sys/log/kube-apiserver/a b.log"})
	if err != nil {
		t.Fatal(err)
	}
	if want := src + "  - \"--audit-log-path=/var/vcap/sys/log/kube-apiserver/a b.log\"\n"; string(out) != want && !strings.HasSuffix(string(out), "a b.log\n") {
		t.Fatalf("got:\n%s", out)
	}
	if !strings.HasPrefix(string(out), src) {
		t.Fatalf("existing lines changed:\n%s", out)
	}
}

func TestParseBPMRefusesWhatItCannotEdit(t *testing.T) {
	for name, src := range map[string]string{
		"not yaml":      "processes: [\n",
		"no processes":  "foo: 1\n",
		"flow args":     "processes:\n- name: kube-apiserver\n  args: [--a=1, --b=2]\n",
		"no args":       "processes:\n- name: kube-apiserver\n",
		"empty args":    "processes:\n- name: kube-apiserver\n  args: []\n",
		"multi-line":    "processes:\n- name: kube-apiserver\n  args:\n  - |\n    --a=1\n    --b=2\n",
		"not a mapping": "- a\n",
	} {
		if _, err := parseBPM([]byte(src)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestValidatePolicy(t *testing.T) {
	for _, level := range auditLevels {
		p, err := DefaultPolicy(level)
		if err != nil {
			t.Fatal(err)
		}
		levels, err := ValidatePolicy(p)
		if err != nil || topLevel(levels) != level && level != "None" {
			t.Fatalf("default policy %s: %v %v", level, levels, err)
		}
	}
	if _, err := DefaultPolicy("Everything"); err == nil {
		t.Error("unknown level accepted")
	}
	for name, src := range map[string]string{
		"v1beta1":   "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n",
		"kind":      "apiVersion: audit.k8s.io/v1\nkind: Pod\nrules:\n- level: None\n",
		"no rules":  "apiVersion: audit.k8s.io/v1\nkind: Policy\n",
		"bad level": "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n",
		"not yaml":  "{",
	} {
		if _, err := ValidatePolicy([]byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAuditLogPathByReleaseLine(t *testing.T) {
	for v, want := range map[string]string{"1.13.4": auditLogOld, "1.13.4-build.7": auditLogOld, "1.12.0": auditLogOld,
		"1.13.5": auditLogNew, "1.14.0": auditLogNew, "1.18.2": auditLogNew, "": auditLogNew} {
		if got := AuditLogPath(v); got != want {
			t.Errorf("AuditLogPath(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestDiffShowsChangedLines(t *testing.T) {
	d := Diff("f", []byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	if !strings.Contains(d, "-b\n+B\n") || !strings.HasPrefix(d, "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n") {
		t.Fatalf("diff:\n%s", d)
	}
	if Diff("f", []byte("x\n"), []byte("x\n")) != "" {
		t.Fatal("equal files give a diff")
	}
}

func TestArgDiff(t *testing.T) {
	got := argDiff([]string{"--a=1", "--b=2"}, []string{"--a=1", "--b=3", "--c"})
	if len(got) != 2 || !strings.Contains(got[0], "--b") || !strings.Contains(got[1], "--c: running") {
		t.Fatalf("argDiff = %v", got)
	}
}

func TestMasterAuditCells(t *testing.T) {
	for _, c := range []struct {
		m                  MasterAudit
		audit, drift, note string
	}{
		{MasterAudit{}, "off", "no", ""},
		{MasterAudit{Enabled: true, Drift: true, PolicyError: "policy file /p does not exist"}, "on", "yes", "policy file /p does not exist"},
		{MasterAudit{Error: "ssh: dropped", PolicyError: "bad policy"}, "off", "no", "ssh: dropped"},
	} {
		a, d, n := c.m.Cells()
		if a != c.audit || d != c.drift || n != c.note {
			t.Errorf("%+v: %q %q %q, want %q %q %q", c.m, a, d, n, c.audit, c.drift, c.note)
		}
	}
}
