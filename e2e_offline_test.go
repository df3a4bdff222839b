package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bosun/sim"
)

// --offline never reads the CA: with BOSH_CA_CERT naming a file that is
// gone (the simulator's CA after it exits), cached listings still serve.
// A live command with the same settings still fails on the CA.
func TestOfflineNeedsNoCA(t *testing.T) {
	f := startSim(t, sim.Options{Deployments: 2, InstancesPerDeployment: 2})
	e := newEnv(t)
	e.pointAt(f)
	live := decode[[]map[string]any](t, e.run("deployments", "--json"))
	f.Close()
	if err := os.Remove(e.vars["BOSH_CA_CERT"]); err != nil {
		t.Fatal(err)
	}
	// A PKS API whose CA is gone too is not looked at offline.
	e.vars["PKS_API"] = "pks.example.com"
	e.vars["PKS_CA_CERT"] = filepath.Join(e.vars["HOME"], "pks-ca.pem")

	r := e.run("--offline", "deployments", "--json")
	cached := decode[[]map[string]any](t, r)
	if len(cached) != len(live) || len(live) == 0 {
		t.Errorf("offline gave %d deployments, live gave %d", len(cached), len(live))
	}
	if strings.Contains(strings.ToLower(r.stderr), "ca certificate") {
		t.Errorf("offline stderr speaks of the CA: %q", r.stderr)
	}
	r = e.run("deployments")
	if r.code == 0 || !strings.Contains(r.stderr, "cannot read CA certificate file") {
		t.Errorf("live run with the CA gone: exit %d, stderr %q", r.code, r.stderr)
	}
}
