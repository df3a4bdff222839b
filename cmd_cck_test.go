package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"bosun/cache"
	"bosun/sim"
)

// cckJSON decodes `bosun cck --json` output whatever the exit code.
func cckJSON(t *testing.T, r result) cckReportJSON {
	t.Helper()
	var v cckReportJSON
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\nstdout: %s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	return v
}

type cckReportJSON struct {
	Deployment string            `json:"deployment"`
	Problems   []map[string]any  `json:"problems"`
	Resolution *cckResolutionOut `json:"resolution"`
}

type cckResolutionOut struct {
	TaskID  int               `json:"task_id"`
	Answers []cache.CCKAction `json:"answers"`
}

func driftedNamed(t *testing.T, f *sim.Foundation, prefix string) string {
	t.Helper()
	for _, d := range f.DriftedDeployments() {
		if strings.HasPrefix(d, prefix) {
			return d
		}
	}
	t.Fatalf("no drifted %s* among %v", prefix, f.DriftedDeployments())
	return ""
}

func cckHistoryOf(t *testing.T, e *env, f *sim.Foundation, dep string) []cache.CCKRecord {
	t.Helper()
	s, err := cache.Open(filepath.Join(e.vars["XDG_CACHE_HOME"], "bosun", "bosun.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.CCKHistory(f.UUID(), dep, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func problemID(p map[string]any) int { return int(p["id"].(float64)) }

func TestCCKReportsProblemsAsJSONAndExitsOne(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true})
	e := newEnv(t)
	e.pointAt(f)
	dep := driftedNamed(t, f, "harbor-")
	r := e.run("cck", "-d", dep, "--json")
	if r.code != 1 {
		t.Fatalf("exit %d with problems; stderr %s", r.code, r.stderr)
	}
	rep := cckJSON(t, r)
	if rep.Deployment != dep || len(rep.Problems) != 1 || rep.Resolution != nil {
		t.Fatalf("report %+v", rep)
	}
	p := rep.Problems[0]
	for _, k := range []string{"id", "type", "description", "instance", "resolutions", "expected", "actual"} {
		if _, ok := p[k]; !ok {
			t.Errorf("problem lacks %q: %v", k, p)
		}
	}
	res := p["resolutions"].([]any)[0].(map[string]any)
	if res["name"] != "ignore" || res["plan"] != "Skip for now" {
		t.Errorf("first resolution %v", res)
	}
	if p["instance"] != "harbor-app/"+strings.Split(strings.Split(p["description"].(string), "(harbor-app/")[1], ",")[0] {
		t.Errorf("instance %v for %q", p["instance"], p["description"])
	}
	exp, act := p["expected"].(map[string]any), p["actual"].(map[string]any)
	if exp["disk"] != "exists" || act["disk"] != "missing" || exp["disk_cid"] == "" || exp["disk_cid"] != act["disk_cid"] {
		t.Errorf("expected %v actual %v", exp, act)
	}

	text := e.run("cck", "-d", dep)
	if text.code != 1 || !strings.Contains(text.stdout, "missing_disk") || !strings.Contains(text.stdout, "disk") ||
		!strings.Contains(text.stdout, "ignore*") || !strings.Contains(text.stderr, "Looking for inactive disks: done") {
		t.Errorf("text report exit %d:\n%s\n%s", text.code, text.stdout, text.stderr)
	}
	h := cckHistoryOf(t, e, f, dep)
	if len(h) != 2 || h[0].Kind != cache.CCKScan || h[0].Outcome != cache.CCKProblems || h[0].Problems != 1 ||
		h[0].User != f.ClientID() || h[0].TaskID == 0 {
		t.Errorf("history %+v", h)
	}
}

func TestCCKResolveNeedsConfirmationAndReadOnlyRefuses(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true})
	e := newEnv(t)
	e.pointAt(f)
	dep := driftedNamed(t, f, "harbor-")
	r := e.run("cck", "-d", dep, "--auto")
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("--auto without --yes: exit %d, stderr %s", r.code, r.stderr)
	}
	r = e.run("--read-only", "cck", "-d", dep, "--auto", "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "--read-only") {
		t.Errorf("--read-only --auto: exit %d, stderr %s", r.code, r.stderr)
	}
	// Both refusals are in the history, newest first, with the deployment.
	hist := decode[[]map[string]any](t, e.run("history", "--json", "-d", dep))
	if len(hist) != 2 {
		t.Fatalf("history: %d actions, want the 2 refusals: %v", len(hist), hist)
	}
	for _, a := range hist {
		if a["outcome"] != "refused" || a["action"] != "cck resolve" || a["deployment"] != dep {
			t.Errorf("refusal recorded as %v", a)
		}
	}
	if d, _ := hist[0]["detail"].(string); !strings.Contains(d, "--read-only") {
		t.Errorf("newest refusal's detail %q does not say --read-only", d)
	}
	for _, h := range cckHistoryOf(t, e, f, dep) {
		if h.Kind == cache.CCKResolve {
			t.Errorf("a refused resolution was recorded as run: %+v", h)
		}
	}
	if n := f.Stats().Requests["PUT /deployments/:d/problems"]; n != 0 {
		t.Errorf("%d resolution requests reached the director", n)
	}
}

