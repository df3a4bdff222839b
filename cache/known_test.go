package cache

import (
	"slices"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/pks"
)

func TestKnownNamesAreScopedToTheEnvironment(t *testing.T) {
	s := openTemp(t)
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	a, b := fakeUUID("dir", 1), fakeUUID("dir", 2)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RememberDirector("https://a:25555", bosh.Info{UUID: a, Name: "a"}, at))
	must(s.RememberDirector("https://b:25555", bosh.Info{UUID: b, Name: "b"}, at))
	must(s.SaveDeployments(a, []bosh.Deployment{realisticDeployment("dep-a")}, at))
	must(s.SaveDeployments(b, []bosh.Deployment{realisticDeployment("dep-b")}, at))
	must(s.SaveInstances(a, "dep-a", realisticInstances("dep-a", map[string]int{"master": 1, "worker": 2}), at))
	must(s.SaveClusters(a, "https://pks", []pks.Cluster{{Name: "prod", UUID: "0f1e"}}, at))
	must(s.SaveEvents([]K8sEvent{{Time: at, Received: at, Cluster: "seen-in-events", Class: "other"}}))

	deps, err := s.KnownDeployments("https://a:25555")
	must(err)
	if !slices.Equal(deps, []string{"dep-a"}) {
		t.Errorf("deployments of a: %v", deps)
	}
	if all, _ := s.KnownDeployments(""); !slices.Equal(all, []string{"dep-a", "dep-b"}) {
		t.Errorf("deployments of every director: %v", all)
	}
	insts, err := s.KnownInstances("https://a:25555", "dep-a")
	must(err)
	if len(insts) != 6 || insts[0] != "master/0" || !slices.Contains(insts, "worker/1") {
		t.Errorf("instances: %v, want by index then by uuid", insts)
	}
	if none, _ := s.KnownInstances("https://b:25555", "dep-a"); len(none) != 0 {
		t.Errorf("director b has no instances of dep-a: %v", none)
	}
	cl, err := s.KnownClusters("https://a:25555")
	must(err)
	if !slices.Equal(cl, []string{"prod", "0f1e", "seen-in-events"}) {
		t.Errorf("clusters: %v", cl)
	}
}
