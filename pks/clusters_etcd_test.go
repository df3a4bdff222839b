package pks

import "testing"

const (
	etcdHealthOut = `https://master-0.etcd.cfcr.internal:2379 is healthy: successfully committed proposal: took = 2.134ms
https://master-1.etcd.cfcr.internal:2379 is healthy: successfully committed proposal: took = 1.9ms
https://master-2.etcd.cfcr.internal:2379 is unhealthy: failed to commit proposal: context deadline exceeded
Error: unhealthy cluster
`
	etcdMembersOut = `+------------------+---------+--------------------------------------+------------------------------------------+------------------------------------------+------------+
|        ID        | STATUS  |                 NAME                 |                PEER ADDRS                |               CLIENT ADDRS               | IS LEARNER |
+------------------+---------+--------------------------------------+------------------------------------------+------------------------------------------+------------+
| 8e9e05c52164694d | started | 3f9c5ca9-a2b1-469c-9007-6fdd0844a5ec | https://master-0.etcd.cfcr.internal:2380 | https://master-0.etcd.cfcr.internal:2379 |      false |
| 91bc3c398fb3c146 | started | 5a1e2c11-0000-4000-8000-000000000001 | https://master-1.etcd.cfcr.internal:2380 | https://master-1.etcd.cfcr.internal:2379 |      false |
| fd422379fda50e48 | started | 77aa0000-0000-4000-8000-000000000002 | https://master-2.etcd.cfcr.internal:2380 | https://master-2.etcd.cfcr.internal:2379 |      false |
+------------------+---------+--------------------------------------+------------------------------------------+------------------------------------------+------------+
`
	etcdStatusOut = `{"level":"warn","msg":"failed to get the status of endpoint https://master-2.etcd.cfcr.internal:2379 (context deadline exceeded)"}
+------------------------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
|                 ENDPOINT                 |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |
+------------------------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
| https://master-0.etcd.cfcr.internal:2379 | 8e9e05c52164694d |  3.4.13 |   20 MB |     false |      false |         2 |      14122 |              14122 |        |
| https://master-1.etcd.cfcr.internal:2379 | 91bc3c398fb3c146 |  3.4.13 |   21 MB |      true |      false |         2 |      14122 |              14122 |        |
+------------------------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
`
)

func TestEtcdReportJoinsHealthMembersAndStatus(t *testing.T) {
	r := BuildEtcdReport("prod", "service-instance_1", etcdHealthOut, etcdMembersOut, etcdStatusOut)
	if r.Healthy || len(r.Members) != 3 || r.Leader != "https://master-1.etcd.cfcr.internal:2379" {
		t.Fatalf("report %+v", r)
	}
	m0, m2 := r.Members[0], r.Members[2]
	if !m0.Healthy || m0.Took != "2.134ms" || m0.DBSize != "20 MB" || m0.DBSizeBytes == nil || *m0.DBSizeBytes != 20_000_000 || m0.Version != "3.4.13" ||
		m0.Instance != "master/3f9c5ca9-a2b1-469c-9007-6fdd0844a5ec" || m0.ID != "8e9e05c52164694d" {
		t.Errorf("member 0: %+v", m0)
	}
	if m2.Healthy || m2.Error != "failed to commit proposal: context deadline exceeded" || m2.DBSize != "" || m2.DBSizeBytes != nil {
		t.Errorf("member 2: %+v", m2)
	}
	healthy := BuildEtcdReport("prod", "d", "https://master-0.etcd.cfcr.internal:2379 is healthy: successfully committed proposal: took = 1ms\n", "", "")
	if !healthy.Healthy || len(healthy.Members) != 1 {
		t.Errorf("health alone: %+v", healthy)
	}
	// A member the health output does not mention is not healthy.
	silent := BuildEtcdReport("prod", "d", "", etcdMembersOut, "")
	if silent.Healthy || silent.Members[0].Error != "no health answer" {
		t.Errorf("no health output: %+v", silent)
	}
	if empty := BuildEtcdReport("prod", "d", "garbage", "", ""); empty.Healthy || len(empty.Members) != 0 {
		t.Errorf("nothing parsed: %+v", empty)
	}
}
