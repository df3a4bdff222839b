package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"bosun/sim"
)

// threeMasterClusterOff finds, through the binary, a 3-master cluster whose
// audit logging is off, and its masters' uuids.
func threeMasterClusterOff(t *testing.T, e *env) (string, []string) {
	t.Helper()
	deps := decode[[]map[string]any](t, e.run("deployments", "--json"))
	for _, d := range deps {
		name := d["name"].(string)
		if !strings.HasPrefix(name, "service-instance_") {
			continue
		}
		st := decode[auditStatusJSON](t, e.run("audit", "status", "-c", name, "--json"))
		if len(st.Masters) == 3 && !st.Masters[0].Enabled {
			var ids []string
			for _, m := range st.Masters {
				ids = append(ids, strings.TrimPrefix(m.Instance, "master/"))
			}
			return name, ids
		}
	}
	t.Fatal("no 3-master cluster with audit off")
	return "", nil
}

type auditStatusJSON struct {
	Cluster    string `json:"cluster"`
	Deployment string `json:"deployment"`
	Masters    []struct {
		Instance    string            `json:"instance"`
		Enabled     bool              `json:"enabled"`
		Flags       map[string]string `json:"flags"`
		PolicyLevel string            `json:"policy_level"`
		Drift       bool              `json:"drift"`
		Reverted    bool              `json:"reverted"`
		Differs     bool              `json:"differs_from_record"`
		RecordNote  string            `json:"record_note"`
	} `json:"masters"`
}

