package pks

import (
	"fmt"
	"testing"

	"bosun/bosh"
)

// A large foundation: 500 clusters, 5000 deployments (4500 of them
// fillers), every cluster with 3 masters and 50 workers.
func benchFoundation() ([]Cluster, []string, []bosh.Instance) {
	var clusters []Cluster
	var deps []string
	var insts []bosh.Instance
	for i := 0; i < 500; i++ {
		uuid := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		clusters = append(clusters, Cluster{Name: fmt.Sprintf("cluster-%03d", i), UUID: uuid})
		deps = append(deps, DeploymentName(uuid))
	}
	for i := 0; i < 4500; i++ {
		deps = append(deps, fmt.Sprintf("filler-%04d", i))
	}
	for i := 0; i < 53; i++ {
		g, state := "worker", bosh.StateRunning
		if i < 3 {
			g = "master"
		}
		if i%17 == 0 {
			state = bosh.StateFailing
		}
		insts = append(insts, bosh.Instance{Name: fmt.Sprintf("%s/%d", g, i), Group: g, ProcessState: state, Full: true,
			Processes: []bosh.Process{{Name: "kubelet", State: state}}})
	}
	return clusters, deps, insts
}

func BenchmarkJoin500Clusters5000Deployments(b *testing.B) {
	clusters, deps, _ := benchFoundation()
	b.ReportAllocs()
	for b.Loop() {
		if n := len(Join(clusters, deps, true)); n != 500 {
			b.Fatalf("%d entries", n)
		}
	}
}

func BenchmarkResolveByDeploymentAmong500(b *testing.B) {
	clusters, deps, _ := benchFoundation()
	entries := Join(clusters, deps, true)
	last := entries[len(entries)-1].Deployment
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(last, entries); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRollUp53Instances(b *testing.B) {
	_, _, insts := benchFoundation()
	b.ReportAllocs()
	for b.Loop() {
		if h := RollUp(insts); h.Workers != 50 {
			b.Fatalf("%+v", h)
		}
	}
}
