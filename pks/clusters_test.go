package pks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
)

func TestClusterParsesLeniently(t *testing.T) {
	body := `{"name":"k8s1","uuid":"5B61A743-dc3c-4bfe-8662-f68aea7b9885","last_action":"CREATE",
		"last_action_state":"in progress","kubernetes_master_ips":["In Progress"],
		"parameters":{"kubernetes_master_port":"8443","kubernetes_worker_instances":2,"authorization_mode":null}}`
	var c Cluster
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	if c.Parameters.MasterPort != 8443 || c.Parameters.WorkerInstances != 2 {
		t.Errorf("parameters %+v", c.Parameters)
	}
	if ips := c.MasterIPs(); len(ips) != 0 {
		t.Errorf("master IPs %v while in progress", ips)
	}
	if c.Deployment() != "service-instance_5b61a743-dc3c-4bfe-8662-f68aea7b9885" {
		t.Errorf("deployment %s", c.Deployment())
	}
	if err := json.Unmarshal([]byte(`{"name":"x","parameters":null}`), &c); err != nil {
		t.Errorf("null parameters: %v", err)
	}
}

func TestJoinLabelsEveryCase(t *testing.T) {
	clusters := []Cluster{{Name: "b", UUID: "22"}, {Name: "a", UUID: "11"}, {Name: "new", UUID: "33"}}
	deps := []string{"service-instance_11", "service-instance_22", "service-instance_99", "pivotal-container-service-0123456789abcdef0123", "harbor"}
	got := Join(clusters, deps, true)
	want := []struct {
		name string
		link Link
		dep  string
	}{{"a", LinkOK, "service-instance_11"}, {"b", LinkOK, "service-instance_22"}, {"new", LinkNoDeployment, ""},
		{"service-instance_99", LinkOrphan, "service-instance_99"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].Link != w.link || got[i].Deployment != w.dep {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], w)
		}
	}
	if got[2].Link.Label() != "no deployment yet" || got[3].Link.Label() != "orphan deployment" {
		t.Errorf("labels %q %q", got[2].Link.Label(), got[3].Link.Label())
	}
	unchecked := Join(clusters, nil, false)
	if len(unchecked) != 3 || unchecked[0].Link != LinkUnchecked || unchecked[0].Deployment != "service-instance_11" {
		t.Errorf("without deployments: %+v", unchecked)
	}
	only := FromDeployments(deps)
	if len(only) != 3 || only[0].Link != LinkNameUnknown {
		t.Errorf("from deployments: %+v", only)
	}
	if ControlPlane(deps) != deps[3] || IsControlPlane("pivotal-container-service-xyz") {
		t.Errorf("control plane detection")
	}
}

func TestResolveAcceptsNameUUIDOrDeployment(t *testing.T) {
	entries := Join([]Cluster{{Name: "prod", UUID: "8de000ff-a87a-4930-81ba-106d42c2471e"}},
		[]string{"service-instance_8de000ff-a87a-4930-81ba-106d42c2471e", "service-instance_0000"}, true)
	for _, arg := range []string{"prod", "8de000ff-a87a-4930-81ba-106d42c2471e", "8DE000FF-A87A-4930-81BA-106D42C2471E",
		"service-instance_8de000ff-a87a-4930-81ba-106d42c2471e"} {
		e, err := Resolve(arg, entries)
		if err != nil || e.Name != "prod" {
			t.Errorf("Resolve(%q) = %+v, %v", arg, e, err)
		}
	}
	if e, err := Resolve("service-instance_0000", entries); err != nil || e.Link != LinkOrphan {
		t.Errorf("orphan by deployment: %+v %v", e, err)
	}
	_, err := Resolve("dev", entries)
	if err == nil || !strings.Contains(err.Error(), "known: prod") {
		t.Errorf("unknown cluster: %v", err)
	}
	if _, err := Resolve(" ", entries); err == nil {
		t.Error("empty name accepted")
	}
	if _, err := Resolve("x", nil); err == nil || !strings.Contains(err.Error(), "no clusters are known") {
		t.Errorf("no clusters: %v", err)
	}
}

