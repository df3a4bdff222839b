package bosh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func uaaTarget(f *fakeDirector) Target {
	return Target{URL: f.URL(), CACert: f.CACertPEM(), Client: f.clientID, ClientSecret: f.clientSecret}
}

func TestInfoBasicAuthUsesSavedLogin(t *testing.T) {
	f := newFakeDirector(t, "basic")
	c := testClient(Target{URL: f.URL(), CACert: f.CACertPEM(), Username: "admin", Password: "admin-pw"}, Options{})
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.User != "admin" || info.AuthType != "basic" || info.Name != "test-bosh" || info.UUID != "6f0e9f4c-uuid" {
		t.Fatalf("info = %+v", info)
	}
	if !info.Features["local_dns"] || info.Features["snapshots"] {
		t.Fatalf("features = %v", info.Features)
	}
}

func TestInfoBasicAuthClientOverridesSavedLogin(t *testing.T) {
	f := newFakeDirector(t, "basic")
	c := testClient(Target{URL: f.URL(), CACert: f.CACertPEM(), Client: "admin", ClientSecret: "wrong", Username: "admin", Password: "admin-pw"}, Options{})
	_, err := c.Info(context.Background())
	if KindOf(err) != KindUnauthorized {
		t.Fatalf("err = %v, kind %v; want unauthorized", err, KindOf(err))
	}
	if !strings.Contains(err.Error(), `did not accept the credentials of "admin"`) {
		t.Fatalf("message = %q", err)
	}
}

func TestInfoWithoutCredentialsSaysHowToLogIn(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	c := testClient(Target{URL: f.URL(), CACert: f.CACertPEM()}, Options{})
	info, err := c.Info(context.Background())
	if KindOf(err) != KindUnauthorized || !strings.Contains(err.Error(), "bosh log-in") {
		t.Fatalf("err = %v", err)
	}
	if info.UUID != "6f0e9f4c-uuid" || info.AuthType != "uaa" || info.UAAURL != f.URL() {
		t.Fatalf("anonymous info not kept: %+v", info)
	}
}

func TestInfoUAAClientCredentials(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	c := testClient(uaaTarget(f), Options{})
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.User != "ops" || info.AuthType != "uaa" || info.UAAURL != f.URL() {
		t.Fatalf("info = %+v", info)
	}
	if f.grantCount("client_credentials") != 1 {
		t.Fatalf("client_credentials grants = %d, want 1", f.grantCount("client_credentials"))
	}
	if c.Target().Client != "ops" {
		t.Fatalf("Target() = %+v", c.Target())
	}
}

