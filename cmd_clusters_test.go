package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bosun/sim"
)

// pointAtPKS adds the PKS settings `sim serve` exports.
func (e *env) pointAtPKS(f *sim.Foundation) {
	e.pointAt(f)
	user, pass := f.PKSUser()
	e.vars["PKS_API"] = f.PKSURL()
	e.vars["PKS_UAA_URL"] = f.PKSUAAURL()
	e.vars["PKS_CA_CERT"] = e.vars["BOSH_CA_CERT"]
	e.vars["PKS_USER"] = user
	e.vars["PKS_PASSWORD"] = pass
}

func deadURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "https://" + ln.Addr().String()
	ln.Close()
	return u
}

type clusterOut struct {
	Name                string   `json:"name"`
	UUID                string   `json:"uuid"`
	PlanName            string   `json:"plan_name"`
	LastActionState     string   `json:"last_action_state"`
	KubernetesMasterIPs []string `json:"kubernetes_master_ips"`
	Deployment          *string  `json:"deployment"`
	Link                string   `json:"link"`
	Source              string   `json:"source"`
	NamesFrom           string   `json:"names_from"`
	Health              *struct {
		State          string   `json:"state"`
		Masters        int      `json:"masters"`
		WorkersRunning int      `json:"workers_running"`
		Problems       []string `json:"problems"`
	} `json:"health"`
}

type clusterDetailOut struct {
	clusterOut
	ControlPlane string `json:"control_plane_deployment"`
	Instances    []struct {
		Instance   string   `json:"instance"`
		NotRunning []string `json:"not_running"`
	} `json:"instances"`
}

func TestClustersJSONMapsEveryClusterToADeployment(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	deps := decode[[]map[string]any](t, e.run("deployments", "--json"))
	have := map[string]bool{}
	for _, d := range deps {
		have[d["name"].(string)] = true
	}
	clusters := decode[[]clusterOut](t, e.run("clusters", "--json"))
	links := map[string]int{}
	for _, c := range clusters {
		links[c.Link]++
		if c.NamesFrom != "pks-api" || c.Source != "live" {
			t.Errorf("%s: source %q, names from %q", c.Name, c.Source, c.NamesFrom)
		}
		switch c.Link {
		case "ok":
			if c.Deployment == nil || !have[*c.Deployment] || *c.Deployment != "service-instance_"+c.UUID {
				t.Errorf("%s maps to %v, not an existing service-instance_%s", c.Name, c.Deployment, c.UUID)
			}
			if c.Health == nil || c.Health.Masters != len(c.KubernetesMasterIPs) || c.PlanName == "" {
				t.Errorf("%s: health %+v, %d master IPs, plan %q", c.Name, c.Health, len(c.KubernetesMasterIPs), c.PlanName)
			}
		case "no-deployment":
			if c.Deployment != nil || c.LastActionState != "in progress" || len(c.KubernetesMasterIPs) != 0 || c.Health != nil {
				t.Errorf("cluster being created: %+v", c)
			}
		case "orphan":
			if c.Deployment == nil || c.Name != *c.Deployment || c.Health == nil || len(c.KubernetesMasterIPs) != 1 {
				t.Errorf("orphan: %+v", c)
			}
		}
	}
	if links["ok"] != 4 || links["no-deployment"] != 1 || links["orphan"] != 1 {
		t.Errorf("links %v: want 4 ok, 1 no-deployment, 1 orphan", links)
	}
	var degraded int
	for _, c := range clusters {
		if c.Health != nil && c.Health.State == "degraded" {
			degraded++
		}
	}
	if degraded != 3 {
		t.Errorf("%d degraded clusters, want 3 (failing kubelet, unresponsive agent, stopped worker)", degraded)
	}

	table := e.run("clusters")
	for _, want := range []string{"no deployment yet", "orphan deployment", "In Progress", "UPGRADE in progress", "degraded: 1 failing"} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, table.stdout)
		}
	}
}

