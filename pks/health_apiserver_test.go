package pks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"bosun/bosh"
)

// monitRunner answers the probe's script per master: monit's word for
// kube-apiserver and the health script's exit status; a master in down
// cannot be reached at all.
type monitRunner struct {
	mu     sync.Mutex
	state  map[string]string // instance -> monit state ("" lists no kube-apiserver)
	health map[string]int    // instance -> exit status of the health script
	down   map[string]bool
	cmds   []string
}

func (r *monitRunner) Run(_ context.Context, h bosh.SSHHost, cmd string, _ io.Reader, stdout, stderr io.Writer) (int, error) {
	r.mu.Lock()
	r.cmds = append(r.cmds, cmd)
	r.mu.Unlock()
	in := h.Instance()
	if r.down[in] {
		return -1, errors.New("ssh: connect: connection refused")
	}
	fmt.Fprintln(stdout, "4100")
	fmt.Fprintln(stdout, "The Monit daemon 5.2.5 uptime: 1d 0h 0m")
	if st := r.state[in]; st != "" {
		fmt.Fprintf(stdout, "%-45s %s\n", "Process 'kube-apiserver'", st)
	}
	if r.state[in] != "running" {
		return 1, nil
	}
	if code := r.health[in]; code != 0 {
		fmt.Fprintln(stderr, "kube-apiserver is not healthy")
		return code, nil
	}
	fmt.Fprintln(stdout, "ok")
	return 0, nil
}

func masterHosts(ids ...string) []bosh.SSHHost {
	var hs []bosh.SSHHost
	for _, id := range ids {
		hs = append(hs, bosh.SSHHost{Group: "master", IndexOrID: id, IP: "10.0.0.1"})
	}
	return hs
}

func TestCheckAPIServersAllHealthy(t *testing.T) {
	r := &monitRunner{state: map[string]string{"master/a": "running", "master/b": "running"}}
	rep := CheckAPIServers(context.Background(), r, masterHosts("a", "b"), DefaultLayout, 0)
	if !rep.Checked || !rep.Healthy || len(rep.Masters) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for i, c := range rep.Masters {
		if c.Instance != []string{"master/a", "master/b"}[i] || !c.Healthy || c.State != "running" || c.Error != "" {
			t.Errorf("master %d: %+v", i, c)
		}
	}
	for _, cmd := range r.cmds {
		if !strings.HasPrefix(cmd, "sudo ") || !strings.Contains(cmd, healthScript) {
			t.Errorf("probe command %q does not run the health script as root", cmd)
		}
	}
	h := Health{State: HealthHealthy, Problems: []string{}}
	h.AddAPIServers(rep)
	if h.State != HealthHealthy || len(h.Problems) != 0 {
		t.Errorf("healthy apiservers changed the roll-up: %+v", h)
	}
}

func TestCheckAPIServersEachFailure(t *testing.T) {
	r := &monitRunner{
		state:  map[string]string{"master/ok": "running", "master/hz": "running", "master/ex": "Execution failed", "master/none": ""},
		health: map[string]int{"master/hz": 1},
		down:   map[string]bool{"master/gone": true},
	}
	rep := CheckAPIServers(context.Background(), r, masterHosts("ok", "hz", "ex", "none", "gone"), DefaultLayout, 2)
	if rep.Healthy {
		t.Fatalf("report healthy with failing masters: %+v", rep)
	}
	want := map[string]struct {
		healthy bool
		state   string
		err     string
	}{
		"master/ok":   {true, "running", ""},
		"master/hz":   {false, "running", "/healthz failing"},
		"master/ex":   {false, "Execution failed", "/healthz failing"},
		"master/none": {false, "", "lists no kube-apiserver"},
		"master/gone": {false, "", "connection refused"},
	}
	for _, c := range rep.Masters {
		w := want[c.Instance]
		if c.Healthy != w.healthy || c.State != w.state || (w.err == "") != (c.Error == "") || !strings.Contains(c.Error, w.err) {
			t.Errorf("%s: %+v, want %+v", c.Instance, c, w)
		}
	}
	h := Health{State: HealthHealthy, Problems: []string{}}
	h.AddAPIServers(rep)
	if h.State != HealthDegraded || len(h.Problems) != 4 || !strings.Contains(h.Problems[1], "master/ex kube-apiserver /healthz failing (Execution failed)") {
		t.Errorf("roll-up %+v", h)
	}
}

func TestAddAPIServersAllFailingIsDown(t *testing.T) {
	r := &monitRunner{state: map[string]string{"master/a": "initializing", "master/b": "Execution failed"}}
	rep := CheckAPIServers(context.Background(), r, masterHosts("a", "b"), DefaultLayout, 0)
	h := Health{State: HealthHealthy, Problems: []string{}}
	h.AddAPIServers(rep)
	if h.State != HealthDown || len(h.Problems) != 2 {
		t.Errorf("roll-up %+v", h)
	}
	skipped := Health{State: HealthHealthy, Problems: []string{}}
	skipped.AddAPIServers(SkippedAPIServers("read-only"))
	if skipped.State != HealthHealthy || len(skipped.Problems) != 0 {
		t.Errorf("a skipped check changed the roll-up: %+v", skipped)
	}
	if rep := CheckAPIServers(context.Background(), r, nil, DefaultLayout, 0); rep.Healthy || len(rep.Masters) != 0 {
		t.Errorf("no masters reported healthy: %+v", rep)
	}
}

func BenchmarkCheckAPIServers(b *testing.B) {
	r := &monitRunner{state: map[string]string{"master/a": "running", "master/b": "running", "master/c": "Execution failed"}}
	hosts := masterHosts("a", "b", "c")
	for b.Loop() {
		r.cmds = r.cmds[:0]
		rep := CheckAPIServers(context.Background(), r, hosts, DefaultLayout, 0)
		h := Health{State: HealthHealthy}
		h.AddAPIServers(rep)
		if h.State != HealthDegraded {
			b.Fatal(h.State)
		}
	}
}