func TestUAAWrongSecretIsUnauthorized(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	tg := uaaTarget(f)
	tg.ClientSecret = "nope"
	_, err := testClient(tg, Options{}).Deployments(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUnauthorized || e.Status != 401 {
		t.Fatalf("err = %#v", err)
	}
	if e.Error() != "list deployments: unauthorized: UAA refused the credentials (HTTP 401): Bad credentials" {
		t.Fatalf("message = %q", e.Error())
	}
	if strings.Contains(e.Error(), "nope") {
		t.Fatal("message shows the secret")
	}
}

func TestSavedRefreshTokenSessionRefreshesAndNeverWritesConfig(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.refresh["saved-refresh"] = "alice"
	home := t.TempDir()
	cfgPath := filepath.Join(home, ".bosh", "config")
	writeFile(t, cfgPath, "environments:\n- url: "+f.URL()+"\n  alias: lab\n  ca_cert: |\n"+indent(f.CACertPEM(), "    ")+
		"  access_token: stale-access\n  access_token_type: bearer\n  refresh_token: saved-refresh\n")
	before, _ := os.ReadFile(cfgPath)

	tg, err := ResolveTarget(Overrides{Environment: "lab"}, envOf(nil), home)
	if err != nil {
		t.Fatal(err)
	}
	c := testClient(tg, Options{})
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.User != "alice" {
		t.Fatalf("user = %q", info.User)
	}
	// /info showed no user for the stale token, so the session refreshed.
	if f.grantCount("refresh_token") != 1 {
		t.Fatalf("refresh grants = %d, want 1", f.grantCount("refresh_token"))
	}
	after, _ := os.ReadFile(cfgPath)
	if string(before) != string(after) {
		t.Fatal("config file was rewritten")
	}
}

func TestStaleSavedTokenGets401ThenRefreshes(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.refresh["r1"] = "alice"
	f.addDeployment("a")
	c := testClient(Target{URL: f.URL(), CACert: f.CACertPEM(), AccessToken: "stale", AccessTokenType: "bearer", RefreshToken: "r1"}, Options{})
	deps, err := c.Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || f.grantCount("refresh_token") != 1 || f.count("GET /deployments") != 2 {
		t.Fatalf("deps %v, refresh grants %d, requests %d", deps, f.grantCount("refresh_token"), f.count("GET /deployments"))
	}
}

func TestExpiredTokenMidSessionIsRefreshed(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("a", vmLine("web", 0, "id-a", "running"))
	c := testClient(uaaTarget(f), Options{})
	ctx := context.Background()
	if _, err := c.Deployments(ctx); err != nil {
		t.Fatal(err)
	}
	grants := f.grantCount("client_credentials")
	f.expireTokens()
	deps, err := c.Deployments(ctx)
	if err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if len(deps) != 1 || f.grantCount("client_credentials") != grants+1 {
		t.Fatalf("deps %v, grants %d → %d", deps, grants, f.grantCount("client_credentials"))
	}
	if n := f.count("GET /deployments"); n != 3 {
		t.Fatalf("GET /deployments = %d, want 3 (ok, 401, retried ok)", n)
	}
}

func TestRefreshReplyWithoutRefreshTokenIsAnErrorNotAPanic(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.refresh["r1"] = "alice"
	f.omitRefresh = true
	c := testClient(Target{URL: f.URL(), CACert: f.CACertPEM(), RefreshToken: "r1"}, Options{})
	_, err := c.Deployments(context.Background())
	if KindOf(err) != KindUnauthorized {
		t.Fatalf("err = %v (kind %v)", err, KindOf(err))
	}
	if !strings.Contains(err.Error(), "bosh log-in") {
		t.Fatalf("message = %q", err)
	}
}

func TestDeploymentsMapping(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("zeta")
	f.addDeployment("locked-dep")
	deps, err := testClient(uaaTarget(f), Options{}).Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 2 || deps[0].Name != "locked-dep" || !deps[0].Locked || deps[1].Locked {
		t.Fatalf("deps = %+v", deps)
	}
	if deps[1].Releases[0] != "bpm/1.2.16" || deps[1].Stemcells[0] != "bosh-vsphere-esxi-ubuntu-jammy-go_agent/1.423" || deps[1].Teams == nil {
		t.Fatalf("dep = %+v", deps[1])
	}
	if f.count("GET /deployments") != 1 {
		t.Fatal("not one GET /deployments")
	}
}

func TestInstancesCheapListing(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("d", vmLine("web", 1, "id-w1", "running"), vmLine("db", 0, "id-d0", "running"), vmLine("web", 0, "id-w0", "failing"))
	insts, err := testClient(uaaTarget(f), Options{}).Instances(context.Background(), "d")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"db/id-d0", "web/id-w0", "web/id-w1"}
	for i, in := range insts {
		if in.Name != want[i] || in.Full || in.ProcessState != "" || in.Deployment != "d" {
			t.Fatalf("inst %d = %+v", i, in)
		}
	}
	if insts[2].Index != 1 || insts[2].VMCID != "vm-id-w1" || insts[2].IPs[0] != "10.0.1.1" || insts[2].VMCreatedAt.IsZero() {
		t.Fatalf("web/1 = %+v", insts[2])
	}
	if f.count("GET /tasks/1") != 0 {
		t.Fatal("cheap listing started a task")
	}
}

