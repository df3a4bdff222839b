package main

import (
	"strings"
	"testing"

	"bosun/sim"
)

// The exit-code convention of every command (README, "Scripting: exit
// codes and refusals"): 0 done (checks: clean), 1 done and found
// something, 2 could not do it, 3 partial.
func TestExitCodesAcrossCommands(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true})
	e := newEnv(t)
	e.pointAtPKS(f)
	harbor := driftedNamed(t, f, "harbor-")
	// Cloud-check: 0 without problems, 1 with, 2 when it cannot scan.
	var locked string
	seen := map[int]int{}
	for _, d := range decode[[]map[string]any](t, e.run("deployments", "--json")) {
		name := d["name"].(string)
		r := e.run("cck", "-d", name, "--json")
		want := 2
		if d["locked"] == true {
			locked = name
		} else {
			want = 0
			if len(cckJSON(t, result{r.stdout, "", 0}).Problems) > 0 {
				want = 1
			}
		}
		seen[r.code]++
		if r.code != want {
			t.Errorf("cck -d %s: exit %d, want %d: %s", name, r.code, want, r.stderr)
		}
	}
	if locked == "" || seen[0] == 0 || seen[1] == 0 {
		t.Fatalf("want a locked, a clean and a drifted deployment; exits %v", seen)
	}
	if r := e.run("clusters", "--json", "--no-health"); r.code != 0 {
		t.Fatalf("clusters: exit %d: %s", r.code, r.stderr) // cached for the cases below
	}
	dead := deadURL(t)
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{"a listing", []string{"deployments"}, nil, 0, ""},
		{"version", []string{"version", "--json"}, nil, 0, ""},
		{"history with days", []string{"history", "--since", "7d"}, nil, 0, ""},
		{"events with days", []string{"events", "--since", "7d"}, nil, 0, ""},
		{"events listen with days", []string{"events", "listen", "--retain-age", "30d", "--addr", "300.0.0.1:0"}, nil, 2, ""},
		{"an unknown flag", []string{"deployments", "--bogus"}, nil, 2, "unknown flag"},
		{"a bad duration", []string{"events", "--since", "7x"}, nil, 2, "not a duration"},
		{"a missing argument", []string{"cluster"}, nil, 2, "which cluster"},
		{"an unknown deployment", []string{"instances", "-d", "nosuch"}, nil, 2, "doesn't exist"},
		{"an unknown cluster", []string{"cluster", "nosuch"}, nil, 2, "no cluster"},
		{"an unknown cluster for etcd", []string{"etcd", "-c", "nosuch"}, nil, 2, "no cluster"},
		{"an unknown cluster for audit", []string{"audit", "status", "-c", "nosuch"}, nil, 2, "no cluster"},
		{"an unknown cluster for usage", []string{"usage", "-c", "nosuch"}, nil, 2, "no cluster"},
		{"an unknown cluster for events", []string{"events", "-c", "nosuch"}, nil, 2, "no cluster"},
		{"a locked deployment", []string{"cck", "-d", locked}, nil, 2, "locked by task"},
		{"refused by --read-only", []string{"--read-only", "cck", "-d", harbor, "--auto", "--yes"}, nil, 2, "read-only"},
		{"refused offline", []string{"--offline", "cck", "-d", harbor}, nil, 2, "--offline"},
		{"unreachable", []string{"deployments"}, map[string]string{"BOSH_ENVIRONMENT": dead}, 2, "unreachable"},
		{"unauthorized", []string{"deployments"}, map[string]string{"BOSH_CLIENT_SECRET": "wrong"}, 2, ""},
		{"a wrong PKS password, cache shown", []string{"clusters", "--no-health"}, map[string]string{"PKS_PASSWORD": "wrong"}, 3, "partial"},
		{"the PKS API unreachable, cache shown", []string{"clusters", "--json", "--no-health"}, map[string]string{"PKS_API": dead, "PKS_UAA_URL": dead}, 3, "partial"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			saved := map[string]string{}
			for k, v := range c.env {
				saved[k] = e.vars[k]
				e.vars[k] = v
			}
			defer func() {
				for k, v := range saved {
					e.vars[k] = v
				}
			}()
			r := e.run(c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("bosun %v: exit %d, want %d; stderr %q (want %q)", c.args, r.code, c.code, r.stderr, c.stderr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); r.code == 2 && lines > 0 && !strings.Contains(r.stderr, "warning") {
				t.Errorf("bosun %v: the error takes %d lines, want one: %q", c.args, lines+1, r.stderr)
			}
		})
	}
}

// An unreachable director whose data is cached: the error says so, with
// the flag that uses it, and the flag works.
func TestUnreachableDirectorSuggestsOffline(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	if r := e.run("deployments"); r.code != 0 {
		t.Fatalf("deployments: exit %d: %s", r.code, r.stderr)
	}
	f.Close()
	r := e.run("deployments")
	if r.code != 2 || !strings.Contains(r.stderr, "unreachable") || !strings.Contains(r.stderr, "add --offline") {
		t.Errorf("unreachable with a cache: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := e.run("--offline", "deployments"); r.code != 0 {
		t.Errorf("--offline after the hint: exit %d: %s", r.code, r.stderr)
	}
	fresh := newEnv(t)
	fresh.pointAt(f)
	if r := fresh.run("deployments"); r.code != 2 || strings.Contains(r.stderr, "--offline") {
		t.Errorf("unreachable with nothing cached: exit %d, stderr %q (no hint to want)", r.code, r.stderr)
	}
}