func TestClusterAcceptsNameUUIDOrDeployment(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	all := decode[[]clusterOut](t, e.run("clusters", "--json", "--no-health"))
	var target clusterOut
	for _, c := range all {
		if c.Name == "payments-prod" {
			target = c
		}
	}
	if target.Deployment == nil {
		t.Fatalf("payments-prod not listed: %+v", all)
	}
	for _, args := range [][]string{{"cluster", "payments-prod"}, {"cluster", "-c", target.UUID}, {"cluster", "-c", *target.Deployment}} {
		d := decode[clusterDetailOut](t, e.run(append(args, "--json")...))
		if d.Name != "payments-prod" || len(d.Instances) != 4 || !strings.HasPrefix(d.ControlPlane, "pivotal-container-service-") {
			t.Errorf("%v: %+v", args, d)
		}
		failing := 0
		for _, in := range d.Instances {
			if len(in.NotRunning) > 0 && in.NotRunning[0] == "kubelet" {
				failing++
			}
		}
		if failing != 1 || d.Health == nil || d.Health.State != "degraded" {
			t.Errorf("%v: %d instances with kubelet down, health %+v", args, failing, d.Health)
		}
	}
	r := e.run("cluster", "no-such-cluster")
	if r.code != 2 || !strings.Contains(r.stderr, "known: ") || !strings.Contains(r.stderr, "payments-prod") {
		t.Errorf("unknown cluster: exit %d, %q", r.code, r.stderr)
	}
	if r := e.run("cluster"); r.code != 2 {
		t.Errorf("no cluster named: exit %d", r.code)
	}
	creating := e.run("cluster", "ml-sandbox")
	if creating.code != 0 || !strings.Contains(creating.stdout, "no deployment yet") || !strings.Contains(creating.stdout, "In Progress") {
		t.Errorf("cluster being created: exit %d\n%s%s", creating.code, creating.stdout, creating.stderr)
	}
}

func TestClustersFallBackWhenPKSUnreachable(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	live := decode[[]clusterOut](t, e.run("clusters", "--json", "--no-health"))

	dead := deadURL(t)
	e.vars["PKS_API"], e.vars["PKS_UAA_URL"] = dead, dead
	r := e.run("clusters", "--json", "--no-health")
	cached := decodeExit[[]clusterOut](t, r, 3) // live was asked for: the cache standing in is partial
	if len(cached) != len(live) || cached[0].Source != "cache" || cached[0].NamesFrom != "cache" || cached[0].Name != live[0].Name {
		t.Errorf("cached fallback: %+v", cached)
	}
	if !strings.Contains(r.stderr, "unreachable") || !strings.Contains(r.stderr, "clusters from cache") {
		t.Errorf("stderr does not say the PKS API failed and the cache stands in: %q", r.stderr)
	}
	// Offline serves the cache without asking anyone.
	if off := decode[[]clusterOut](t, e.run("--offline", "clusters", "--json")); len(off) != len(live) || off[0].Source != "cache" {
		t.Errorf("offline: %+v", off)
	}

	// Nothing cached: the deployment names stand in for the clusters.
	fresh := newEnv(t)
	fresh.pointAtPKS(f)
	fresh.vars["PKS_API"], fresh.vars["PKS_UAA_URL"] = dead, dead
	r = fresh.run("clusters", "--json")
	byDeps := decodeExit[[]clusterOut](t, r, 3)
	if len(byDeps) != 5 {
		t.Fatalf("%d cluster deployments, want 4 clusters and the orphan: %+v", len(byDeps), byDeps)
	}
	for _, c := range byDeps {
		if c.Link != "name-unknown" || c.NamesFrom != "deployments" || !strings.HasPrefix(c.Name, "service-instance_") || c.Health == nil {
			t.Errorf("deployment-only row: %+v", c)
		}
	}
	if !strings.Contains(r.stderr, "without their names") {
		t.Errorf("stderr: %q", r.stderr)
	}
	table := fresh.run("clusters")
	if table.code != 3 || !strings.Contains(table.stdout, "PKS API not reached") {
		t.Errorf("table without the API: exit %d\n%s", table.code, table.stdout)
	}
}