func TestAuditEnableStatusRevertDisable(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, APIServerStart: 30 * time.Millisecond})
	e := newEnv(t)
	e.pointAt(f)
	dep, ids := threeMasterClusterOff(t, e)
	var orig [][]byte
	for _, id := range ids {
		b, err := f.VMFile(dep, id, "/var/vcap/jobs/kube-apiserver/config/bpm.yml")
		if err != nil {
			t.Fatal(err)
		}
		orig = append(orig, b)
	}
	r := e.run("audit", "enable", "-c", dep, "--level", "RequestResponse", "--maxage", "14", "--health-poll", "10ms")
	if r.code != 2 || !strings.Contains(r.stderr, "refusing without --yes") {
		t.Fatalf("enable without --yes: exit %d, %s", r.code, r.stderr)
	}
	r = e.run("audit", "enable", "-c", dep, "--level", "RequestResponse", "--maxage", "14", "--yes", "--health-poll", "10ms")
	if r.code != 0 || strings.Count(r.stdout, " changed ") != 3 || !strings.Contains(r.stderr, "reverts this change") {
		t.Fatalf("enable: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// The history has the refusal and the roll, with each master and the
	// commands by hand.
	type action struct {
		Action, Outcome, Command, Cluster string
		Targets                           []struct{ Name, Outcome string }
	}
	acts := decode[[]action](t, e.run("history", "--json", "-d", dep))
	if len(acts) != 2 || acts[1].Outcome != "refused" || acts[0].Action != "audit enable" || acts[0].Outcome != "applied" ||
		len(acts[0].Targets) != 3 || strings.Count(acts[0].Command, "monit restart kube-apiserver") != 3 || acts[0].Cluster != dep {
		t.Fatalf("history after enable: %+v", acts)
	}
	for _, tg := range acts[0].Targets {
		if !strings.HasPrefix(tg.Name, "master/") || tg.Outcome != "applied" {
			t.Errorf("target %+v", tg)
		}
	}
	st := decode[auditStatusJSON](t, e.run("audit", "status", "-c", strings.TrimPrefix(dep, "service-instance_"), "--json"))
	if st.Deployment != dep || len(st.Masters) != 3 {
		t.Fatalf("status by uuid: %+v", st)
	}
	for _, m := range st.Masters {
		if !m.Enabled || m.PolicyLevel != "RequestResponse" || m.Flags["audit-log-maxage"] != "14" || m.Drift || m.Reverted {
			t.Fatalf("after enable: %+v", m)
		}
	}
	// bpm.yml re-rendered as it was, with no deploy task to show for it:
	// status says the masters differ from bosun's record and does not
	// claim a deploy reverted anything it cannot show.
	if err := f.RenderJobs(dep); err != nil {
		t.Fatal(err)
	}
	st = decode[auditStatusJSON](t, e.run("audit", "status", "-c", dep, "--json"))
	for _, m := range st.Masters {
		if m.Enabled || m.Reverted || !m.Differs || !strings.Contains(m.RecordNote, "reason unknown") {
			t.Fatalf("after a re-render without evidence: %+v", m)
		}
	}
	r = e.run("audit", "status", "-c", dep)
	if !strings.Contains(r.stdout, "differs from bosun's last record") || strings.Contains(r.stdout, "reverted") {
		t.Fatalf("table's note:\n%s", r.stdout)
	}
	// Enable again, then disable: the files are as they were at the start.
	if r := e.run("audit", "enable", "-c", dep, "--yes", "--health-poll", "10ms"); r.code != 0 {
		t.Fatalf("enable: %d %s", r.code, r.stderr)
	}
	r = e.run("audit", "disable", "-c", dep, "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, `-  - "--audit-log-path=`) || !strings.Contains(r.stdout, "bosh -d "+dep+" ssh master/") {
		t.Fatalf("dry run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := e.run("audit", "disable", "-c", dep, "--yes", "--health-poll", "10ms"); r.code != 0 {
		t.Fatalf("disable: %d %s", r.code, r.stderr)
	}
	for i, id := range ids {
		b, _ := f.VMFile(dep, id, "/var/vcap/jobs/kube-apiserver/config/bpm.yml")
		if !bytes.Equal(b, orig[i]) {
			t.Fatalf("master %s bpm.yml not restored", id)
		}
	}
}

func TestAuditFailedRollExitsOne(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, APIServerStart: 30 * time.Millisecond})
	e := newEnv(t)
	e.pointAt(f)
	dep, ids := threeMasterClusterOff(t, e)
	f.SetFaults(sim.Faults{StuckAPIServer: ids[0]})
	r := e.run("audit", "enable", "-c", dep, "--yes", "--health-timeout", "300ms", "--health-poll", "10ms", "--json")
	if r.code != 1 || !strings.Contains(r.stdout, `"rolled back"`) || !strings.Contains(r.stdout, `"not reached"`) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	st := decode[auditStatusJSON](t, e.run("audit", "status", "-c", dep, "--json"))
	for _, m := range st.Masters {
		if m.Enabled || m.Reverted {
			t.Fatalf("after the rollback: %+v", m)
		}
	}
}

func TestAuditRefusals(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"audit", "enable", "-c", "service-instance_1d7ba15b-24e8-46dc-ad9c-553dd31b18f9", "--read-only", "--yes"}, 2, "--read-only"},
		{[]string{"audit", "status"}, 2, "name a cluster"},
		{[]string{"audit", "enable", "-c", "1d7ba15b-24e8-46dc-ad9c-553dd31b18f9", "--level", "Everything"}, 2, "--level"},
		{[]string{"audit", "enable", "-c", "1d7ba15b-24e8-46dc-ad9c-553dd31b18f9", "--level", "None", "--policy", "/nonexistent"}, 2, "exclude"},
		{[]string{"audit", "enable", "-c", "1d7ba15b-24e8-46dc-ad9c-553dd31b18f9", "--policy", "/nonexistent"}, 2, "--policy"},
		{[]string{"audit", "enable", "-c", "1d7ba15b-24e8-46dc-ad9c-553dd31b18f9", "--maxsize", "-5"}, 2, "negative"},
		{[]string{"ssh", "-d", "dep", "master/0", "--read-only"}, 2, "--read-only"},
		{[]string{"ssh", "-d", "dep", "master"}, 2, "one instance"},
		{[]string{"ssh", "master/0"}, 2, "no deployment"},
		{[]string{"ssh", "-d", "dep", "-c", " "}, 2, "-c needs"},
	} {
		r := e.run(c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}

func TestSSHCommandOnGroupWorstExit(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	e := newEnv(t)
	e.pointAt(f)
	dep, ids := threeMasterClusterOff(t, e)
	r := e.run("ssh", "-d", dep, "master", "-c", "hostname; test -f /var/vcap/jobs/kube-apiserver/config/bpm.yml")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 3 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, id := range ids {
		if !strings.Contains(r.stdout, "master/"+id+": ") {
			t.Fatalf("no output prefixed for master/%s:\n%s", id, r.stdout)
		}
	}
	r = e.run("ssh", "-d", dep, "master/"+ids[1], "-c", "echo out; echo err >&2; exit 5")
	if r.code != 5 || r.stdout != "master/"+ids[1]+": out\n" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = e.run("ssh", "-d", dep, "master", "-c", "cat /nonexistent")
	if r.code != 1 || strings.Count(r.stderr, "No such file") != 3 {
		t.Fatalf("group: exit %d\n%s", r.code, r.stderr)
	}
	// The whole deployment holds a worker whose agent does not answer: the
	// director's setup task fails, and bosun says why.
	r = e.run("ssh", "-d", dep, "-c", "true")
	if r.code != 1 || !strings.Contains(r.stderr, "Timed out sending 'ssh'") {
		t.Fatalf("whole deployment: exit %d\n%s", r.code, r.stderr)
	}
	for _, id := range ids {
		if u, _ := f.SSHUsers(dep, id); len(u) != 0 {
			t.Fatalf("users left on master/%s: %v", id, u)
		}
	}
}

func TestAuditStatusByPKSClusterName(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	e.pointAtPKS(f)
	clusters := decode[[]map[string]any](t, e.run("clusters", "--json", "--no-health"))
	var name, dep string
	for _, c := range clusters {
		if d, _ := c["deployment"].(string); d != "" {
			name, dep = c["name"].(string), d
			break
		}
	}
	if name == "" {
		t.Fatal("no cluster with a deployment in the PKS API")
	}
	st := decode[auditStatusJSON](t, e.run("audit", "status", "-c", name, "--json"))
	if st.Deployment != dep || len(st.Masters) == 0 {
		t.Errorf("audit status -c %s: deployment %q with %d masters, want %s", name, st.Deployment, len(st.Masters), dep)
	}
	r := e.run("audit", "status", "-c", "no-such-cluster")
	if r.code == 0 || !strings.Contains(r.stderr, "no-such-cluster") {
		t.Errorf("unknown cluster name: exit %d, stderr %q", r.code, r.stderr)
	}
}

// --read-only refuses audit status before any director task: the SSH
// setup would add a user on every master. The refusal is in the history.
func TestReadOnlyAuditStatusMakesNoTask(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	e := newEnv(t)
	e.pointAt(f)
	var dep string
	for _, d := range decode[[]map[string]any](t, e.run("deployments", "--json")) {
		if name := d["name"].(string); strings.HasPrefix(name, "service-instance_") {
			dep = name
			break
		}
	}
	before := f.Stats()
	r := e.run("--read-only", "audit", "status", "-c", dep)
	if r.code != 2 || !strings.Contains(r.stderr, "--read-only") || !strings.Contains(r.stderr, "SSH setup adds a user") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	after := f.Stats()
	for task, n := range after.TasksStarted {
		if n != before.TasksStarted[task] {
			t.Errorf("a %s task was started (%d before, %d after)", task, before.TasksStarted[task], n)
		}
	}
	acts := decode[[]map[string]any](t, e.run("history", "--json"))
	if len(acts) != 1 || acts[0]["outcome"] != "refused" || acts[0]["action"] != "audit status" || acts[0]["cluster"] != dep {
		t.Fatalf("history %v", acts)
	}
}

// A deploy after bosun's change is the evidence of a revert: status says
// reverted and names the deploy task.
func TestAuditRevertedByADeployNamesIt(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, APIServerStart: 50 * time.Millisecond})
	e := newEnv(t)
	e.pointAt(f)
	dep, _ := threeMasterClusterOff(t, e)
	if r := e.run("audit", "enable", "-c", dep, "--yes", "--health-poll", "10ms"); r.code != 0 {
		t.Fatalf("enable: exit %d %s", r.code, r.stderr)
	}
	if err := f.Redeploy(dep); err != nil {
		t.Fatal(err)
	}
	st := decodeExit[auditStatusJSON](t, e.run("audit", "status", "-c", dep, "--json"), 1) // found: reverted
	for _, m := range st.Masters {
		if m.Enabled || !m.Reverted || !strings.Contains(m.RecordNote, "reverted: deploy task ") {
			t.Fatalf("after a deploy: %+v", m)
		}
	}
}
