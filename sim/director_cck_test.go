package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cloudfoundry/bosh-cli/v7/director"
)

func problemTypes(probs []director.Problem) []string {
	var out []string
	for _, p := range probs {
		out = append(out, p.Type)
	}
	sort.Strings(out)
	return out
}

func scan(t *testing.T, d director.Director, dep string) []director.Problem {
	t.Helper()
	dd, err := d.FindDeployment(dep)
	if err != nil {
		t.Fatal(err)
	}
	probs, err := dd.ScanForProblems()
	if err != nil {
		t.Fatalf("scan %s: %v", dep, err)
	}
	return probs
}

func resolve(d director.Director, dep string, answers map[int]string) error {
	dd, err := d.FindDeployment(dep)
	if err != nil {
		return err
	}
	var list []director.ProblemAnswer
	for id, name := range answers {
		a := director.ProblemAnswer{ProblemID: id}
		if name != "" {
			n := name
			a.Resolution.Name = &n
		}
		list = append(list, a)
	}
	return dd.ResolveProblems(list, nil)
}

func resolutionNames(p director.Problem) []string {
	var out []string
	for _, r := range p.Resolutions {
		out = append(out, *r.Name)
	}
	return out
}

func TestScanFindsSeededUnresponsiveAgentWithoutDrift(t *testing.T) {
	t.Parallel()
	f := startSim(t, Options{})
	if got := f.DriftedDeployments(); len(got) != 0 {
		t.Fatalf("drifted without Drift: %v", got)
	}
	d := adminDirector(t, f, nil)
	probs := scan(t, d, f.content.clusters[1].Name)
	if got := problemTypes(probs); !slices.Equal(got, []string{probUnresponsiveAgent}) {
		t.Fatalf("problems %v, want one unresponsive agent (the seeded one)", got)
	}
	p := probs[0]
	if p.InstanceGroup != "worker" || !strings.Contains(p.Description, "is not responding.") || !strings.Contains(p.Description, "with cloud ID 'vm-") {
		t.Errorf("problem %+v", p)
	}
	want := []string{"ignore", "reboot_vm", "recreate_vm_without_wait", "recreate_vm", "delete_vm", "delete_vm_reference"}
	if got := resolutionNames(p); !slices.Equal(got, want) {
		t.Errorf("resolutions %v, want %v", got, want)
	}
	if clean := scan(t, d, f.content.clusters[0].Name); len(clean) != 0 {
		t.Errorf("healthy cluster has problems: %v", problemTypes(clean))
	}
}

func TestDriftProducesEveryProblemTypeAndResolvingCleansIt(t *testing.T) {
	t.Parallel()
	f := startSim(t, Options{Drift: true})
	drifted := f.DriftedDeployments()
	if len(drifted) != 3 {
		t.Fatalf("drifted %v, want a cluster, Harbor and the PKS control plane", drifted)
	}
	d := adminDirector(t, f, nil)
	var cluster string
	for _, name := range drifted {
		if strings.HasPrefix(name, "service-instance_") {
			cluster = name
		}
	}
	if cluster == "" {
		t.Fatalf("no PKS cluster among %v", drifted)
	}
	probs := scan(t, d, cluster)
	if got := problemTypes(probs); !slices.Equal(got, []string{probMissingVM, probMountInfoMismatch, probUnresponsiveAgent}) {
		t.Fatalf("cluster problems %v", got)
	}
	answers := map[int]string{}
	for _, p := range probs {
		switch p.Type {
		case probMissingVM:
			if !strings.HasSuffix(p.Description, " missing.") || resolutionNames(p)[1] != "recreate_vm_without_wait" {
				t.Errorf("missing VM problem %+v", p)
			}
			answers[p.ID] = "" // auto: recreate without waiting
		case probUnresponsiveAgent:
			answers[p.ID] = "reboot_vm"
		case probMountInfoMismatch:
			if !strings.Contains(p.Description, "Not mounted in any VM") || p.InstanceGroup != "master" {
				t.Errorf("mount info problem %+v", p)
			}
			data, _ := json.Marshal(p.Data)
			if string(data) != `{"owner_vms":[]}` {
				t.Errorf("mount info data %s", data)
			}
			answers[p.ID] = "reattach_disk"
		}
	}
	if err := resolve(d, cluster, answers); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if again := scan(t, d, cluster); len(again) != 0 {
		t.Fatalf("rescan after resolving: %v", problemTypes(again))
	}
	for _, in := range f.content.byName[cluster].Instances {
		if h := f.instanceNow(in).health(); h == healthUnresponsive {
			t.Errorf("%s still reported unresponsive by the listings after recreate/reboot", in.name())
		}
	}

	for _, name := range drifted {
		if name == cluster {
			continue
		}
		probs := scan(t, d, name)
		if len(probs) != 1 {
			t.Fatalf("%s: problems %v", name, problemTypes(probs))
		}
		p := probs[0]
		switch p.Type {
		case probMissingDisk:
			if !strings.HasSuffix(p.Description, "M) is missing") {
				t.Errorf("missing disk description %q", p.Description)
			}
			answers = map[int]string{p.ID: "delete_disk_reference"}
		case probInactiveDisk:
			if !strings.HasSuffix(p.Description, "is inactive") {
				t.Errorf("inactive disk description %q", p.Description)
			}
			answers = map[int]string{p.ID: "delete_disk"}
		default:
			t.Fatalf("%s: unexpected %s", name, p.Type)
		}
		if err := resolve(d, name, answers); err != nil {
			t.Fatalf("resolve %s: %v", name, err)
		}
		if again := scan(t, d, name); len(again) != 0 {
			t.Errorf("%s: rescan %v", name, problemTypes(again))
		}
	}
}

