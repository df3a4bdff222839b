package main

import (
	"strings"
	"testing"

	"bosun/sim"
)

type apiserverOut struct {
	Checked bool   `json:"checked"`
	Skipped string `json:"skipped"`
	Healthy bool   `json:"healthy"`
	Masters []struct {
		Instance string `json:"instance"`
		Healthy  bool   `json:"healthy"`
		State    string `json:"state"`
		Error    string `json:"error"`
	} `json:"masters"`
}

type clusterHealthzOut struct {
	clusterDetailOut
	Deployment string       `json:"deployment"`
	APIServer  apiserverOut `json:"kube_apiserver"`
}

func TestClusterDetailChecksAPIServerHealthz(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	d := decode[clusterHealthzOut](t, e.run("cluster", "data-lake", "--json"))
	var masters []string
	for _, in := range d.Instances {
		if strings.HasPrefix(in.Instance, "master/") {
			masters = append(masters, in.Instance)
		}
	}
	if len(masters) != 3 {
		t.Fatalf("data-lake masters %v", masters)
	}
	a := d.APIServer
	if !a.Checked || !a.Healthy || len(a.Masters) != 3 {
		t.Fatalf("healthy cluster: %+v", a)
	}
	for _, m := range a.Masters {
		if !m.Healthy || m.State != "running" || !strings.HasPrefix(m.Instance, "master/") {
			t.Errorf("master %+v", m)
		}
	}
	stateBefore := d.Health.State
	for _, p := range d.Health.Problems {
		if strings.Contains(p, "kube-apiserver") {
			t.Errorf("healthy apiservers named as a problem: %q", p)
		}
	}
	for _, m := range masters {
		if u, _ := f.SSHUsers(d.Deployment, strings.TrimPrefix(m, "master/")); len(u) != 0 {
			t.Errorf("SSH users left on %s: %v", m, u)
		}
	}

	sick := strings.TrimPrefix(masters[1], "master/")
	if err := f.FailAPIServer(d.Deployment, sick, "etcd cluster is unavailable"); err != nil {
		t.Fatal(err)
	}
	d = decode[clusterHealthzOut](t, e.run("cluster", "data-lake", "--json"))
	bad := 0
	for _, m := range d.APIServer.Masters {
		if !m.Healthy {
			bad++
			if m.Instance != masters[1] || m.State != "Execution failed" {
				t.Errorf("failing master %+v, want %s Execution failed", m, masters[1])
			}
		}
	}
	if d.APIServer.Healthy || bad != 1 {
		t.Errorf("one apiserver failing: %+v", d.APIServer)
	}
	named := false
	for _, p := range d.Health.Problems {
		named = named || p == masters[1]+" kube-apiserver /healthz failing (Execution failed)"
	}
	if !named || d.Health.State == "healthy" || (stateBefore == "healthy" && d.Health.State != "degraded") {
		t.Errorf("roll-up with a failing apiserver: %+v (before: %s)", d.Health, stateBefore)
	}
	table := e.run("cluster", "data-lake")
	if table.code != 0 || !strings.Contains(table.stdout, "2/3 masters ok") || !strings.Contains(table.stdout, "/healthz failing (Execution failed)") {
		t.Errorf("table: exit %d\n%s%s", table.code, table.stdout, table.stderr)
	}

	for _, c := range []struct {
		args []string
		why  string
	}{
		{[]string{"--read-only", "cluster", "data-lake", "--json"}, "--read-only"},
		{[]string{"cluster", "data-lake", "--no-ssh", "--json"}, "--no-ssh"},
		{[]string{"cluster", "ml-sandbox", "--json"}, "no deployment yet"},
	} {
		s := decode[clusterHealthzOut](t, e.run(c.args...))
		if s.APIServer.Checked || !strings.Contains(s.APIServer.Skipped, c.why) || len(s.APIServer.Masters) != 0 {
			t.Errorf("%v: %+v", c.args, s.APIServer)
		}
		if s.Health != nil {
			for _, p := range s.Health.Problems {
				if strings.Contains(p, "kube-apiserver") {
					t.Errorf("%v: unchecked apiserver named as a problem: %q", c.args, p)
				}
			}
		}
	}
	if r := e.run("--read-only", "cluster", "data-lake"); r.code != 0 || !strings.Contains(r.stdout, "not checked: --read-only") {
		t.Errorf("read-only table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestClustersListChecksHealthzOnlyWhenAsked(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAtPKS(f)
	type row struct {
		Name       string        `json:"name"`
		Link       string        `json:"link"`
		Deployment *string       `json:"deployment"`
		APIServer  *apiserverOut `json:"kube_apiserver"`
		Health     *struct {
			State    string   `json:"state"`
			Masters  int      `json:"masters"`
			Problems []string `json:"problems"`
		} `json:"health"`
	}
	plain := e.run("clusters", "--json")
	if plain.code != 0 || strings.Contains(plain.stdout, `"checked"`) {
		t.Fatalf("plain list: exit %d, checked kube_apiserver:\n%s", plain.code, plain.stdout)
	}
	var dataLake string
	for _, r := range decode[[]row](t, plain) {
		if r.APIServer != nil {
			t.Errorf("%s: kube_apiserver %+v without --healthz, want null", r.Name, r.APIServer)
		}
		if r.Name == "data-lake" {
			dataLake = *r.Deployment
		}
	}
	d := decode[clusterHealthzOut](t, e.run("cluster", "data-lake", "--no-ssh", "--json"))
	var first string
	for _, in := range d.Instances {
		if strings.HasPrefix(in.Instance, "master/") && first == "" {
			first = strings.TrimPrefix(in.Instance, "master/")
		}
	}
	if err := f.FailAPIServer(dataLake, first, "etcd cluster is unavailable"); err != nil {
		t.Fatal(err)
	}
	rows := decode[[]row](t, e.run("clusters", "--healthz", "--json"))
	checked := 0
	for _, r := range rows {
		switch {
		case r.Deployment == nil:
			if r.APIServer != nil {
				t.Errorf("%s without deployment has an apiserver report %+v", r.Name, r.APIServer)
			}
		case r.APIServer == nil || !r.APIServer.Checked || len(r.APIServer.Masters) != r.Health.Masters:
			t.Errorf("%s: apiserver %+v, health %+v", r.Name, r.APIServer, r.Health)
		default:
			checked++
			failing := strings.Contains(strings.Join(r.Health.Problems, "\n"), "kube-apiserver /healthz failing")
			if (r.Name == "data-lake") != failing || (r.Name == "data-lake") == r.APIServer.Healthy {
				t.Errorf("%s: apiserver healthy %v, problems %v", r.Name, r.APIServer.Healthy, r.Health.Problems)
			}
		}
	}
	if checked != 5 {
		t.Errorf("%d clusters checked, want 5 (4 linked and the orphan)", checked)
	}
}
