package sim

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// pksToken runs the password grant through pks_cli, as `pks login` does.
func pksToken(t *testing.T, f *Foundation, user, pass string) tokenReply {
	t.Helper()
	return pksGrant(t, f, url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}, http.StatusOK)
}

func pksGrant(t *testing.T, f *Foundation, form url.Values, want int) tokenReply {
	t.Helper()
	req, _ := http.NewRequest("POST", f.PKSUAAURL()+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(pksCLIClient, "")
	resp, err := rawClient(t, f).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("token grant %s: status %d, want %d: %s", form.Get("grant_type"), resp.StatusCode, want, body)
	}
	var tr tokenReply
	json.Unmarshal(body, &tr)
	return tr
}

func pksGet(t *testing.T, f *Foundation, method, path, token string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, f.PKSURL()+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := rawClient(t, f).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, body)
		}
	}
	return resp.StatusCode
}

func TestPKSClustersMatchClusterDeployments(t *testing.T) {
	f := startSim(t, Options{})
	tok := pksToken(t, f, pksAdminUser, f.pks.realm.users[pksAdminUser].Password)
	if tok.RefreshToken == "" || !strings.Contains(tok.Scope, "pks.clusters.admin") {
		t.Fatalf("token reply %+v: want a refresh token and pks.clusters.admin", tok)
	}
	var clusters []map[string]any
	if st := pksGet(t, f, "GET", "/v1/clusters", tok.AccessToken, &clusters); st != 200 {
		t.Fatalf("GET /v1/clusters: %d", st)
	}
	known := map[string]bool{}
	var creating, upgrading int
	for _, c := range clusters {
		for _, k := range []string{"name", "plan_name", "uuid", "last_action", "last_action_state", "last_action_description", "kubernetes_master_ips", "parameters"} {
			if _, ok := c[k]; !ok {
				t.Errorf("cluster %v lacks %q", c["name"], k)
			}
		}
		dep := "service-instance_" + c["uuid"].(string)
		ips := c["kubernetes_master_ips"].([]any)
		switch {
		case c["last_action"] == "CREATE" && c["last_action_state"] == "in progress":
			creating++
			if len(ips) != 1 || ips[0] != "In Progress" {
				t.Errorf("cluster being created: master IPs %v, want [In Progress]", ips)
			}
			if f.content.byName[dep] != nil {
				t.Errorf("cluster being created already has deployment %s", dep)
			}
			continue
		case c["last_action"] == "UPGRADE":
			upgrading++
			if c["last_action_state"] != "in progress" || c["last_action_description"] != "Instance update in progress" {
				t.Errorf("upgrading cluster: %v / %v", c["last_action_state"], c["last_action_description"])
			}
		}
		d := f.content.byName[dep]
		if d == nil {
			t.Errorf("cluster %v: no deployment %s", c["name"], dep)
			continue
		}
		known[dep] = true
		masters := countGroup(d, "master")
		if len(ips) != masters {
			t.Errorf("cluster %v: %d master IPs, deployment has %d masters", c["name"], len(ips), masters)
		}
	}
	if creating != 1 || upgrading != 1 {
		t.Errorf("%d clusters being created, %d upgrading; want 1 and 1", creating, upgrading)
	}
	var orphans []string
	for _, d := range f.content.deployments {
		if strings.HasPrefix(d.Name, "service-instance_") && !known[d.Name] {
			orphans = append(orphans, d.Name)
		}
	}
	if len(orphans) != 1 || len(known) != len(f.content.clusters) {
		t.Errorf("orphan deployments %v, mapped %d of %d broker clusters", orphans, len(known), len(f.content.clusters))
	}

	var one map[string]any
	name := clusters[0]["name"].(string)
	if st := pksGet(t, f, "GET", "/v1/clusterdetails/"+name, tok.AccessToken, &one); st != 200 {
		t.Fatalf("clusterdetails: %d", st)
	}
	if _, ok := one["parameters"].(map[string]any)["kubernetes_setting_plan_details"]; !ok {
		t.Errorf("cluster details lack kubernetes_setting_plan_details: %v", one["parameters"])
	}
	var e map[string]string
	if st := pksGet(t, f, "GET", "/v1/clusters/nope", tok.AccessToken, &e); st != 404 || e["body"] == "" {
		t.Errorf("unknown cluster: %d %v, want 404 with a body", st, e)
	}
}

