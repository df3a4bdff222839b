package bosh_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
	boshuaa "github.com/cloudfoundry/bosh-cli/v7/uaa"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

// eventLog collects task events from a progress callback.
type eventLog struct {
	mu     sync.Mutex
	events []bosh.TaskEvent
}

func (l *eventLog) add(ev bosh.TaskEvent) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
}

func (l *eventLog) tasks(state string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, ev := range l.events {
		if ev.State == state {
			out = append(out, ev.Task)
		}
	}
	return out
}

func driftedCluster(t *testing.T, f *sim.Foundation) string {
	t.Helper()
	for _, d := range f.DriftedDeployments() {
		if strings.HasPrefix(d, "service-instance_") {
			return d
		}
	}
	t.Fatalf("no drifted cluster in %v", f.DriftedDeployments())
	return ""
}

func drifted(t *testing.T, f *sim.Foundation, prefix string) string {
	t.Helper()
	for _, d := range f.DriftedDeployments() {
		if strings.HasPrefix(d, prefix) {
			return d
		}
	}
	t.Fatalf("no drifted %s* in %v", prefix, f.DriftedDeployments())
	return ""
}

func TestScanShowsExpectedAgainstActualAndResolveCleans(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{Drift: true, TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	dep := driftedCluster(t, f)
	var log eventLog
	probs, err := c.ScanProblems(ctx, dep, log.add)
	if err != nil {
		t.Fatal(err)
	}
	if got := log.tasks("finished"); len(got) != 4 || got[0] != "Checking VM states" || !strings.Contains(got[1], "1 unresponsive, 1 missing") {
		t.Errorf("scan steps %q", got)
	}
	if len(probs) != 3 {
		t.Fatalf("problems %+v", probs)
	}
	var answers []bosh.Answer
	for _, p := range probs {
		if !strings.Contains(p.Instance, "/") {
			t.Errorf("problem %d names no instance: %q", p.ID, p.Instance)
		}
		switch p.Type {
		case "missing_vm":
			if p.Expected.VM != "exists" || p.Actual.VM != "missing" || p.Expected.VMCID == "" || p.Default != "recreate_vm_without_wait" {
				t.Errorf("missing VM diff %+v / %+v", p.Expected, p.Actual)
			}
			answers = append(answers, bosh.Answer{ProblemID: p.ID}) // the director's default
		case "unresponsive_agent":
			if p.Expected.Agent != "responding" || p.Actual.Agent != "not responding" || p.Actual.VM != "exists" {
				t.Errorf("unresponsive diff %+v / %+v", p.Expected, p.Actual)
			}
			answers = append(answers, bosh.Answer{ProblemID: p.ID, Resolution: "reboot_vm"})
		case "mount_info_mismatch":
			if !strings.HasPrefix(p.Instance, "master/") || p.Expected.Mount == "" || p.Actual.Mount != "not mounted" || p.Expected.DiskCID == "" {
				t.Errorf("mount diff %q %+v / %+v", p.Instance, p.Expected, p.Actual)
			}
			answers = append(answers, bosh.Answer{ProblemID: p.ID, Resolution: "reattach_disk"})
		default:
			t.Errorf("unexpected %s", p.Type)
		}
	}
	var applyLog eventLog
	out, err := c.ResolveProblems(ctx, dep, answers, applyLog.add)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Applied) != 3 || len(out.Failed) != 0 || out.Resolved != 3 || out.TaskID == 0 || len(out.Succeeded()) != 3 {
		t.Errorf("outcome %+v", out)
	}
	if got := applyLog.tasks("finished"); len(got) != 3 || !strings.Contains(strings.Join(got, "\n"), "): Reboot VM") {
		t.Errorf("apply steps %q", got)
	}
	again, err := c.ScanProblems(ctx, dep, nil)
	if err != nil || len(again) != 0 {
		t.Fatalf("rescan: %+v %v", again, err)
	}
}

