package cache

import (
	"errors"
	"strings"
	"testing"
	"time"

	"bosun/pks"
)

func TestClustersRoundTrip(t *testing.T) {
	s := openTemp(t)
	const dir = "5f2a-director"
	if _, _, _, err := s.Clusters(dir); !errors.Is(err, ErrNotCached) {
		t.Fatalf("empty cache: %v, want ErrNotCached", err)
	}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	in := []pks.Cluster{
		{Name: "prod", UUID: "11", PlanName: "small", LastAction: "CREATE", LastActionState: "succeeded",
			KubernetesMasterIPs: []string{"10.0.16.10"}, Parameters: pks.Parameters{MasterHost: "prod.example.com", MasterPort: 8443, WorkerInstances: 3}},
		{Name: "new", UUID: "22", LastActionState: "in progress", KubernetesMasterIPs: []string{"In Progress"}},
	}
	if err := s.SaveClusters(dir, "https://admin:secret@api.pks:9021", in, at); err != nil {
		t.Fatal(err)
	}
	got, api, when, err := s.Clusters(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !when.Equal(at) || api != "https://api.pks:9021" || len(got) != 2 || got[0].Name != "new" || got[1].Name != "prod" {
		t.Fatalf("read back %v %q %+v", when, api, got)
	}
	if got[1].Parameters.WorkerInstances != 3 || got[1].KubernetesMasterIPs[0] != "10.0.16.10" || got[0].KubernetesMasterIPs[0] != "In Progress" {
		t.Errorf("fields lost: %+v", got)
	}
	// A new listing replaces the old one.
	if err := s.SaveClusters(dir, "https://api.pks:9021", in[:1], at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, _, _ := s.Clusters(dir); len(got) != 1 {
		t.Errorf("after replace: %d clusters", len(got))
	}
	// An empty listing is cached as empty, not as missing.
	if err := s.SaveClusters(dir, "https://api.pks:9021", nil, at); err != nil {
		t.Fatal(err)
	}
	if got, _, _, err := s.Clusters(dir); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty listing: %v %v", got, err)
	}
}

func TestSaveClustersRefusesBadInput(t *testing.T) {
	s := openTemp(t)
	at := time.Now()
	cases := map[string]struct {
		uuid string
		cl   []pks.Cluster
		at   time.Time
		want string
	}{
		"no director": {"", nil, at, "empty director UUID"},
		"no name":     {"d", []pks.Cluster{{UUID: "1"}}, at, "has no name"},
		"twice":       {"d", []pks.Cluster{{Name: "a"}, {Name: "a"}}, at, "listed twice"},
		"zero time":   {"d", nil, time.Time{}, ""},
	}
	for name, c := range cases {
		err := s.SaveClusters(c.uuid, "https://api", c.cl, c.at)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
	if _, _, _, err := s.Clusters("d"); !errors.Is(err, ErrNotCached) {
		t.Errorf("a refused save left something behind: %v", err)
	}
}
