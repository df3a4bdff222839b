package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bosun/sim"
)

// The end-to-end tests run the built binary against the simulated
// foundation, as an operator or a script would.

var bosunBin string

func TestMain(m *testing.M) {
	if os.Getenv("BOSUN_PEAK_RSS") != "" {
		os.Exit(reportPeakRSS(os.Args[1:]))
	}
	if path := os.Getenv("BOSUN_FILL_CACHE"); path != "" {
		if err := fillBenchCache(path, os.Getenv("BOSUN_FILL_URL")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "bosun-e2e-")
	if err != nil {
		panic(err)
	}
	bosunBin = filepath.Join(dir, "bosun")
	build := exec.Command("go", "build", "-o", bosunBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build bosun: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is a clean environment for the binary: its own HOME and cache, no
// BOSH_* variables from the machine running the tests.
type env struct {
	t    *testing.T
	vars map[string]string
}

func newEnv(t *testing.T) *env {
	home := t.TempDir()
	return &env{t: t, vars: map[string]string{
		"HOME":           home,
		"XDG_CACHE_HOME": filepath.Join(home, "cache"),
		"XDG_STATE_HOME": filepath.Join(home, "state"),
		"PATH":           os.Getenv("PATH"),
		// Tables are cut to 80 columns on a pipe; the tests read whole
		// rows unless they test the cutting (TestTablesFitTheWidth).
		"COLUMNS": "400",
	}}
}

func (e *env) pointAt(f *sim.Foundation) {
	ca := filepath.Join(e.vars["HOME"], "ca.pem")
	if err := os.WriteFile(ca, []byte(f.CACertPEM()), 0o600); err != nil {
		e.t.Fatal(err)
	}
	line, err := f.GatewayKnownHostsLine()
	if err != nil {
		e.t.Fatal(err)
	}
	known := filepath.Join(e.vars["HOME"], "gateway_known_hosts")
	if err := os.WriteFile(known, []byte(line), 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.vars["BOSUN_GW_KNOWN_HOSTS"] = known
	// As sim serve exports it: everything goes through the jumpbox, whose
	// key is in BOSUN_GW_KNOWN_HOSTS (the director names no gateway).
	j, err := f.Jumpbox()
	if err != nil {
		e.t.Fatal(err)
	}
	key := filepath.Join(e.vars["HOME"], "jumpbox.key")
	if err := os.WriteFile(key, j.PrivateKeyPEM, 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.vars["BOSH_ALL_PROXY"] = j.AllProxy(key)
	e.vars["BOSH_ENVIRONMENT"] = f.DirectorURL()
	e.vars["BOSH_CA_CERT"] = ca
	e.vars["BOSH_CLIENT"] = f.ClientID()
	e.vars["BOSH_CLIENT_SECRET"] = f.ClientSecret()
}

type result struct {
	stdout, stderr string
	code           int
}

func (e *env) run(args ...string) result {
	e.t.Helper()
	cmd := exec.Command(bosunBin, args...)
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run bosun %v: %v", args, err)
	}
	return result{out.String(), errOut.String(), code}
}

func startSim(t *testing.T, o sim.Options) *sim.Foundation {
	t.Helper()
	o.Listen = "127.0.0.1:0"
	if o.TaskTime == 0 {
		o.TaskTime = 20 * time.Millisecond
	}
	f, err := sim.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func decode[T any](t *testing.T, r result) T {
	t.Helper()
	return decodeExit[T](t, r, 0)
}

// decodeExit decodes the output of a run that must exit with code.
func decodeExit[T any](t *testing.T, r result, code int) T {
	t.Helper()
	var v T
	if r.code != code {
		t.Fatalf("exit %d, want %d, stderr: %s", r.code, code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("output is not the JSON expected: %v\n%s", err, r.stdout)
	}
	return v
}

func TestDeploymentsJSONShape(t *testing.T) {
	f := startSim(t, sim.Options{Deployments: 2, InstancesPerDeployment: 3})
	e := newEnv(t)
	e.pointAt(f)
	deps := decode[[]map[string]any](t, e.run("deployments", "--json"))
	var pks, clusters, harbor, filler int
	for _, d := range deps {
		for _, k := range []string{"name", "releases", "stemcells", "teams"} {
			if _, ok := d[k]; !ok {
				t.Errorf("deployment %v lacks key %q", d["name"], k)
			}
		}
		name := d["name"].(string)
		switch {
		case strings.HasPrefix(name, "pivotal-container-service-"):
			pks++
		case strings.HasPrefix(name, "service-instance_"):
			clusters++
			if teams := d["teams"].([]any); len(teams) != 1 {
				t.Errorf("cluster %s teams = %v, want the PKS deployment", name, teams)
			}
		case strings.HasPrefix(name, "harbor-container-registry"):
			harbor++
		default:
			filler++
		}
	}
	if pks != 1 || clusters < 3 || harbor != 1 || filler != 2 {
		t.Errorf("foundation content: pks=%d clusters=%d harbor=%d filler=%d", pks, clusters, harbor, filler)
	}
}

func TestInstancesLiveThenOffline(t *testing.T) {
	f := startSim(t, sim.Options{Deployments: 3, InstancesPerDeployment: 4})
	e := newEnv(t)
	e.pointAt(f)
	live := decode[[]map[string]any](t, e.run("instances", "--json"))
	if len(live) < 3*4+5 {
		t.Fatalf("only %d instances over all deployments", len(live))
	}
	keys := []string{"deployment", "instance", "index", "process_state", "az", "ips", "vm_cid", "vm_type", "bootstrap", "processes", "vitals"}
	states := map[string]int{}
	for _, in := range live {
		for _, k := range keys {
			if _, ok := in[k]; !ok {
				t.Fatalf("instance %v lacks key %q", in["instance"], k)
			}
		}
		states[in["process_state"].(string)]++
	}
	if states["running"] == 0 || states["failing"] == 0 || states["unresponsive agent"] == 0 {
		t.Errorf("process states %v: want running, failing and unresponsive instances", states)
	}

	// Offline serves the same rows from the cache and says how old they are.
	r := e.run("--offline", "instances", "--json")
	cached := decode[[]map[string]any](t, r)
	if len(cached) != len(live) {
		t.Errorf("offline gave %d instances, live gave %d", len(cached), len(live))
	}
	if !strings.Contains(r.stderr, "from cache") {
		t.Errorf("offline stderr does not say the data is cached: %q", r.stderr)
	}
	f.Close()
	r = e.run("--offline", "deployments")
	if r.code != 0 || !strings.Contains(r.stdout, "service-instance_") {
		t.Errorf("offline deployments with the director gone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestInstancesOfOneDeployment(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	deps := decode[[]map[string]any](t, e.run("deployments", "--json"))
	var pks string
	for _, d := range deps {
		if n := d["name"].(string); strings.HasPrefix(n, "pivotal-container-service-") {
			pks = n
		}
	}
	insts := decode[[]map[string]any](t, e.run("instances", "-d", pks, "--json"))
	groups := map[string]bool{}
	for _, in := range insts {
		if in["deployment"] != pks {
			t.Errorf("instance of %v in the listing of %s", in["deployment"], pks)
		}
		groups[strings.SplitN(in["instance"].(string), "/", 2)[0]] = true
	}
	if !groups["pivotal-container-service"] || !groups["pks-db"] {
		t.Errorf("PKS control plane groups = %v", groups)
	}
	table := e.run("instances", "-d", pks)
	if table.code != 0 || !strings.Contains(table.stdout, "PROCESS STATE") || !strings.Contains(table.stdout, "pivotal-container-service/") {
		t.Errorf("table output:\n%s%s", table.stdout, table.stderr)
	}
}

func TestErrorsAreOneClearLine(t *testing.T) {
	f := startSim(t, sim.Options{})
	other := startSim(t, sim.Options{Seed: 2})
	cases := []struct {
		name string
		prep func(e *env)
		args []string
		want string
	}{
		{"unknown deployment", func(e *env) {}, []string{"instances", "-d", "nope"}, "doesn't exist"},
		{"wrong CA", func(e *env) {
			ca := filepath.Join(e.vars["HOME"], "other.pem")
			os.WriteFile(ca, []byte(other.CACertPEM()), 0o600)
			e.vars["BOSH_CA_CERT"] = ca
		}, []string{"deployments"}, "TLS"},
		{"wrong secret", func(e *env) { e.vars["BOSH_CLIENT_SECRET"] = "wrong" }, []string{"deployments"}, "nauthorized"},
		{"unreachable", func(e *env) { e.vars["BOSH_ENVIRONMENT"] = "https://127.0.0.1:1" }, []string{"deployments"}, "unreachable"},
		{"no environment", func(e *env) { delete(e.vars, "BOSH_ENVIRONMENT") }, []string{"deployments"}, "environment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.pointAt(f)
			c.prep(e)
			r := e.run(c.args...)
			if r.code == 0 {
				t.Fatalf("exit 0, want failure; stdout:\n%s", r.stdout)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "bosun: ") || !strings.Contains(last, c.want) {
				t.Errorf("stderr %q: want one line containing %q", r.stderr, c.want)
			}
			logged, _ := os.ReadFile(filepath.Join(e.vars["XDG_STATE_HOME"], "bosun", "bosun.log"))
			if !strings.Contains(string(logged), strings.TrimPrefix(last, "bosun: ")) {
				t.Errorf("log file does not record the failure; it holds %q", logged)
			}
			if secret := e.vars["BOSH_CLIENT_SECRET"]; secret != "" && strings.Contains(string(logged), secret) {
				t.Error("the client secret reached the log file")
			}
		})
	}
}

func TestCorruptCacheIsNamedAndKept(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.vars["XDG_CACHE_HOME"], "bosun")
	os.MkdirAll(dir, 0o700)
	path := filepath.Join(dir, "bosun.db")
	junk := bytes.Repeat([]byte("not a database "), 400)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	e.vars["BOSH_ENVIRONMENT"] = "https://127.0.0.1:1"
	r := e.run("--offline", "deployments")
	if r.code == 0 || !strings.Contains(r.stderr, path) {
		t.Errorf("exit %d, stderr %q: want a failure naming %s", r.code, r.stderr, path)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, junk) {
		t.Error("the corrupt cache file was changed")
	}
}

func TestNoTerminalPrintsDeployments(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	r := e.run()
	if r.code != 0 || !strings.Contains(r.stdout, "NAME") || !strings.Contains(r.stdout, "pivotal-container-service-") {
		t.Errorf("bosun without a terminal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestSimServePrintsWorkingExports(t *testing.T) {
	e := newEnv(t)
	cmd := exec.Command(bosunBin, "sim", "serve", "--listen", "127.0.0.1:0", "--deployments", "1", "--instances-per-deployment", "2", "--task-time", "10ms")
	cmd.Env = []string{"HOME=" + e.vars["HOME"], "PATH=" + os.Getenv("PATH")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			break
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			t.Fatalf("not an export line: %q", line)
		}
		e.vars[k] = strings.Trim(v, `'"`)
	}
	for _, k := range []string{"BOSH_ENVIRONMENT", "BOSH_CA_CERT", "BOSH_CLIENT", "BOSH_CLIENT_SECRET"} {
		if e.vars[k] == "" {
			t.Fatalf("sim serve printed no %s", k)
		}
	}
	info := decode[map[string]any](t, e.run("info", "--json"))
	d, _ := info["director"].(map[string]any)
	if d == nil || d["uuid"] == "" || d["user"] != e.vars["BOSH_CLIENT"] {
		t.Errorf("info against sim serve: %v", info)
	}
}

// A live listing that could not fetch every deployment is partial (exit
// 3), and so is the cache afterwards: --offline says how many of how many
// deployments it holds and which are missing, instead of passing the
// snapshot off as complete.
func TestIncompleteListingIsPartialLiveAndOffline(t *testing.T) {
	f := startSim(t, sim.Options{Deployments: 3, InstancesPerDeployment: 2})
	e := newEnv(t)
	e.pointAt(f)
	if r := e.run("instances", "--json"); r.code != 0 {
		t.Fatalf("first listing: exit %d %s", r.code, r.stderr)
	}
	if r := e.run("--offline", "instances", "--json"); r.code != 0 || strings.Contains(r.stderr, " of ") {
		t.Fatalf("a complete listing offline: exit %d %q", r.code, r.stderr)
	}
	f.SetFaults(sim.Faults{FailTasks: true}) // every details task fails
	r := e.run("instances", "--json")
	if r.code != 3 || !strings.Contains(r.stderr, "could not be fetched") {
		t.Fatalf("live listing with every deployment failing: exit %d %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"--offline", "instances", "--json"}, {"--offline", "instances"}} {
		r = e.run(args...)
		var rows []map[string]any
		if args[len(args)-1] == "--json" {
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatalf("%v: not a JSON array: %v\n%s", args, err, r.stdout)
			}
		}
		if r.code != 3 || !strings.Contains(r.stderr, "0 of ") || !strings.Contains(r.stderr, "not fetched: ") {
			t.Fatalf("%v after a failed listing: exit %d %q", args, r.code, r.stderr)
		}
	}
	f.SetFaults(sim.Faults{})
	if r := e.run("instances", "--json"); r.code != 0 {
		t.Fatalf("listing again: exit %d %s", r.code, r.stderr)
	}
	if r := e.run("--offline", "instances", "--json"); r.code != 0 {
		t.Fatalf("offline after a complete listing: exit %d %q", r.code, r.stderr)
	}
}

// Random bytes over a few pages of a healthy cache: every command says the
// cache is damaged once, works without it, and leaves the file as it was.
func TestDamagedCacheIsNeverWritten(t *testing.T) {
	f := startSim(t, sim.Options{Deployments: 2, InstancesPerDeployment: 2, Drift: true})
	e := newEnv(t)
	e.pointAt(f)
	if r := e.run("instances", "--json"); r.code != 0 {
		t.Fatalf("filling the cache: exit %d %s", r.code, r.stderr)
	}
	path := filepath.Join(e.vars["XDG_CACHE_HOME"], "bosun", "bosun.db")
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 5*4096 {
		t.Fatalf("cache file: %d bytes, %v", len(b), err)
	}
	for _, page := range []int{2, 3, 4} { // pages of tables, not the header
		copy(b[page*4096:], bytes.Repeat([]byte{0xA5, 0x5A, 0x00, 0xFF}, 512))
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	dep := f.DriftedDeployments()[0]
	for _, args := range [][]string{{"deployments"}, {"instances", "-d", dep}, {"cck", "-d", dep}} {
		r := e.run(args...)
		if r.code == 2 || !strings.Contains(r.stderr, "damaged") {
			t.Errorf("%v: exit %d, stderr %q: want it to work and say the cache is damaged", args, r.code, r.stderr)
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%v changed the damaged cache file (stderr %q)", args, r.stderr)
		}
	}
}

// --demo keeps its cache in a directory of its own: the user's stays as
// it was.
func TestDemoLeavesTheUsersCacheAlone(t *testing.T) {
	e := newEnv(t)
	r := e.run("--demo", "deployments", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, "service-instance_") {
		t.Fatalf("demo deployments: exit %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(e.vars["XDG_CACHE_HOME"], "bosun")); !os.IsNotExist(err) {
		t.Fatalf("--demo wrote into the user's cache directory (%v)", err)
	}
}