func TestScanAndApplyEventOutput(t *testing.T) {
	t.Parallel()
	f := startSim(t, Options{Drift: true})
	rec := newTaskRecorder()
	d := adminDirector(t, f, rec)
	harbor := f.content.harbor.Name
	probs := scan(t, d, harbor)
	scanID := <-rec.started
	lines := eventLines(t, rec.output(scanID))
	wantTasks := []string{"Checking VM states", "1 OK, 0 unresponsive, 0 missing, 0 unbound",
		"Looking for inactive disks", "0 OK, 1 missing, 0 inactive, 0 mount-info mismatch"}
	var gotTasks []string
	for _, l := range lines {
		if l["state"] == "finished" {
			gotTasks = append(gotTasks, l["task"].(string))
		}
	}
	if !slices.Equal(gotTasks, wantTasks) {
		t.Errorf("scan tasks %q, want %q", gotTasks, wantTasks)
	}
	if lines[0]["stage"] != "Scanning 1 VMs" || lines[4]["stage"] != "Scanning 1 persistent disks" {
		t.Errorf("stages %v / %v", lines[0]["stage"], lines[4]["stage"])
	}
	if err := resolve(d, harbor, map[int]string{probs[0].ID: ""}); err != nil {
		t.Fatal(err)
	}
	applyID := <-rec.started
	lines = eventLines(t, rec.output(applyID))
	last := lines[len(lines)-1]
	if last["stage"] != "Applying problem resolutions" || last["state"] != "finished" ||
		!strings.HasSuffix(last["task"].(string), "): Skip for now") || !strings.Contains(last["task"].(string), "(missing_disk ") {
		t.Errorf("apply line %v", last)
	}
	f.mu.Lock()
	result := *f.byID[applyID].Result
	f.mu.Unlock()
	if result != "1 resolved" {
		t.Errorf("apply result %q", result)
	}
}

func eventLines(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("event line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) == 0 {
		t.Fatal("no event output")
	}
	return lines
}