func TestPKSTokenExpiryAndRefresh(t *testing.T) {
	f := startSim(t, Options{})
	user, pass := f.PKSUser()
	tok := pksToken(t, f, user, pass)
	if st := pksGet(t, f, "GET", "/v1/plans", tok.AccessToken, nil); st != 200 {
		t.Fatalf("plans with a fresh token: %d", st)
	}
	f.ExpirePKSTokens()
	var e map[string]string
	if st := pksGet(t, f, "GET", "/v1/plans", tok.AccessToken, &e); st != 401 || e["body"] == "" {
		t.Fatalf("plans with an expired token: %d %v, want 401", st, e)
	}
	fresh := pksGrant(t, f, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, http.StatusOK)
	var plans []map[string]any
	if st := pksGet(t, f, "GET", "/v1/plans", fresh.AccessToken, &plans); st != 200 || len(plans) != 3 {
		t.Fatalf("plans after refresh: %d, %d plans", st, len(plans))
	}
	if _, ok := plans[0]["allow-privileged-containers"]; !ok {
		t.Errorf("plan lacks the hyphenated key: %v", plans[0])
	}
	// The director's tokens are no good at the PKS API, nor the reverse.
	if st := pksGet(t, f, "GET", "/v1/plans", strings.TrimPrefix(adminToken(t, f), "bearer "), nil); st != 401 {
		t.Errorf("director token at the PKS API: %d, want 401", st)
	}
	pksGrant(t, f, url.Values{"grant_type": {"password"}, "username": {user}, "password": {"wrong"}}, http.StatusUnauthorized)
}

func TestPKSCredentialsNeedScope(t *testing.T) {
	f := startSim(t, Options{})
	user, pass := f.PKSUser()
	tok := pksToken(t, f, user, pass)
	var kc struct {
		Clusters []struct {
			Cluster map[string]string `json:"cluster"`
		} `json:"clusters"`
		Users []struct {
			User map[string]string `json:"user"`
		} `json:"users"`
		Current string `json:"current-context"`
	}
	if st := pksGet(t, f, "POST", "/v1/clusters/payments-prod/binds", tok.AccessToken, &kc); st != 200 {
		t.Fatalf("binds: %d", st)
	}
	ca, _ := base64.StdEncoding.DecodeString(kc.Clusters[0].Cluster["certificate-authority-data"])
	if kc.Current != "payments-prod" || string(ca) != f.CACertPEM() || kc.Users[0].User["token"] == "" ||
		kc.Clusters[0].Cluster["server"] != "https://payments-prod."+pksDomain+":8443" {
		t.Errorf("kubeconfig: %+v", kc)
	}
	var e map[string]string
	if st := pksGet(t, f, "POST", "/v1/clusters/"+creatingClusterName+"/binds", tok.AccessToken, &e); st != 409 {
		t.Errorf("binds of a cluster being created: %d %v", st, e)
	}
	ru, rp := f.PKSReadUser()
	rt := pksToken(t, f, ru, rp)
	if st := pksGet(t, f, "GET", "/v1/clusters", rt.AccessToken, nil); st != 200 {
		t.Errorf("reader lists clusters: %d", st)
	}
	if st := pksGet(t, f, "POST", "/v1/clusters/payments-prod/binds", rt.AccessToken, &e); st != 403 || !strings.Contains(e["body"], "privileges") {
		t.Errorf("reader binds: %d %v, want 403", st, e)
	}
}