func TestRollUp(t *testing.T) {
	in := func(name, state string, procs ...bosh.Process) bosh.Instance {
		g, _, _ := strings.Cut(name, "/")
		return bosh.Instance{Name: name, Group: g, ProcessState: state, Full: true, Processes: procs}
	}
	h := RollUp([]bosh.Instance{in("master/1", "running"), in("worker/2", "failing",
		bosh.Process{Name: "kubelet", State: "failing"}, bosh.Process{Name: "kube-proxy", State: "running"}),
		in("worker/3", "unresponsive agent"), in("apply-addons/4", "")})
	if h.State != HealthDegraded || h.Masters != 1 || h.MastersRunning != 1 || h.Workers != 2 || h.WorkersRunning != 0 ||
		h.Failing != 1 || h.Unresponsive != 1 || len(h.Problems) != 2 || h.Problems[0] != "worker/2 failing: kubelet" {
		t.Errorf("roll-up %+v", h)
	}
	if h := RollUp([]bosh.Instance{in("master/1", "failing"), in("worker/2", "running")}); h.State != HealthDown {
		t.Errorf("no master running: %s", h.State)
	}
	if h := RollUp([]bosh.Instance{in("master/1", "running"), in("worker/2", "running")}); h.State != HealthHealthy {
		t.Errorf("all running: %s", h.State)
	}
	cheap := RollUp([]bosh.Instance{{Name: "master/1", Group: "master"}, {Name: "worker/1", Group: "worker"}})
	if cheap.State != HealthUnknown || cheap.Masters != 1 || cheap.Workers != 1 {
		t.Errorf("without details: %+v", cheap)
	}
}

func TestResolveTargetRefusesBadSettings(t *testing.T) {
	home := t.TempDir()
	ca := filepath.Join(home, "ca.pem")
	os.WriteFile(ca, []byte("not a cert"), 0o600)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no CA", map[string]string{"PKS_API": "api.pks.example.com", "PKS_USER": "u"}, "no CA certificate"},
		{"bad CA", map[string]string{"PKS_API": "api.pks.example.com", "PKS_USER": "u", "PKS_CA_CERT": ca}, "no PEM certificate"},
		{"missing CA file", map[string]string{"PKS_API": "api", "PKS_USER": "u", "PKS_CA_CERT": "/nope.pem"}, "cannot read"},
		{"http", map[string]string{"PKS_API": "http://api:9021", "PKS_USER": "u"}, "only https"},
		{"bad port", map[string]string{"PKS_API": "api:99999", "PKS_USER": "u"}, "bad port"},
	}
	for _, c := range cases {
		_, err := ResolveTarget(Overrides{}, env(c.env), home)
		if err == nil || KindOf(err) != bosh.KindConfig || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a config error with %q", c.name, err, c.want)
		}
	}
	tg, err := ResolveTarget(Overrides{}, env(nil), home)
	if err != nil || tg.Configured() {
		t.Errorf("nothing configured: %+v %v", tg, err)
	}
	good := filepath.Join(home, "good.pem")
	os.WriteFile(good, []byte(testCAPEM(t)), 0o600)
	_, err = ResolveTarget(Overrides{API: "api.pks.example.com", CACert: good}, env(nil), home)
	if err == nil || !strings.Contains(err.Error(), "no PKS credentials") {
		t.Errorf("no credentials: %v", err)
	}
	tg, err = ResolveTarget(Overrides{API: "api.pks.example.com", CACert: good, User: "u", Password: "p"}, env(nil), home)
	if err != nil || tg.API != "https://api.pks.example.com:9021" || tg.UAA != "https://api.pks.example.com:8443" {
		t.Errorf("defaults: %+v %v", tg, err)
	}
	os.MkdirAll(filepath.Join(home, ".pks"), 0o700)
	os.WriteFile(filepath.Join(home, ".pks", "creds.yml"), []byte("access_token: [unclosed"), 0o600)
	if _, err := ResolveTarget(Overrides{}, env(nil), home); err == nil || !strings.Contains(err.Error(), "creds.yml") {
		t.Errorf("broken creds file: %v", err)
	}
}

// testCAPEM makes a self-signed CA certificate.
func testCAPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
