package bosh_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"

	boshuaa "github.com/cloudfoundry/bosh-cli/v7/uaa"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

func startSim(t testing.TB, o sim.Options) *sim.Foundation {
	t.Helper()
	o.Listen = "127.0.0.1:0"
	f, err := sim.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func simClient(f *sim.Foundation, o bosh.Options) *bosh.Client {
	c := bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()}, o)
	bosh.SetRetryDelay(c, 5*time.Millisecond)
	return c
}

func TestSimInfoDeploymentsAndInstances(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 20 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.User != f.ClientID() || info.AuthType != "uaa" || info.UUID != f.UUID() || info.UAAURL == "" {
		t.Fatalf("info = %+v", info)
	}
	deps, err := c.Deployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pks string
	for _, d := range deps {
		if strings.HasPrefix(d.Name, "pivotal-container-service-") {
			pks = d.Name
		}
	}
	if pks == "" {
		t.Fatalf("no PKS deployment in %+v", deps)
	}
	cheap, err := c.Instances(ctx, pks)
	if err != nil {
		t.Fatal(err)
	}
	full, err := c.InstanceDetails(ctx, pks)
	if err != nil {
		t.Fatal(err)
	}
	if len(cheap) == 0 || len(cheap) != len(full) {
		t.Fatalf("cheap %d, full %d instances", len(cheap), len(full))
	}
	for i := range full {
		if cheap[i].Name != full[i].Name || cheap[i].Full || !full[i].Full {
			t.Fatalf("instance %d: cheap %+v full %+v", i, cheap[i], full[i])
		}
	}
	running := 0
	for _, in := range full {
		if in.ProcessState == bosh.StateRunning {
			running++
			if in.Vitals == nil || len(in.Processes) == 0 || in.VMCID == "" || len(in.IPs) == 0 {
				t.Fatalf("running instance without details: %+v", in)
			}
		}
	}
	if running == 0 {
		t.Fatalf("no running instance in %+v", full)
	}
}

func TestSimBasicAuthWithSavedLogin(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, Auth: "basic"})
	c := bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Username: f.ClientID(), Password: f.ClientSecret()}, bosh.Options{})
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.User != f.ClientID() || info.AuthType != "basic" {
		t.Fatalf("info = %+v", info)
	}
}

// A session saved by `bosh log-in` (password grant through bosh_cli) is
// resumed from its tokens and refreshed when they expire.
func TestSimSavedUserSession(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	ucfg, err := boshuaa.NewConfigFromURL(f.UAAURL())
	if err != nil {
		t.Fatal(err)
	}
	ucfg.Client, ucfg.CACert = "bosh_cli", f.CACertPEM()
	u, err := boshuaa.NewFactory(boshlog.NewLogger(boshlog.LevelNone)).New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	user, pass := f.UserPassword()
	tok, err := u.OwnerPasswordCredentialsGrant([]boshuaa.PromptAnswer{{Key: "username", Value: user}, {Key: "password", Value: pass}})
	if err != nil {
		t.Fatal(err)
	}
	saved := tok.(boshuaa.RefreshableAccessToken)
	c := bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(),
		AccessTokenType: saved.Type(), AccessToken: saved.Value(), RefreshToken: saved.RefreshValue()}, bosh.Options{})
	ctx := context.Background()
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.User != user {
		t.Fatalf("user = %q, want %q", info.User, user)
	}
	f.ExpireTokens()
	if _, err := c.Deployments(ctx); err != nil {
		t.Fatalf("after ExpireTokens: %v", err)
	}
}

func TestSimExpiredTokensAreRefreshed(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	c := simClient(f, bosh.Options{})
	ctx := context.Background()
	if _, err := c.Deployments(ctx); err != nil {
		t.Fatal(err)
	}
	f.ExpireTokens()
	if _, err := c.Deployments(ctx); err != nil {
		t.Fatalf("after ExpireTokens: %v", err)
	}
}

func TestSimErrorBurstIsRetried(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	c := simClient(f, bosh.Options{})
	ctx := context.Background()
	if _, err := c.Deployments(ctx); err != nil {
		t.Fatal(err)
	}
	f.SetFaults(sim.Faults{ErrorBurst: 3})
	if _, err := c.Deployments(ctx); err != nil {
		t.Fatalf("burst of 3: %v", err)
	}
	f.SetFaults(sim.Faults{ErrorBurst: 50})
	_, err := c.Deployments(ctx)
	var e *bosh.Error
	if !errors.As(err, &e) || e.Kind != bosh.KindDirector || e.Status != 500 {
		t.Fatalf("persistent 500: %#v", err)
	}
}

func TestSimFailedTaskAndMissingDeployment(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 10 * time.Millisecond, Faults: sim.Faults{FailTasks: true}})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	deps, err := c.Deployments(ctx)
	if err != nil || len(deps) == 0 {
		t.Fatalf("deployments: %v %v", deps, err)
	}
	_, err = c.InstanceDetails(ctx, deps[0].Name)
	var e *bosh.Error
	if !errors.As(err, &e) || e.Kind != bosh.KindTaskFailed || e.TaskID == 0 {
		t.Fatalf("failing task: %#v", err)
	}
	_, err = c.InstanceDetails(ctx, "no-such-deployment")
	if !errors.As(err, &e) || e.Kind != bosh.KindNotFound || e.Code != 70000 {
		t.Fatalf("missing deployment: %#v", err)
	}
}

func TestSimWrongCA(t *testing.T) {
	a := startSim(t, sim.Options{Seed: 1})
	b := startSim(t, sim.Options{Seed: 2})
	c := bosh.New(bosh.Target{URL: a.DirectorURL(), CACert: b.CACertPEM(), Client: a.ClientID(), ClientSecret: a.ClientSecret()}, bosh.Options{})
	bosh.SetRetryDelay(c, time.Millisecond)
	_, err := c.Deployments(context.Background())
	if bosh.KindOf(err) != bosh.KindTLS {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkAllInstanceDetails fetches instance details of 50 deployments
// from a simulated director with 5 workers and 200 ms tasks.
func BenchmarkAllInstanceDetails(b *testing.B) {
	for _, step := range []time.Duration{100 * time.Millisecond, 500 * time.Millisecond} {
		b.Run("poll="+step.String(), func(b *testing.B) {
			f := startSim(b, sim.Options{Seed: 1, Deployments: 50, InstancesPerDeployment: 5, Workers: 5, TaskTime: 200 * time.Millisecond})
			c := bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()},
				bosh.Options{PollInterval: step})
			ctx := context.Background()
			deps, err := c.Deployments(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(deps) < 50 {
				b.Fatalf("%d deployments", len(deps))
			}
			names := make([]string, 50)
			for i := range names {
				names[i] = deps[i].Name
			}
			b.ResetTimer()
			for b.Loop() {
				err := c.AllInstanceDetails(ctx, names, func(dep string, insts []bosh.Instance, err error) {
					if err != nil {
						b.Errorf("%s: %v", dep, err)
					}
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
