package sim

import (
	"bytes"
	"strings"
	"testing"
)

func runOnVM(f *Foundation, in *instance, root bool, line string) (int, string, string) {
	sh := &shell{h: &sshVM{f: f, inst: in}, user: "bosh_x", root: root}
	var out, errOut bytes.Buffer
	status, _ := sh.run(line, nil, &out, &errOut)
	return status, out.String(), errOut.String()
}

func TestEtcdctlOnMasters(t *testing.T) {
	f := startSim(t, Options{})
	healthy, sick := f.content.clusters[3], f.content.clusters[1]
	const health = "sudo ETCDCTL_API=3 /var/vcap/jobs/etcd/bin/etcdctl endpoint health"
	st, out, _ := runOnVM(f, healthy.Instances[0], false, health)
	if st != 0 || strings.Count(out, "is healthy: successfully committed proposal") != 3 ||
		!strings.Contains(out, "https://master-2.etcd.cfcr.internal:2379") {
		t.Errorf("healthy cluster: %d\n%s", st, out)
	}
	st, out, errOut := runOnVM(f, sick.Instances[0], false, health)
	if st != 1 || strings.Count(out, "is healthy") != 2 ||
		!strings.Contains(errOut, "https://master-2.etcd.cfcr.internal:2379 is unhealthy: failed to commit proposal") ||
		!strings.Contains(errOut, "Error: unhealthy cluster") {
		t.Errorf("unhealthy member: %d\n%s%s", st, out, errOut)
	}
	st, out, _ = runOnVM(f, sick.Instances[0], true, "ETCDCTL_API=3 /var/vcap/jobs/etcd/bin/etcdctl member list -w table")
	if st != 0 || !strings.Contains(out, "| IS LEARNER |") || !strings.Contains(out, sick.Instances[2].ID) {
		t.Errorf("member list: %d\n%s", st, out)
	}
	st, out, errOut = runOnVM(f, sick.Instances[0], true, "ETCDCTL_API=3 /var/vcap/jobs/etcd/bin/etcdctl endpoint status -w table")
	if st != 1 || strings.Count(out, "| https://master-") != 2 || !strings.Contains(errOut, "master-2") || !strings.Contains(out, "|      true |") {
		t.Errorf("endpoint status: %d\n%s%s", st, out, errOut)
	}
	if st, _, errOut := runOnVM(f, sick.Instances[0], false, "/var/vcap/jobs/etcd/bin/etcdctl endpoint health"); st == 0 || !strings.Contains(errOut, "permission denied") {
		t.Errorf("without sudo: %d %s", st, errOut)
	}
	worker := sick.Instances[len(sick.Instances)-1]
	if st, _, _ := runOnVM(f, worker, true, "/var/vcap/jobs/etcd/bin/etcdctl endpoint health"); st != 127 {
		t.Errorf("etcdctl on a worker: %d, want 127", st)
	}
}

func TestBillingDatabaseOnPKSDB(t *testing.T) {
	f := startSim(t, Options{})
	var db *instance
	for _, in := range f.content.pks.Instances {
		if in.Group.Name == "pks-db" {
			db = in
		}
	}
	q := `sudo /var/vcap/packages/pxc/bin/mysql -B -N -e "SELECT id, first_seen, last_seen, namespace, name, service_instance_id FROM billing.pods"`
	st, out, errOut := runOnVM(f, db, false, q)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if st != 0 || len(lines) < 100 {
		t.Fatalf("pods: %d, %d lines, %s", st, len(lines), errOut)
	}
	deps := map[string]bool{}
	for _, l := range lines {
		cols := strings.Split(l, "\t")
		if len(cols) != 6 || len(cols[1]) != 19 || cols[1] > cols[2] {
			t.Fatalf("row %q", l)
		}
		deps[cols[5]] = true
	}
	if len(deps) != 5 {
		t.Errorf("pods of %d cluster deployments, want 5 (4 clusters and the orphan)", len(deps))
	}
	since := f.content.epoch.Add(-2 * day).UTC().Format(billingTimeFmt)
	_, recent, _ := runOnVM(f, db, true, q[5:len(q)-1]+` WHERE last_seen >= '`+since+`'"`)
	if n := strings.Count(recent, "\n"); n == 0 || n >= len(lines) {
		t.Errorf("since filter: %d of %d rows", n, len(lines))
	}
	if st, _, errOut := runOnVM(f, f.content.clusters[0].Instances[0], true, q); st != 127 {
		t.Errorf("mysql on a master: %d %s", st, errOut)
	}

	gone := startSim(t, Options{UsageDB: "none"})
	for _, in := range gone.content.pks.Instances {
		if in.Group.Name == "pks-db" {
			db = in
		}
	}
	if st, _, errOut := runOnVM(gone, db, true, q); st != 1 || !strings.Contains(errOut, "Unknown database 'billing'") {
		t.Errorf("TKGI 1.9 without billing: %d %s", st, errOut)
	}
}

func TestTelemetryDatabaseOnTheAPIVM(t *testing.T) {
	f := startSim(t, Options{UsageDB: "telemetry"})
	var api, db *instance
	for _, in := range f.content.pks.Instances {
		switch in.Group.Name {
		case "pivotal-container-service":
			api = in
		case "pks-db":
			db = in
		}
	}
	since := f.content.epoch.Add(-3 * day).UTC().Format(billingTimeFmt)
	wm := `sudo /var/vcap/packages/mariadb/bin/mysql -B -N -e "SELECT collect_time, agent, agent_pod_cnt, total_pod_cnt FROM telemetry.pkswatermark WHERE collect_time >= '` + since + `'"`
	st, out, errOut := runOnVM(f, api, false, wm)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if st != 0 || len(lines) < 5 || len(strings.Split(lines[0], "\t")) != 4 || lines[0][:19] < since {
		t.Fatalf("pkswatermark: %d %q %s", st, lines, errOut)
	}
	data := strings.Replace(wm, "collect_time, agent, agent_pod_cnt, total_pod_cnt FROM telemetry.pkswatermark", "collect_time, agent, pod_name, cpu_used, memory_used FROM telemetry.pksdata", 1)
	st, out, _ = runOnVM(f, api, false, data)
	if rows := strings.Count(out, "\n"); st != 0 || rows < 100 {
		t.Errorf("pksdata: %d, %d rows", st, rows)
	}
	if st, _, errOut := runOnVM(f, db, true, "/var/vcap/packages/pxc/bin/mysql -B -N -e \"SELECT id FROM billing.pods\""); st != 1 || !strings.Contains(errOut, "Unknown database 'billing'") {
		t.Errorf("billing on a telemetry-era foundation: %d %s", st, errOut)
	}
	if _, err := Start(Options{Listen: "127.0.0.1:0", UsageDB: "mongo"}); err == nil || !strings.Contains(err.Error(), "usage database") {
		t.Errorf("unknown usage database accepted: %v", err)
	}
}
