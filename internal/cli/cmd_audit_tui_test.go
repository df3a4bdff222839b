package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bosun/app"
	"bosun/pks"
	"bosun/sim"
)

// tuiAuditorOn is the TUI's auditor on a fresh simulated foundation.
func tuiAuditorOn(t *testing.T) (*app.Auditor, string) {
	t.Helper()
	f := startSim(t, sim.Options{Seed: 1, APIServerStart: 50 * time.Millisecond})
	home := t.TempDir()
	ca, known := filepath.Join(home, "ca.pem"), filepath.Join(home, "gateway_known_hosts")
	line, err := f.GatewayKnownHostsLine()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, []byte(f.CACertPEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(known, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	// the VMs are reached through the jumpbox, as sim serve exports it
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(home, "jumpbox.key")
	if err := os.WriteFile(key, j.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"HOME": home, "XDG_CACHE_HOME": filepath.Join(home, "cache"), "XDG_STATE_HOME": filepath.Join(home, "state"),
		"BOSH_ENVIRONMENT": f.DirectorURL(), "BOSH_CA_CERT": ca, "BOSH_CLIENT": f.ClientID(), "BOSH_CLIENT_SECRET": f.ClientSecret(),
		"BOSUN_GW_KNOWN_HOSTS": known, "BOSH_ALL_PROXY": j.AllProxy(key), "BOSH_GW_DISABLE": ""} {
		t.Setenv(k, v)
	}
	s, err := openSession(&globals{maxTasks: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	a := s.Auditor((&gatewayFlags{}).sshOptions(s, io.Discard))
	a.PollEvery = 20 * time.Millisecond
	deps, err := s.Client.Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if !strings.HasPrefix(d.Name, "service-instance_") {
			continue
		}
		ms, err := a.AuditStatus(context.Background(), d.Name)
		if err == nil && len(ms) > 0 && !ms[0].Enabled && ms[0].Error == "" {
			return a, d.Name
		}
	}
	t.Fatal("no cluster with audit off")
	return nil, ""
}

func TestTUIAuditorAppliesOnlyTheConfirmedPlan(t *testing.T) {
	a, dep := tuiAuditorOn(t)
	ctx := context.Background()
	plans, err := a.AuditPlan(ctx, dep, true, "Request")
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) == 0 || plans[0].NoChange() || !strings.Contains(pks.PlanDiff(plans[0]), "level: Request") {
		t.Fatalf("plan of enable: %d masters, diff:\n%s", len(plans), pks.PlanDiff(plans[0]))
	}
	stale := append([]pks.MasterPlan(nil), plans...)
	stale[0].BPMBefore = append([]byte("# edited meanwhile\n"), stale[0].BPMBefore...)
	if _, err := a.AuditToggle(ctx, dep, true, "Request", stale, nil, func(pks.RollStep) {}); err == nil || !strings.Contains(err.Error(), "changed since the confirmation") {
		t.Fatalf("a stale confirmation rolled: %v", err)
	}
	if ms, _ := a.AuditStatus(ctx, dep); ms[0].Enabled {
		t.Fatal("the refused toggle changed a master")
	}
	res, err := a.AuditToggle(ctx, dep, true, "Request", plans, nil, func(pks.RollStep) {})
	if err != nil || len(res) != len(plans) {
		t.Fatalf("roll: %v, %d results", err, len(res))
	}
	ms, err := a.AuditStatus(ctx, dep)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if !m.Enabled || m.PolicyLevel != "Request" {
			t.Errorf("%s after the confirmed enable: enabled %v level %q", m.Instance, m.Enabled, m.PolicyLevel)
		}
	}
}
