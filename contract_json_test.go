package main

import (
	"encoding/json"

	"slices"
	"sort"
	"strings"
	"testing"

	"bosun/sim"
)

// shapes maps each object path of a JSON document ("[]", "[].vitals",
// ".masters[]") to its keys. Objects whose keys are data (flags,
// namespaces, features) are not looked into. Within one document every
// object at a path must have the same keys.
func shapes(t *testing.T, what string, doc []byte) map[string][]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", what, err, doc)
	}
	out := map[string][]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if prev, ok := out[path]; ok && !slices.Equal(prev, keys) {
				t.Errorf("%s: objects at %q differ in keys: %v and %v", what, path, prev, keys)
			}
			out[path] = keys
			for _, k := range keys {
				switch k {
				case "flags", "flags_before", "flags_after", "namespaces", "features":
					continue
				}
				walk(path+"."+k, x[k])
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	walk("", v)
	return out
}

// sameShapes wants the object paths both documents have to have the same
// keys: a key never comes and goes with the state of what is printed.
func sameShapes(t *testing.T, what string, a, b map[string][]string) {
	t.Helper()
	common := 0
	for path, ka := range a {
		if kb, ok := b[path]; ok {
			common++
			if !slices.Equal(ka, kb) {
				t.Errorf("%s: keys at %q differ between states:\n  %v\n  %v", what, path, ka, kb)
			}
		}
	}
	if common == 0 {
		t.Errorf("%s: the two documents share no object to compare", what)
	}
}

// numbers wants the named keys, wherever they are, to be numbers or null.
func numbers(t *testing.T, what string, doc []byte, keys ...string) {
	t.Helper()
	for _, k := range keys {
		for _, m := range strings.Split(string(doc), `"`+k+`": `)[1:] {
			if c := m[0]; c == '"' || c == '[' || c == '{' {
				t.Errorf("%s: %s is not a number: %.40s", what, k, m)
			}
		}
	}
}

func TestJSONKeysStableAcrossStates(t *testing.T) {
	f := startSim(t, sim.Options{Drift: true, Deployments: 1, InstancesPerDeployment: 3})
	e := newEnv(t)
	e.pointAtPKS(f)
	run := func(args ...string) []byte {
		t.Helper()
		r := e.run(append(args, "--json")...)
		if r.code == 2 || r.stdout == "" {
			t.Fatalf("bosun %v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		return []byte(r.stdout)
	}
	pair := func(what string, a, b []byte) map[string][]string {
		t.Helper()
		sa, sb := shapes(t, what+" (first)", a), shapes(t, what+" (second)", b)
		sameShapes(t, what, sa, sb)
		return sa
	}
	liveDeps := run("deployments")
	depShape := pair("deployments live / cache", liveDeps, run("--offline", "deployments"))
	var deps []struct {
		Name   string `json:"name"`
		Locked bool   `json:"locked"`
	}
	json.Unmarshal(liveDeps, &deps)
	harbor := driftedNamed(t, f, "harbor-")
	instShape := pair("instances live / cache", run("instances"), run("--offline", "instances"))
	pair("instances of one deployment / all", run("instances", "-d", harbor), run("--offline", "instances"))
	clusters := run("clusters")
	pair("clusters live with health / cache", clusters, run("--offline", "clusters"))
	pair("clusters --no-health / --healthz", run("clusters", "--no-health"), run("clusters", "--healthz"))
	var cl []struct {
		Name       string  `json:"name"`
		Deployment *string `json:"deployment"`
	}
	json.Unmarshal(clusters, &cl)
	var names []string
	for _, c := range cl {
		if c.Deployment != nil && !strings.HasPrefix(c.Name, "service-instance_") {
			names = append(names, c.Name)
		}
	}
	if len(names) < 2 {
		t.Fatalf("want two named clusters with deployments: %s", clusters)
	}
	pair("cluster live / cache", run("cluster", names[0]), run("--offline", "cluster", names[1]))
	clean := ""
	for _, d := range deps {
		if !d.Locked && !slices.Contains(f.DriftedDeployments(), d.Name) && strings.HasPrefix(d.Name, "service-instance_") {
			clean = d.Name
		}
	}
	pair("cck with problems / another", run("cck", "-d", harbor), run("cck", "-d", clean))
	etcdA, etcdB := run("etcd", "-c", names[0]), run("etcd", "-c", names[1])
	pair("etcd of two clusters", etcdA, etcdB)
	numbers(t, "etcd", etcdA, "db_size")
	pair("audit status of two clusters", run("audit", "status", "-c", names[0]), run("audit", "status", "-c", names[1]))
	pair("usage all / one cluster", run("usage"), run("usage", "-c", names[0]))
	pair("info live / cache", run("info"), run("--offline", "info"))
	pair("version", run("version"), run("version"))
	before := run("history")
	run("cck", "-d", harbor, "--auto", "--yes")
	after := run("history")
	if string(before) != "[]\n" {
		pair("history", before, after)
	} else {
		shapes(t, "history", after)
	}

	// Every element of a listing says where it came from.
	for what, s := range map[string]map[string][]string{"deployments": depShape, "instances": instShape} {
		if keys := s["[]"]; !slices.Contains(keys, "source") || !slices.Contains(keys, "fetched_at") {
			t.Errorf("%s elements lack source or fetched_at: %v", what, keys)
		}
	}
	for _, k := range []string{"agent_id", "disk_cids", "vm_created_at", "state", "ignore"} {
		if !slices.Contains(instShape["[]"], k) {
			t.Errorf("instances lack %q: %v", k, instShape["[]"])
		}
	}
	if keys := instShape["[].processes[]"]; !slices.Contains(keys, "cpu_total") || !slices.Contains(keys, "mem_percent") {
		t.Errorf("processes lack cpu_total or mem_percent: %v", keys)
	}
}