func TestCCKResolvesThenRescansClean(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true})
	e := newEnv(t)
	e.pointAt(f)
	dep := driftedNamed(t, f, "service-instance_")
	rep := cckJSON(t, e.run("cck", "-d", dep, "--json"))
	if len(rep.Problems) != 3 {
		t.Fatalf("problems %v", rep.Problems)
	}
	args := []string{"cck", "-d", dep, "--json", "--auto", "--yes"}
	for _, p := range rep.Problems {
		switch p["type"] {
		case "unresponsive_agent":
			args = append(args, "--resolve", fmt.Sprintf("%d=reboot_vm", problemID(p)))
		case "mount_info_mismatch":
			args = append(args, "--resolve", fmt.Sprintf("%d=reattach_disk", problemID(p)))
		}
	}
	r := e.run(args...)
	if r.code != 0 {
		t.Fatalf("resolve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	after := cckJSON(t, r)
	if len(after.Problems) != 0 || after.Resolution == nil || after.Resolution.TaskID == 0 || len(after.Resolution.Answers) != 3 {
		t.Fatalf("after resolving %+v", after)
	}
	for _, a := range after.Resolution.Answers {
		if a.Result != "applied" {
			t.Errorf("answer %+v", a)
		}
		if a.Type == "missing_vm" && a.Resolution != "recreate_vm_without_wait" {
			t.Errorf("--auto chose %q for a missing VM", a.Resolution)
		}
	}
	h := cckHistoryOf(t, e, f, dep)
	kinds := make([]string, len(h))
	for i, r := range h {
		kinds[i] = r.Kind + ":" + r.Outcome
	}
	if want := "scan:clean resolve:resolved scan:problems"; strings.Join(kinds, " ") != want {
		t.Errorf("history %q, want %q", strings.Join(kinds, " "), want)
	}
	if h[1].Resolved != 3 || h[1].User != f.ClientID() || h[1].Summary() != "resolved 3 by "+f.ClientID() {
		t.Errorf("resolve record %+v", h[1])
	}
	// The action history has the resolution: applied, each problem, the
	// task, the equivalent bosh command.
	type action struct {
		Action, Outcome, Command, Deployment string
		Targets                              []struct{ Name, Outcome string }
		TaskIDs                              []int64 `json:"task_ids"`
	}
	acts := decode[[]action](t, e.run("history", "--json"))
	if len(acts) != 1 {
		t.Fatalf("history: %+v", acts)
	}
	a := acts[0]
	if a.Action != "cck resolve" || a.Outcome != "applied" || a.Deployment != dep || len(a.Targets) != 3 ||
		len(a.TaskIDs) != 1 || a.TaskIDs[0] != int64(after.Resolution.TaskID) ||
		!strings.HasPrefix(a.Command, "bosh -d "+dep+" cloud-check") || !strings.Contains(a.Command, "reboot_vm") {
		t.Errorf("history record %+v", a)
	}
	for _, tg := range a.Targets {
		if tg.Outcome != "applied" {
			t.Errorf("target %+v", tg)
		}
	}
	if r := e.run("cck", "-d", dep); r.code != 0 || !strings.Contains(r.stdout, "no problems") {
		t.Errorf("clean deployment: exit %d %s", r.code, r.stdout)
	}
}

func TestCCKLockedDeploymentNamesTheHolder(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	var locked string
	for _, d := range decode[[]map[string]any](t, e.run("deployments", "--json")) {
		if d["locked"] == true {
			locked = d["name"].(string)
		}
	}
	if locked == "" {
		t.Fatal("no locked deployment")
	}
	r := e.run("cck", "-d", locked)
	if r.code != 2 || !strings.Contains(r.stderr, "is locked by task ") || !strings.Contains(r.stderr, "create deployment") {
		t.Errorf("locked: exit %d, stderr %s", r.code, r.stderr)
	}
	h := cckHistoryOf(t, e, f, locked)
	if len(h) != 1 || h[0].Outcome != cache.CCKFailed || !strings.Contains(h[0].Error, "locked by task") {
		t.Errorf("history %+v", h)
	}
}

func TestCCKFailedResolutionIsReportedAndRecorded(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true})
	e := newEnv(t)
	e.pointAt(f)
	dep := driftedNamed(t, f, "pivotal-container-service-")
	rep := cckJSON(t, e.run("cck", "-d", dep, "--json"))
	if len(rep.Problems) != 1 || rep.Problems[0]["type"] != "inactive_disk" {
		t.Fatalf("problems %v", rep.Problems)
	}
	id := problemID(rep.Problems[0])
	r := e.run("cck", "-d", dep, "--resolve", fmt.Sprintf("%d=activate_disk", id), "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "Disk is not mounted") || strings.Contains(r.stdout, "after resolving") {
		t.Errorf("failed resolution: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	h := cckHistoryOf(t, e, f, dep)
	if len(h) != 2 || h[0].Kind != cache.CCKResolve || h[0].Outcome != cache.CCKFailed || h[0].Resolved != 0 ||
		len(h[0].Actions) != 1 || h[0].Actions[0].Result != "failed: Disk is not mounted" {
		t.Errorf("history %+v", h)
	}
}

func TestCCKRefusesBadArguments(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true})
	e := newEnv(t)
	e.pointAt(f)
	dep := driftedNamed(t, f, "harbor-")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"cck"}, "needs a deployment"},
		{[]string{"cck", "-d", dep, "--resolve", "x"}, "want ID=NAME"},
		{[]string{"cck", "-d", dep, "--resolve", "1=a", "--resolve", "1=b"}, "both"},
		{[]string{"cck", "-d", dep, "--resolve", "99999=ignore", "--yes"}, "problem 99999 is not open"},
		{[]string{"--offline", "cck", "-d", dep}, "--offline"},
	}
	for _, c := range cases {
		r := e.run(c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
	rep := cckJSON(t, e.run("cck", "-d", dep, "--json"))
	id := problemID(rep.Problems[0])
	r := e.run("cck", "-d", dep, "--resolve", fmt.Sprintf("%d=reboot_vm", id), "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "has no such resolution") {
		t.Errorf("wrong resolution: exit %d, stderr %q", r.code, r.stderr)
	}
}
