package sim

import (
	"bytes"
	"strings"
	"testing"
)

func TestFailAPIServerFailsHealth(t *testing.T) {
	f := startSim(t, Options{})
	dep := f.content.clusters[3]
	var m *instance
	for _, in := range dep.Instances {
		if in.Group.Name == "master" && in.VM != nil {
			m = in
			break
		}
	}
	if m == nil {
		t.Fatal("no master with a VM")
	}
	if err := f.FailAPIServer(dep.Name, m.ID, "etcd cluster is unavailable"); err != nil {
		t.Fatal(err)
	}
	v, err := f.sshVMFor(dep.Name, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	run := func(line string) (int, string) {
		sh := &shell{h: v, user: "bosh_x", root: true}
		var out, errOut bytes.Buffer
		st, _ := sh.run(line, nil, &out, &errOut)
		return st, out.String() + errOut.String()
	}
	if st, out := run(apiserverHealthScript); st != 1 || !strings.Contains(out, "Execution failed") {
		t.Errorf("health script on a failed apiserver: %d %q", st, out)
	}
	if _, out := run("/var/vcap/bosh/bin/monit summary"); !strings.Contains(out, "Execution failed") {
		t.Errorf("monit summary:\n%s", out)
	}
	for _, c := range []struct{ dep, id string }{{dep.Name, "no-such-id"}, {"no-such-dep", m.ID}} {
		if err := f.FailAPIServer(c.dep, c.id, "x"); err == nil {
			t.Errorf("FailAPIServer(%q, %q) found a master", c.dep, c.id)
		}
	}
	var worker *instance
	for _, in := range dep.Instances {
		if in.Group.Name == "worker" && in.VM != nil {
			worker = in
			break
		}
	}
	if err := f.FailAPIServer(dep.Name, worker.ID, "x"); err == nil || !strings.Contains(err.Error(), "runs no kube-apiserver") {
		t.Errorf("worker: %v", err)
	}
}