func TestPKSUsagesAndQuotasUnderBothPrefixes(t *testing.T) {
	f := startSim(t, Options{})
	user, pass := f.PKSUser()
	tok := pksToken(t, f, user, pass).AccessToken
	for _, prefix := range []string{"/v1", "/v1beta1"} {
		var usages []struct {
			Owner  string
			Totals struct{ CPU, Cluster int }
		}
		if st := pksGet(t, f, "GET", prefix+"/usages", tok, &usages); st != 200 || len(usages) != 1 ||
			usages[0].Owner != user || usages[0].Totals.Cluster != 5 || usages[0].Totals.CPU <= 0 {
			t.Errorf("%s/usages: %d %+v", prefix, st, usages)
		}
		var quota map[string]any
		if st := pksGet(t, f, "GET", prefix+"/quotas/"+user, tok, &quota); st != 200 || quota["owner"] != user {
			t.Errorf("%s/quotas/%s: %d %v", prefix, user, st, quota)
		}
	}
	var e map[string]string
	if st := pksGet(t, f, "GET", "/v1/quotas/nobody", tok, &e); st != 404 || !strings.Contains(e["body"], "nobody") {
		t.Errorf("quota of an unknown owner: %d %v", st, e)
	}
}

func TestExportsNamePKSAPI(t *testing.T) {
	f := startSim(t, Options{})
	out := f.Exports("/tmp/ca.pem")
	user, _ := f.PKSUser()
	for _, want := range []string{"export PKS_API=" + f.PKSURL(), "export PKS_UAA_URL=" + f.PKSUAAURL(),
		"export PKS_USER=" + user, "export PKS_PASSWORD=", "export PKS_CA_CERT=/tmp/ca.pem", "export BOSH_ENVIRONMENT="} {
		if !strings.Contains(out, want+"") {
			t.Errorf("exports lack %q:\n%s", want, out)
		}
	}
}

// The PKS API reports the TKGI version of the releases the director lists:
// each cluster's pks_version is its deployment's kubo release and the
// control plane's pks-api release, and its Kubernetes is the 1.27 line
// that kubo 1.18 ships.
func TestPKSVersionsMatchDirectorReleases(t *testing.T) {
	f := startSim(t, Options{})
	tok := pksToken(t, f, pksAdminUser, f.pks.realm.users[pksAdminUser].Password)
	var clusters []struct {
		UUID       string `json:"uuid"`
		PKSVersion string `json:"pks_version"`
		K8sVersion string `json:"k8s_version"`
	}
	if st := pksGet(t, f, "GET", "/v1/clusters", tok.AccessToken, &clusters); st != 200 || len(clusters) == 0 {
		t.Fatalf("GET /v1/clusters: %d, %d clusters", st, len(clusters))
	}
	release := func(d *deployment, name string) string {
		for _, r := range d.Releases {
			if r.Name == name {
				return r.Version
			}
		}
		t.Fatalf("%s has no %s release", d.Name, name)
		return ""
	}
	api := release(f.content.pks, "pks-api")
	checked := 0
	for _, c := range clusters {
		tkgi, _, _ := strings.Cut(c.PKSVersion, "-build.")
		if tkgi != api {
			t.Errorf("cluster %s: pks_version %q, the director's pks-api release is %s", c.UUID, c.PKSVersion, api)
		}
		if !strings.HasPrefix(c.K8sVersion, "1.27.") {
			t.Errorf("cluster %s: k8s_version %q, want 1.27.x (kubo %s)", c.UUID, c.K8sVersion, api)
		}
		if d := f.content.byName["service-instance_"+c.UUID]; d != nil {
			checked++
			if kubo := release(d, "kubo"); kubo != tkgi {
				t.Errorf("cluster %s: pks_version %q, its deployment runs kubo %s", c.UUID, c.PKSVersion, kubo)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no cluster with a deployment")
	}
}
