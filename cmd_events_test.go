package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"bosun/sim"
)

// listenProc is a running `bosun events listen`.
type listenProc struct {
	cmd    *exec.Cmd
	addr   string
	lines  chan string // stdout
	stderr chan string
}

func startListen(t *testing.T, e *env, args ...string) *listenProc {
	t.Helper()
	cmd := exec.Command(bosunBin, append([]string{"events", "listen", "--addr", "127.0.0.1:0"}, args...)...)
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &listenProc{cmd: cmd, lines: make(chan string, 100000), stderr: make(chan string, 1000)}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pump := func(r io.Reader, ch chan string) {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}
	go pump(stdout, p.lines)
	go pump(stderr, p.stderr)
	deadline := time.After(30 * time.Second)
	for p.addr == "" {
		select {
		case l, ok := <-p.stderr:
			if !ok {
				t.Fatal("events listen exited before listening")
			}
			if _, rest, found := strings.Cut(l, "listening for PKS sink traffic on "); found {
				p.addr = strings.Fields(rest)[0]
			}
		case <-deadline:
			t.Fatal("events listen did not say where it listens")
		}
	}
	return p
}

// wait collects stdout and stderr until the process exits.
func (p *listenProc) wait(t *testing.T) (stdout, stderr []string, code int) {
	t.Helper()
	for l := range p.lines {
		stdout = append(stdout, l)
	}
	for l := range p.stderr {
		stderr = append(stderr, l)
	}
	err := p.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return stdout, stderr, code
}

func TestEventsListenReceivesSimulatorTraffic(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	e.pointAtPKS(f)
	// The cached instances name each sending VM's deployment, the cached
	// clusters the deployment of events that name no VM.
	for _, cmd := range []string{"instances", "clusters"} {
		if r := e.run(cmd); r.code != 0 {
			t.Fatalf("%s: %s", cmd, r.stderr)
		}
	}
	const count = 300
	p := startListen(t, e, "--json", "--count", strconv.Itoa(count))
	sink, err := f.StartSink(sim.SinkOptions{Addr: p.addr, Rate: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	stdout, stderr, code := p.wait(t)
	if code != 0 || len(stdout) < count {
		t.Fatalf("exit %d, %d lines; stderr:\n%s", code, len(stdout), strings.Join(stderr, "\n"))
	}
	clusters := f.SinkClusters()
	classes := map[string]int{}
	for _, l := range stdout {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("not one JSON object per line: %q", l)
		}
		for _, k := range []string{"time", "cluster", "namespace", "object", "class", "reason", "message"} {
			if _, ok := ev[k]; !ok {
				t.Fatalf("event lacks %q: %s", k, l)
			}
		}
		classes[ev["class"].(string)]++
		dep, known := clusters[ev["cluster"].(string)]
		if !known || ev["deployment"] != dep {
			t.Errorf("cluster %v mapped to deployment %v, want %s", ev["cluster"], ev["deployment"], dep)
		}
	}
	for _, c := range []string{"crash-loop", "image-pull", "scheduling", "node-not-ready", "oom-killed", "started", "other"} {
		if classes[c] == 0 {
			t.Errorf("no %s event among %d: %v", c, len(stdout), classes)
		}
	}
	summary := strings.Join(stderr, "\n")
	if !strings.Contains(summary, "pod log lines") || !strings.Contains(summary, "stored in the cache") || strings.Contains(summary, "dropped") {
		t.Errorf("summary:\n%s", summary)
	}

	// What was received is stored and can be queried.
	stored := decode[[]map[string]any](t, e.run("events", "--json", "--class", "crash"))
	if len(stored) != classes["crash-loop"] {
		t.Errorf("%d crash-loop events stored, %d received", len(stored), classes["crash-loop"])
	}
	for _, ev := range stored {
		if ev["class"] != "crash-loop" {
			t.Errorf("--class crash gave %v", ev["class"])
		}
	}
	table := e.run("events")
	if table.code != 0 || !strings.Contains(table.stdout, "crash-loop") || !strings.Contains(table.stdout, "NAMESPACE/OBJECT") {
		t.Errorf("events table: exit %d\n%s%s", table.code, table.stdout, table.stderr)
	}
	// One row per object: fewer rows than events.
	if rows := strings.Count(table.stdout, "\n"); rows >= len(stdout) {
		t.Errorf("%d table lines for %d events: not grouped", rows, len(stdout))
	}
}

func TestEventsBadFlags(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"events", "listen", "--tls-cert", "x.pem"}, "--tls-key"},
		{[]string{"events", "listen", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"}, "TLS certificate"},
		{[]string{"events", "--class", "nope"}, "crash-loop"},
		{[]string{"events", "listen", "--addr", "not-an-address"}, "listen"},
		{[]string{"events", "--since", "-1h"}, "negative"},
		{[]string{"events", "listen", "--max-conns", "0"}, "--max-conns"},
		{[]string{"events", "listen", "--max-conns-per-source", "0"}, "--max-conns"},
	} {
		r := e.run(c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure naming %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestSimServeSinkToFeedsEventsListen(t *testing.T) {
	e := newEnv(t)
	p := startListen(t, e, "--json", "--count", "40", "--no-store")
	sim := exec.Command(bosunBin, "sim", "serve", "--listen", "127.0.0.1:0", "--task-time", "10ms",
		"--sink-to", p.addr, "--sink-rate", "400")
	sim.Env = []string{"HOME=" + e.vars["HOME"], "PATH=" + e.vars["PATH"]}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sim.Process.Signal(os.Interrupt)
		sim.Wait()
	}()
	stdout, stderr, code := p.wait(t)
	if code != 0 || len(stdout) < 40 {
		t.Fatalf("exit %d, %d events; stderr:\n%s", code, len(stdout), strings.Join(stderr, "\n"))
	}
	for _, l := range stdout {
		var ev struct{ Cluster, Class, Message string }
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.Cluster == "" || ev.Class == "" || ev.Message == "" {
			t.Errorf("event line %q: %v", l, err)
		}
	}
}