func TestScanOfLockedDeploymentNamesTheHolder(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	deps, err := c.Deployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	locked := ""
	for _, d := range deps {
		if d.Locked {
			locked = d.Name
		}
	}
	if locked == "" {
		t.Fatal("no locked deployment")
	}
	_, err = c.ScanProblems(ctx, locked, nil)
	var le *bosh.LockError
	if !errors.As(err, &le) {
		t.Fatalf("scan of a locked deployment: %v", err)
	}
	if le.TaskID == 0 || le.TaskDesc != "create deployment" || le.TaskUser == "" || le.Since.IsZero() {
		t.Errorf("lock holder %+v", le)
	}
	if !strings.Contains(err.Error(), "is locked by task ") || !strings.Contains(err.Error(), "'create deployment'") {
		t.Errorf("message %q", err)
	}
	if n := f.Stats().TasksStarted[locked]; n != 0 {
		t.Errorf("%d tasks started on the locked deployment", n)
	}
}

func TestScanTaskFailureIsClassified(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{TaskTime: 20 * time.Millisecond, Faults: sim.Faults{FailTasks: true}})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	probs, err := c.ScanProblems(context.Background(), drifted0(t, c), nil)
	var e *bosh.Error
	if !errors.As(err, &e) || e.Kind != bosh.KindTaskFailed || e.TaskID == 0 || !strings.Contains(e.Description, "Timed out sending 'get_state'") {
		t.Fatalf("failed scan: %v", err)
	}
	if probs != nil {
		t.Errorf("problems with a failed scan: %+v", probs)
	}
}

// drifted0 is the first deployment the director lists.
func drifted0(t *testing.T, c *bosh.Client) string {
	t.Helper()
	deps, err := c.Deployments(context.Background())
	if err != nil || len(deps) == 0 {
		t.Fatal(deps, err)
	}
	return deps[0].Name
}

func TestScanCancelledByAnotherClient(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{TaskTime: 2 * time.Second})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	admin := rawDirector(t, f)
	cancelled := make(chan error, 1)
	var once sync.Once
	_, err := c.ScanProblems(context.Background(), drifted0(t, c), func(ev bosh.TaskEvent) {
		once.Do(func() {
			task, err := admin.FindTask(ev.TaskID)
			if err == nil {
				err = task.Cancel()
			}
			cancelled <- err
		})
	})
	if cerr := <-cancelled; cerr != nil {
		t.Fatal(cerr)
	}
	var e *bosh.Error
	if !errors.As(err, &e) || e.Kind != bosh.KindTaskFailed || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("cancelled scan: %v", err)
	}
}

