package main

import (
	"encoding/json"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"bosun/sim"
)

// requestsOf runs bosun and returns the requests it made of the director
// and UAA.
func requestsOf(t *testing.T, f *sim.Foundation, e *env, args ...string) (map[string]int, int) {
	t.Helper()
	before := f.Stats().Requests
	if r := e.run(args...); r.code != 0 {
		t.Fatalf("bosun %v: exit %d: %s", args, r.code, r.stderr)
	}
	diff, total := map[string]int{}, 0
	for k, n := range f.Stats().Requests {
		if d := n - before[k]; d > 0 {
			diff[k], total = d, total+d
		}
	}
	return diff, total
}

// The bosh CLI lists deployments with GET /info (anonymous: the auth
// type and UAA URL), a token and GET /deployments. bosun makes no more,
// cold or with the director remembered.
func TestRoundTripsNoMoreThanTheBoshCLI(t *testing.T) {
	f := startSim(t, sim.Options{})
	boshCLI := map[string]int{"GET /info": 1, "UAA POST /oauth/token": 1, "GET /deployments": 1}
	e := newEnv(t)
	e.pointAt(f)
	cold, n := requestsOf(t, f, e, "deployments")
	if n > 3 || !maps.Equal(cold, boshCLI) {
		t.Errorf("cold deployments: %d requests %v, want the bosh CLI's %v", n, cold, boshCLI)
	}
	warm, n := requestsOf(t, f, e, "deployments")
	if n > 3 || warm["GET /deployments"] != 1 {
		t.Errorf("warm deployments: %d requests %v, want at most 3", n, warm)
	}
	// The remembered UAA URL is used; one that no longer works is learnt
	// again from /info and the command still works.
	if _, n := requestsOf(t, f, e, "info"); n > 3 {
		t.Errorf("info: %d requests", n)
	}
	// The details listing follows the director's 302 to its task; the
	// bosh-cli package bosun shares with the bosh CLI takes a new token
	// for the redirected request, as the bosh CLI does.
	one, n := requestsOf(t, f, e, "instances", "-d", driftless(t, e))
	if one["GET /info"] != 1 || one["UAA POST /oauth/token"] > 2 || one["GET /deployments/:d/instances"] != 1 {
		t.Errorf("instances -d: %d requests %v: want one /info, one listing and no more tokens than the bosh CLI", n, one)
	}
}

// driftless is a deployment name from the cache.
func driftless(t *testing.T, e *env) string {
	var deps []map[string]any
	json.Unmarshal([]byte(e.run("--offline", "deployments", "--json").stdout), &deps)
	if len(deps) == 0 {
		t.Fatal("no deployments cached")
	}
	return deps[0]["name"].(string)
}

func TestVersionSaysWhatItIsBuiltWith(t *testing.T) {
	e := newEnv(t)
	var v map[string]any
	r := e.run("version", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != 0 {
		t.Fatalf("version --json: exit %d, %v: %s", r.code, err, r.stdout)
	}
	keys := slices.Sorted(maps.Keys(v))
	if !slices.Equal(keys, []string{"bosh_cli", "commit", "go_version", "modified", "version"}) {
		t.Errorf("keys %v", keys)
	}
	if v["go_version"] != runtime.Version() || !strings.HasPrefix(v["bosh_cli"].(string), "v7.") {
		t.Errorf("go %v, bosh-cli %v", v["go_version"], v["bosh_cli"])
	}
	if text := e.run("version").stdout; !strings.Contains(text, "bosh-cli  v7.") || !strings.Contains(text, runtime.Version()) {
		t.Errorf("version:\n%s", text)
	}
}

// complete runs cobra's completion request and returns the candidates.
func (e *env) complete(args ...string) []string {
	r := e.run(append([]string{"__complete"}, args...)...)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			out = append(out, l)
		}
	}
	return out
}

// Completion reads the cache only: with the director gone it still
// completes, and with it up it asks it nothing.
func TestCompletionFromTheCacheOnly(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	for _, args := range [][]string{{"instances"}, {"clusters", "--no-health"}} {
		if r := e.run(args...); r.code != 0 {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	before := f.Stats().Requests
	deps := e.complete("instances", "-d", "")
	if len(deps) < 5 || !slices.IsSorted(deps) {
		t.Fatalf("deployments: %v", deps)
	}
	pks := ""
	for _, d := range deps {
		if strings.HasPrefix(d, "pivotal-container-service-") {
			pks = d
		}
	}
	insts := e.complete("ssh", "-d", pks, "")
	if !slices.Contains(insts, "pivotal-container-service/0") || !slices.Contains(insts, "pks/0") {
		t.Errorf("instances of %s: %v", pks, insts)
	}
	if got := e.complete("ssh", "-d", pks, "pks-"); len(got) == 0 || !strings.HasPrefix(got[0], "pks-db/") {
		t.Errorf("prefix pks-: %v", got)
	}
	clusters := e.complete("cluster", "")
	if !slices.Contains(clusters, "platform-prod") {
		t.Errorf("clusters: %v", clusters)
	}
	if got := e.complete("events", "-c", "pla"); !slices.Equal(got, []string{"platform-prod"}) {
		t.Errorf("events -c pla: %v", got)
	}
	if got := e.complete("events", "--class", "cr"); !slices.Equal(got, []string{"crash-loop"}) {
		t.Errorf("classes: %v", got)
	}
	if after := f.Stats().Requests; !maps.Equal(before, after) {
		t.Errorf("completion asked the director: %v then %v", before, after)
	}
	f.Close()
	var took []time.Duration
	for range 5 {
		start := time.Now()
		if got := e.complete("instances", "-d", ""); !slices.Equal(got, deps) {
			t.Fatalf("with the director gone: %v", got)
		}
		took = append(took, time.Since(start))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("completion of deployments: median %v (process start included)", took[2])
	if took[2] > 500*time.Millisecond {
		t.Errorf("completion takes %v (median of 5), want well under a second", took[2])
	}
}

func TestTablesFitTheWidth(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	delete(e.vars, "COLUMNS")
	widest := func(out string) int {
		w := 0
		for _, l := range strings.Split(out, "\n") {
			w = max(w, len([]rune(l)))
		}
		return w
	}
	if w := widest(e.run("deployments").stdout); w > 80 {
		t.Errorf("a pipe without COLUMNS: rows of %d columns, want 80 at most", w)
	}
	e.vars["COLUMNS"] = "120"
	if w := widest(e.run("deployments").stdout); w > 120 || w <= 80 {
		t.Errorf("COLUMNS=120: rows of %d columns", w)
	}
	wide := e.run("deployments", "--wide").stdout
	if w := widest(wide); w <= 120 || strings.Contains(wide, "…") {
		t.Errorf("--wide: rows of %d columns, cut: %v", w, strings.Contains(wide, "…"))
	}
}