func TestScanOfLockedDeploymentFails(t *testing.T) {
	t.Parallel()
	f := startSim(t, Options{})
	d := adminDirector(t, f, nil)
	dd, err := d.FindDeployment(f.bg.d.Name)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dd.ScanForProblems()
	if err == nil || !strings.Contains(err.Error(), "state is 'error'") {
		t.Fatalf("scan of locked deployment: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	last := f.tasks[len(f.tasks)-1]
	if last.Type != "cck_scan" || *last.Result != scanLockBusy {
		t.Errorf("task %s result %q", last.Type, *last.Result)
	}
}

func TestResolvingStaleProblemsIgnoresThem(t *testing.T) {
	t.Parallel()
	f := startSim(t, Options{Drift: true})
	d := adminDirector(t, f, nil)
	dep := f.content.harbor.Name
	old := scan(t, d, dep)
	fresh := scan(t, d, dep)
	if old[0].ID == fresh[0].ID {
		t.Fatal("a rescan kept the problem id")
	}
	rec := newTaskRecorder()
	d2 := adminDirector(t, f, rec)
	if err := resolve(d2, dep, map[int]string{old[0].ID: "delete_disk_reference"}); err != nil {
		t.Fatal(err)
	}
	id := <-rec.started
	out := string(rec.output(id))
	if !strings.Contains(out, "Ignoring problem ") || !strings.Contains(out, "(state is 'closed')") {
		t.Errorf("event output %s", out)
	}
	if again := scan(t, d, dep); len(again) != 1 {
		t.Errorf("the stale answer changed the deployment: %v", problemTypes(again))
	}
}

func TestFailedResolutionMarksProblemResolvedAndFailsTask(t *testing.T) {
	t.Parallel()
	f := startSim(t, Options{Drift: true})
	d := adminDirector(t, f, nil)
	dep := f.content.pks.Name
	probs := scan(t, d, dep)
	if len(probs) != 1 || probs[0].Type != probInactiveDisk {
		t.Fatalf("problems %v", problemTypes(probs))
	}
	err := resolve(d, dep, map[int]string{probs[0].ID: "activate_disk"})
	if err == nil || !strings.Contains(err.Error(), "state is 'error'") {
		t.Fatalf("activate an unmounted disk: %v", err)
	}
	f.mu.Lock()
	result := *f.tasks[len(f.tasks)-1].Result
	f.mu.Unlock()
	if want := "Error resolving problem '" + itoa(probs[0].ID) + "': Disk is not mounted"; result != want {
		t.Errorf("result %q, want %q", result, want)
	}
	r := do(t, rawClient(t, f), f, "GET", "/deployments/"+dep+"/problems", adminToken(t, f), nil, "")
	if r.status != 200 || r.body != "[]" {
		t.Errorf("open problems after a failed resolution: %d %s", r.status, r.body)
	}
}

func TestPutProblemsWireRules(t *testing.T) {
	t.Parallel()
	f := startSim(t, Options{})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	dep := f.content.harbor.Name
	r := do(t, c, f, "PUT", "/deployments/"+dep+"/problems", auth, nil, `{"resolutions":{}}`)
	if r.status != 404 || !strings.Contains(r.body, "not found") {
		t.Errorf("PUT without JSON content type: %d %q", r.status, r.body)
	}
	r = do(t, c, f, "PUT", "/deployments/"+dep+"/problems", auth, map[string]string{"Content-Type": "application/json"}, `{"resolutions":[1]}`)
	if r.status != 302 {
		t.Fatalf("PUT with an array: %d %q", r.status, r.body)
	}
	id := f.tasks[len(f.tasks)-1].ID
	if s := waitState(t, f, id, stateError, stateDone); s != stateError {
		t.Fatalf("state %s", s)
	}
	f.mu.Lock()
	got := string(f.byID[id].event)
	f.mu.Unlock()
	if !strings.Contains(got, `"code":410003`) || !strings.Contains(got, "Hash expected, Array is given") {
		t.Errorf("event output %s", got)
	}
	rc, rs := f.ReadClient()
	read := "bearer " + mustToken(t, f, rc, rs)
	r = do(t, c, f, "POST", "/deployments/"+dep+"/scans", read, map[string]string{"Content-Type": "application/json"}, "")
	if code, _ := directorErr(t, r.body); r.status != 401 || code != 600000 {
		t.Errorf("scan with a read-only client: %d %q", r.status, r.body)
	}
	r = do(t, c, f, "GET", "/deployments/nope/problems", auth, nil, "")
	if code, _ := directorErr(t, r.body); r.status != 404 || code != 70000 {
		t.Errorf("problems of a missing deployment: %d %q", r.status, r.body)
	}
}

func mustToken(t *testing.T, f *Foundation, client, secret string) string {
	t.Helper()
	tok, err := uaaFor(t, f, client, secret).ClientCredentialsGrant()
	if err != nil {
		t.Fatal(err)
	}
	return tok.Value()
}

func TestDriftSeedIsReproducible(t *testing.T) {
	t.Parallel()
	describe := func(seed int64) string {
		f := startSim(t, Options{Drift: true, DriftSeed: seed})
		defer f.Close()
		var b strings.Builder
		f.cck.mu.Lock()
		defer f.cck.mu.Unlock()
		for _, dep := range f.cck.drifted {
			cd := f.cck.deps[dep]
			owners, _ := f.cck.scanVMs(cd, cd.insts)
			f.cck.scanDisks(cd, cd.liveDisks(), owners)
			for _, p := range f.cck.openProblemsJSON(cd) {
				b.WriteString(p.Description + "\n")
			}
		}
		return b.String()
	}
	a, b := describe(7), describe(7)
	if a != b || strings.Count(a, "\n") < 5 {
		t.Errorf("same drift seed, different drift:\n%s\n---\n%s", a, b)
	}
}

func TestEveryDriftSeedBreaksTheClusterThreeWays(t *testing.T) {
	t.Parallel()
	for seed := int64(1); seed <= 6; seed++ {
		f := startSim(t, Options{Drift: true, DriftSeed: seed})
		var cluster *cckDeployment
		f.cck.mu.Lock()
		for _, name := range f.cck.drifted {
			if strings.HasPrefix(name, "service-instance_") {
				cluster = f.cck.deps[name]
			}
		}
		owners, vt := f.cck.scanVMs(cluster, cluster.insts)
		dt := f.cck.scanDisks(cluster, cluster.liveDisks(), owners)
		f.cck.mu.Unlock()
		if vt.missing != 1 || vt.unresponsive < 1 || dt.mismatch != 1 {
			t.Errorf("seed %d: %s: VMs %+v, disks %+v", seed, cluster.d.Name, vt, dt)
		}
		f.Close()
	}
}