func rawDirector(t *testing.T, f *sim.Foundation) boshdir.Director {
	t.Helper()
	logger := boshlog.NewLogger(boshlog.LevelNone)
	ucfg, err := boshuaa.NewConfigFromURL(f.UAAURL())
	if err != nil {
		t.Fatal(err)
	}
	ucfg.CACert, ucfg.Client, ucfg.ClientSecret = f.CACertPEM(), f.ClientID(), f.ClientSecret()
	u, err := boshuaa.NewFactory(logger).New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := boshdir.NewConfigFromURL(f.DirectorURL())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	tok := boshuaa.NewClientTokenSession(u).TokenFunc
	cfg.CACert = f.CACertPEM()
	cfg.TokenFunc = func(retried bool) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		return tok(retried)
	}
	d, err := boshdir.NewFactory(logger).New(cfg, boshdir.NewNoopTaskReporter(), boshdir.NewNoopFileReporter())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestScanSurvivesTokenExpiry(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{Drift: true, TaskTime: 400 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	dep := drifted(t, f, "harbor-")
	var once sync.Once
	probs, err := c.ScanProblems(context.Background(), dep, func(bosh.TaskEvent) { once.Do(f.ExpireTokens) })
	if err != nil {
		t.Fatalf("scan across a token expiry: %v", err)
	}
	if len(probs) != 1 || probs[0].Type != "missing_disk" {
		t.Errorf("problems %+v", probs)
	}
	if f.Stats().Unauthorized == 0 {
		t.Error("the token never expired during the scan")
	}
}

func TestResolveRefusesProblemsThatAreGone(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{Drift: true, TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	dep := drifted(t, f, "harbor-")
	old, err := c.ScanProblems(ctx, dep, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ScanProblems(ctx, dep, nil); err != nil {
		t.Fatal(err)
	}
	before := f.Stats().TasksStarted[dep]
	out, err := c.ResolveProblems(ctx, dep, []bosh.Answer{{ProblemID: old[0].ID, Resolution: "delete_disk_reference"}}, nil)
	if bosh.KindOf(err) != bosh.KindNotFound || !strings.Contains(err.Error(), "no longer open") {
		t.Fatalf("resolve a stale problem: %v", err)
	}
	if out.TaskID != 0 || f.Stats().TasksStarted[dep] != before {
		t.Errorf("a task was started: %+v", out)
	}
	now, err := c.Problems(ctx, dep)
	if err != nil || len(now) != 1 {
		t.Fatalf("problems after the refusal: %+v %v", now, err)
	}
	_, err = c.ResolveProblems(ctx, dep, []bosh.Answer{{ProblemID: now[0].ID, Resolution: "reboot_vm"}}, nil)
	if bosh.KindOf(err) != bosh.KindConfig || !strings.Contains(err.Error(), `no resolution "reboot_vm"`) {
		t.Errorf("resolve with a resolution the problem lacks: %v", err)
	}
}

func TestResolveFailureReportsWhatHappened(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{Drift: true, TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	dep := drifted(t, f, "pivotal-container-service-")
	probs, err := c.ScanProblems(ctx, dep, nil)
	if err != nil || len(probs) != 1 || probs[0].Type != "inactive_disk" {
		t.Fatalf("problems %+v %v", probs, err)
	}
	id := probs[0].ID
	out, err := c.ResolveProblems(ctx, dep, []bosh.Answer{{ProblemID: id, Resolution: "activate_disk"}}, nil)
	var e *bosh.Error
	if !errors.As(err, &e) || e.Kind != bosh.KindTaskFailed || !strings.Contains(e.Description, "Disk is not mounted") {
		t.Fatalf("failed resolution: %v", err)
	}
	if len(out.Applied) != 1 || out.Failed[id] != "Disk is not mounted" || len(out.Succeeded()) != 0 {
		t.Errorf("outcome %+v", out)
	}
}

func TestResolveDuring500sSaysSoAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{Drift: true, TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	dep := drifted(t, f, "harbor-")
	probs, err := c.ScanProblems(ctx, dep, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.SetFaults(sim.Faults{ErrorBurst: 20})
	out, err := c.ResolveProblems(ctx, dep, []bosh.Answer{{ProblemID: probs[0].ID, Resolution: "delete_disk_reference"}}, nil)
	var e *bosh.Error
	if !errors.As(err, &e) || e.Kind != bosh.KindDirector || e.Status != 500 {
		t.Fatalf("resolve during 500s: %v", err)
	}
	if out.TaskID != 0 || len(out.Applied) != 0 {
		t.Errorf("outcome claims work: %+v", out)
	}
	f.SetFaults(sim.Faults{})
	if now, err := c.Problems(ctx, dep); err != nil || len(now) != 1 || now[0].ID != probs[0].ID {
		t.Errorf("problems after the failed resolve: %+v %v", now, err)
	}
}

func TestResolveWhileAnotherTaskHoldsTheLockNamesIt(t *testing.T) {
	t.Parallel()
	f := startSim(t, sim.Options{Drift: true, TaskTime: 1200 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	dep := drifted(t, f, "harbor-")
	probs, err := c.ScanProblems(ctx, dep, nil)
	if err != nil || len(probs) != 1 {
		t.Fatalf("scan: %+v %v", probs, err)
	}
	answers := []bosh.Answer{{ProblemID: probs[0].ID, Resolution: "ignore"}}
	holding := make(chan struct{})
	first := make(chan error, 1)
	var once sync.Once
	go func() {
		_, err := c.ResolveProblems(ctx, dep, answers, func(bosh.TaskEvent) { once.Do(func() { close(holding) }) })
		first <- err
	}()
	<-holding
	out, err := c.ResolveProblems(ctx, dep, answers, nil)
	var le *bosh.LockError
	if !errors.As(err, &le) || le.TaskDesc != "apply resolutions" || le.TaskID == 0 || out.TaskID != 0 {
		t.Errorf("second resolution while the first holds the lock: %v (outcome %+v)", err, out)
	}
	if err := <-first; err != nil {
		t.Errorf("first resolution: %v", err)
	}
}