// An expired token in the pks/tkgi CLI's saved session is refreshed with
// its refresh token; no password is needed.
func TestClustersReuseAndRefreshSavedCLISession(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	user, pass := f.PKSUser()
	access, refresh := pksLogin(t, f, user, pass)
	f.ExpirePKSTokens()
	creds := "api: " + f.PKSURL() + "\naccess_token: " + access + "\nrefresh_token: " + refresh + "\n"
	dir := filepath.Join(e.vars["HOME"], ".pks")
	os.MkdirAll(dir, 0o700)
	if err := os.WriteFile(filepath.Join(dir, "creds.yml"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	e.vars["PKS_UAA_URL"] = f.PKSUAAURL()
	e.vars["PKS_CA_CERT"] = e.vars["BOSH_CA_CERT"]
	clusters := decode[[]clusterOut](t, e.run("clusters", "--json", "--no-health"))
	if len(clusters) != 6 || clusters[0].NamesFrom != "pks-api" {
		t.Fatalf("clusters with the saved session: %+v", clusters)
	}
	if g := f.Stats().TokenGrants; g["PKS refresh_token"] != 1 || g["PKS password"] != 1 {
		t.Errorf("grants %v: want the test's login and one refresh by bosun", g)
	}
}

func TestClustersRefuseBadPKSSettings(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	e.vars["PKS_API"] = "http://" + strings.TrimPrefix(f.PKSURL(), "https://")
	r := e.run("clusters", "--no-health")
	if r.code != 3 || !strings.Contains(r.stderr, "only https") {
		t.Errorf("plain http PKS API: exit %d, stderr %q (want the deployments listed, the reason and exit 3)", r.code, r.stderr)
	}
	e.pointAtPKS(f)
	r = e.run("clusters", "--no-health", "--pks-password", "wrong")
	if r.code != 3 || !strings.Contains(r.stderr, "refused the credentials") {
		t.Errorf("wrong password: exit %d (want 3: listed, but without the API), %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "wrong") {
		t.Errorf("the password shows in the output")
	}
}

// pksLogin runs the pks_cli password grant as `tkgi login` does.
func pksLogin(t *testing.T, f *sim.Foundation, user, pass string) (access, refresh string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(f.CACertPEM()))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	form := url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}
	req, _ := http.NewRequest("POST", f.PKSUAAURL()+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("pks_cli", "")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.RefreshToken == "" {
		t.Fatalf("login: %v %+v", err, tr)
	}
	return tr.AccessToken, tr.RefreshToken
}

func TestEtcdHealthOverSSH(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	type report struct {
		Healthy bool   `json:"healthy"`
		Leader  string `json:"leader"`
		Members []struct {
			Instance string `json:"instance"`
			Healthy  bool   `json:"healthy"`
			Error    string `json:"error"`
		} `json:"members"`
	}
	ok := decode[report](t, e.run("etcd", "-c", "data-lake", "--json"))
	if !ok.Healthy || len(ok.Members) != 3 || ok.Leader == "" || !strings.HasPrefix(ok.Members[0].Instance, "master/") {
		t.Errorf("healthy cluster: %+v", ok)
	}
	r := e.run("etcd", "-c", "platform-prod", "--json")
	if r.code != 1 {
		t.Fatalf("unhealthy member: exit %d, stderr %s", r.code, r.stderr)
	}
	var bad report
	if err := json.Unmarshal([]byte(r.stdout), &bad); err != nil {
		t.Fatal(err)
	}
	unhealthy := 0
	for _, m := range bad.Members {
		if !m.Healthy && strings.Contains(m.Error, "failed to commit proposal") {
			unhealthy++
		}
	}
	if bad.Healthy || unhealthy != 1 {
		t.Errorf("platform-prod: %+v", bad)
	}
	if r := e.run("etcd", "-c", "ml-sandbox"); r.code != 2 || !strings.Contains(r.stderr, "no deployment yet") {
		t.Errorf("cluster being created: exit %d %q", r.code, r.stderr)
	}
	if r := e.run("--read-only", "etcd", "-c", "data-lake"); r.code != 2 || !strings.Contains(r.stderr, "--read-only") {
		t.Errorf("read-only: exit %d %q", r.code, r.stderr)
	}
}

func TestUsageFromBillingDatabase(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	type usage struct {
		Watermark int `json:"watermark"`
		Clusters  []struct {
			Cluster    string               `json:"cluster"`
			Pods       int                  `json:"pods"`
			Watermark  int                  `json:"watermark"`
			Namespaces map[string]int       `json:"namespaces"`
			Daily      []struct{ Pods int } `json:"daily"`
		} `json:"clusters"`
	}
	all := decode[usage](t, e.run("usage", "--json"))
	if len(all.Clusters) != 5 || all.Watermark == 0 {
		t.Fatalf("usage of all clusters: %+v", all)
	}
	sum := 0
	for _, c := range all.Clusters {
		sum += c.Watermark
		if c.Watermark == 0 || c.Watermark > c.Pods || len(c.Daily) < 7 || c.Namespaces["kube-system"] == 0 {
			t.Errorf("%s: %+v", c.Cluster, c)
		}
	}
	if all.Watermark > sum {
		t.Errorf("installation watermark %d above the sum of the clusters' %d", all.Watermark, sum)
	}
	one := decode[usage](t, e.run("usage", "-c", "payments-prod", "--since", "2d", "--json"))
	if len(one.Clusters) != 1 || one.Clusters[0].Cluster != "payments-prod" || len(one.Clusters[0].Daily) > 3 {
		t.Errorf("one cluster, two days: %+v", one)
	}
	if r := e.run("usage", "--since", "yesterday"); r.code != 2 || !strings.Contains(r.stderr, "--since") {
		t.Errorf("bad --since: exit %d %q", r.code, r.stderr)
	}
	if r := e.run("usage"); r.code != 0 || !strings.Contains(r.stdout, "watermark") {
		t.Errorf("table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	newer := startSim(t, sim.Options{UsageDB: "none"})
	e2 := newEnv(t)
	e2.pointAtPKS(newer)
	r := e2.run("usage")
	if r.code != 2 || !strings.Contains(r.stderr, "not available on this version") {
		t.Errorf("without a billing database: exit %d %q", r.code, r.stderr)
	}
}

// The last cloud-check scan bosun recorded shows in the cluster listing.
func TestClustersShowLastCloudCheck(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	var dep string
	for _, c := range decode[[]clusterOut](t, e.run("clusters", "--json", "--no-health")) {
		if c.Name == "platform-prod" {
			dep = *c.Deployment
		}
	}
	e.run("cck", "-d", dep) // records the scan; exit 1 while problems remain
	rows := decode[[]struct {
		Name string `json:"name"`
		CCK  *struct {
			Outcome  string `json:"outcome"`
			Problems int    `json:"problems"`
		} `json:"last_cloud_check"`
	}](t, e.run("clusters", "--json", "--no-health"))
	for _, r := range rows {
		switch {
		case r.Name == "platform-prod" && (r.CCK == nil || r.CCK.Problems != 1):
			t.Errorf("platform-prod: last cloud-check %+v, want the scan with 1 problem", r.CCK)
		case r.Name != "platform-prod" && r.CCK != nil:
			t.Errorf("%s: a scan that never ran: %+v", r.Name, r.CCK)
		}
	}
}

func TestUsageFromOlderTelemetryDatabase(t *testing.T) {
	f := startSim(t, sim.Options{UsageDB: "telemetry"})
	e := newEnv(t)
	e.pointAtPKS(f)
	r := decode[struct {
		Schema    string `json:"schema"`
		Watermark int    `json:"watermark"`
		Clusters  []struct {
			Cluster    string  `json:"cluster"`
			Pods       int     `json:"pods"`
			Watermark  int     `json:"watermark"`
			PodHours   float64 `json:"pod_hours"`
			CPUUsed    int64   `json:"cpu_used"`
			MemoryUsed int64   `json:"memory_used"`
		} `json:"clusters"`
	}](t, e.run("usage", "--json", "--since", "3d"))
	if r.Schema != "telemetry" || len(r.Clusters) != 5 || r.Watermark == 0 {
		t.Fatalf("telemetry usage: %+v", r)
	}
	for _, c := range r.Clusters {
		if c.Pods == 0 || c.Watermark == 0 || c.PodHours == 0 || c.CPUUsed == 0 || c.MemoryUsed == 0 { // numbers, not null
			t.Errorf("%s: %+v", c.Cluster, c)
		}
	}
}
