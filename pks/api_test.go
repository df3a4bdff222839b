package pks

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

func startPKSSim(t *testing.T) *sim.Foundation {
	t.Helper()
	f, err := sim.Start(sim.Options{Listen: "127.0.0.1:0", TaskTime: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// envFor is the environment `sim serve` exports, as a getenv function.
func envFor(f *sim.Foundation, home string, extra map[string]string) func(string) string {
	user, pass := f.PKSUser()
	ca := filepath.Join(home, "ca.pem")
	os.WriteFile(ca, []byte(f.CACertPEM()), 0o600)
	m := map[string]string{"PKS_API": f.PKSURL(), "PKS_UAA_URL": f.PKSUAAURL(), "PKS_USER": user,
		"PKS_PASSWORD": pass, "PKS_CA_CERT": ca}
	for k, v := range extra {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func clientFor(t *testing.T, f *sim.Foundation, extra map[string]string) *Client {
	t.Helper()
	home := t.TempDir()
	tg, err := ResolveTarget(Overrides{}, envFor(f, home, extra), home)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(tg, Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func directorDeployments(t *testing.T, f *sim.Foundation) []string {
	t.Helper()
	d := bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()}, bosh.Options{})
	deps, err := d.Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(deps))
	for i, x := range deps {
		names[i] = x.Name
	}
	return names
}

func TestClustersMapToDirectorDeployments(t *testing.T) {
	f := startPKSSim(t)
	c := clientFor(t, f, nil)
	ctx := context.Background()
	clusters, err := c.Clusters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deps := directorDeployments(t, f)
	links := map[Link][]string{}
	for _, e := range Join(clusters, deps, true) {
		links[e.Link] = append(links[e.Link], e.Name)
		if e.Link == LinkOK && !hasString(deps, e.Deployment) {
			t.Errorf("cluster %s mapped to %s, which the director does not have", e.Name, e.Deployment)
		}
	}
	if len(links[LinkOK]) != 4 || len(links[LinkNoDeployment]) != 1 || len(links[LinkOrphan]) != 1 {
		t.Fatalf("links %v: want 4 ok, 1 without deployment, 1 orphan", links)
	}
	if cp := ControlPlane(deps); !IsControlPlane(cp) {
		t.Errorf("no control plane deployment among %v", deps)
	}
	creating, err := c.Cluster(ctx, links[LinkNoDeployment][0])
	if err != nil {
		t.Fatal(err)
	}
	if creating.LastActionState != StateInProgress || len(creating.MasterIPs()) != 0 ||
		len(creating.KubernetesMasterIPs) != 1 || creating.KubernetesMasterIPs[0] != "In Progress" {
		t.Errorf("cluster being created: %+v", creating)
	}
	det, err := c.ClusterDetails(ctx, links[LinkOK][0])
	if err != nil || det.Parameters.MasterPort != 8443 || det.Parameters.WorkerInstances == 0 {
		t.Errorf("details: %+v %v", det.Parameters, err)
	}
	plans, err := c.Plans(ctx)
	if err != nil || len(plans) != 3 || plans[2].AllowPrivilegedContainers != true {
		t.Errorf("plans %+v %v", plans, err)
	}
	kc, err := c.Credentials(ctx, links[LinkOK][0])
	if err != nil || kc.CurrentContext != links[LinkOK][0] || len(kc.Users) != 1 || kc.Users[0].User.Token == "" {
		t.Errorf("credentials: %+v %v", kc, err)
	}
	if _, err := c.Credentials(ctx, links[LinkNoDeployment][0]); KindOf(err) != bosh.KindDirector {
		t.Errorf("credentials of a cluster being created: %v (kind %v)", err, KindOf(err))
	}
	if _, err := c.Cluster(ctx, "nope"); KindOf(err) != bosh.KindNotFound || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown cluster: %v", err)
	}
	us, err := c.Usages(ctx)
	if err != nil || len(us) != 1 || us[0].Totals.Cluster != 5 {
		t.Errorf("usages %+v %v", us, err)
	}
}

func TestExpiredTokenIsRefreshed(t *testing.T) {
	f := startPKSSim(t)
	c := clientFor(t, f, nil)
	ctx := context.Background()
	if _, err := c.Clusters(ctx); err != nil {
		t.Fatal(err)
	}
	f.ExpirePKSTokens()
	if _, err := c.Clusters(ctx); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	g := f.Stats().TokenGrants
	if g["PKS password"] != 1 || g["PKS refresh_token"] != 1 {
		t.Errorf("grants %v: want one password login and one refresh", g)
	}
}

func TestSavedCLISessionIsReused(t *testing.T) {
	f := startPKSSim(t)
	first := clientFor(t, f, nil)
	if _, err := first.Plans(context.Background()); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".pks"), 0o700)
	creds := "api: " + f.PKSURL() + "\naccess_token: " + first.access + "\nrefresh_token: " + first.refresh +
		"\nca_cert: |\n  " + strings.ReplaceAll(strings.TrimSpace(f.CACertPEM()), "\n", "\n  ") + "\n"
	if err := os.WriteFile(filepath.Join(home, ".pks", "creds.yml"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PKS_UAA_URL": f.PKSUAAURL()}
	tg, err := ResolveTarget(Overrides{}, func(k string) string { return env[k] }, home)
	if err != nil {
		t.Fatal(err)
	}
	if tg.API != f.PKSURL() || tg.User != "" || tg.CredsPath == "" {
		t.Fatalf("target from the saved session: %+v", tg)
	}
	c, err := New(tg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Clusters(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.ExpirePKSTokens()
	if _, err := c.Clusters(context.Background()); err != nil {
		t.Fatalf("saved session after expiry: %v", err)
	}
	if g := f.Stats().TokenGrants; g["PKS password"] != 1 || g["PKS refresh_token"] != 1 {
		t.Errorf("grants %v: the saved session should be used and refreshed, with no new password login", g)
	}
	// With the refresh token refused and no user, the error says what to do.
	c.mu.Lock()
	c.refresh = "not-a-token"
	c.mu.Unlock()
	f.ExpirePKSTokens()
	_, err = c.Clusters(context.Background())
	if KindOf(err) != bosh.KindUnauthorized || !strings.Contains(err.Error(), "tkgi login") {
		t.Errorf("expired saved session: %v", err)
	}
}

func TestLoginFailures(t *testing.T) {
	f := startPKSSim(t)
	ctx := context.Background()
	_, err := clientFor(t, f, map[string]string{"PKS_PASSWORD": "wrong"}).Clusters(ctx)
	if KindOf(err) != bosh.KindUnauthorized || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("bad password: %v (kind %v)", err, KindOf(err))
	}
	ru, rp := f.PKSReadUser()
	reader := clientFor(t, f, map[string]string{"PKS_USER": ru, "PKS_PASSWORD": rp})
	if _, err := reader.Clusters(ctx); err != nil {
		t.Errorf("read-only user lists clusters: %v", err)
	}
	if _, err := reader.Credentials(ctx, "payments-prod"); KindOf(err) != bosh.KindScope || !strings.Contains(err.Error(), "privileges") {
		t.Errorf("read-only user credentials: %v", err)
	}

	other := startPKSSim(t)
	home := t.TempDir()
	wrongCA := filepath.Join(home, "other.pem")
	os.WriteFile(wrongCA, []byte(other.CACertPEM()), 0o600)
	_, err = clientFor(t, f, map[string]string{"PKS_CA_CERT": wrongCA}).Clusters(ctx)
	if KindOf(err) != bosh.KindTLS || !strings.Contains(err.Error(), "CA") {
		t.Errorf("wrong CA: %v (kind %v)", err, KindOf(err))
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "https://" + ln.Addr().String()
	ln.Close()
	_, err = clientFor(t, f, map[string]string{"PKS_API": dead, "PKS_UAA_URL": dead}).Clusters(ctx)
	if KindOf(err) != bosh.KindUnreachable || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable: %v (kind %v)", err, KindOf(err))
	}
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