func TestInstanceDetailsMapping(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	noVM := `{"vm_cid":null,"active":null,"vm_created_at":null,"disk_cid":null,"disk_cids":[],"ips":[],"agent_id":null,"job_name":"worker","index":2,"job_state":null,"state":"started","vm_type":null,"vitals":null,"processes":[],"az":null,"id":"id-x","bootstrap":false,"ignore":false}` + "\n"
	badVitals := strings.Replace(strings.Replace(vmLine("web", 1, "id-w1", "failing"), `"sys":"1.2"`, `"sys":"n/a"`, 1), `"kb":10240`, `"kb":"lots"`, 1)
	f.addDeployment("d", vmLine("web", 0, "id-w0", "running"), "\n", badVitals, noVM)
	insts, err := testClient(uaaTarget(f), Options{}).InstanceDetails(context.Background(), "d")
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 3 || insts[0].Name != "web/id-w0" || insts[1].Name != "web/id-w1" || insts[2].Name != "worker/id-x" {
		t.Fatalf("order: %+v", insts)
	}
	w0 := insts[0]
	if !w0.Full || w0.ProcessState != "running" || w0.State != "started" || !w0.Bootstrap || w0.VMType != "large" || w0.AgentID != "agent-id-w0" {
		t.Fatalf("w0 = %+v", w0)
	}
	if len(w0.DiskCIDs) != 1 || w0.DiskCIDs[0] != "disk-id-w0" {
		t.Fatalf("disk cids = %v", w0.DiskCIDs)
	}
	v := w0.Vitals
	if v == nil || v.Load != [3]float64{0.12, 0.20, 0.18} || v.CPU.Sys != 1.2 || v.CPU.User != 3.4 || v.Mem.KB != 2066796 || v.Mem.Percent != 25 || v.UptimeSecs != 123456 {
		t.Fatalf("vitals = %+v", v)
	}
	if v.System == nil || v.System.Percent != 45 || v.System.InodePercent != 31 || v.Ephemeral == nil || v.Persistent != nil {
		t.Fatalf("disks = %+v %+v %+v", v.System, v.Ephemeral, v.Persistent)
	}
	p := w0.Processes[0]
	if p.Name != "bpm" || p.State != "running" || p.UptimeSecs != 120040 || p.MemKB != 10240 || p.MemPercent != 0.1 || p.CPUTotal != 0.5 {
		t.Fatalf("process = %+v", p)
	}
	w1 := insts[1]
	if w1.Vitals == nil || w1.Vitals.CPU.Sys != 0 || w1.Vitals.CPU.User != 3.4 || w1.Processes[0].MemKB != 0 || w1.Processes[0].Name != "bpm" {
		t.Fatalf("bad vitals not kept as zero: %+v %+v", w1.Vitals, w1.Processes)
	}
	x := insts[2]
	if x.Vitals != nil || x.ProcessState != "" || x.VMCID != "" || len(x.Processes) != 0 || x.Index != 2 || x.IPs == nil {
		t.Fatalf("VM-less = %+v", x)
	}
}

func TestInstanceDetailsWrongTypeOutsideVitalsIsAnError(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	bad := strings.Replace(vmLine("web", 1, "id-w1", "running"), `"sys":"1.2"`, `"sys":1.2`, 1)
	bad = strings.Replace(bad, `"az":"az1"`, `"az":7`, 1)
	f.addDeployment("d", vmLine("web", 0, "id-w0", "running"), bad)
	insts, err := testClient(uaaTarget(f), Options{}).InstanceDetails(context.Background(), "d")
	if KindOf(err) != KindBadResponse || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v", err)
	}
	if len(insts) != 1 || insts[0].Name != "web/id-w0" {
		t.Fatalf("instances before the bad line lost: %+v", insts)
	}
}

func TestTruncatedNDJSONIsAnErrorAndKeepsGoodLines(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	cut := vmLine("web", 1, "id-w1", "running")
	f.addDeployment("d", vmLine("web", 0, "id-w0", "running"), cut[:len(cut)/2])
	insts, err := testClient(uaaTarget(f), Options{}).InstanceDetails(context.Background(), "d")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindBadResponse || e.TaskID != 1 {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(e.Error(), "instance details of d: bad response from director: task result line 2: not valid JSON") {
		t.Fatalf("message = %q", e.Error())
	}
	if len(insts) != 1 || insts[0].Name != "web/id-w0" {
		t.Fatalf("good line lost: %+v", insts)
	}
}

func TestMalformedJSONIsBadResponse(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.depsJSON = `[{"name": "a", "releases": [`
	_, err := testClient(uaaTarget(f), Options{}).Deployments(context.Background())
	if KindOf(err) != KindBadResponse || !strings.HasPrefix(err.Error(), "list deployments: bad response from director: malformed JSON") {
		t.Fatalf("err = %v", err)
	}
}
