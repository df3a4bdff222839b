package cache

import (
	"cmp"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"bosun/bosh"
)

func TestDeploymentsNeverSaved(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.Deployments(testUUID); !errors.Is(err, ErrNotCached) {
		t.Errorf("err = %v, want ErrNotCached", err)
	}
}

func TestSaveDeploymentsRoundTripSortedByName(t *testing.T) {
	s := openTemp(t)
	deps := []bosh.Deployment{realisticDeployment("zookeeper"), realisticDeployment("cf"), realisticDeployment("harbor-container-registry")}
	deps[1].Locked = true
	deps[2].Teams = nil
	deps[2].Releases = []string{}
	if err := s.SaveDeployments(testUUID, deps, baseTime); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.Deployments(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	want := []bosh.Deployment{deps[1], deps[2], deps[0]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Deployments = %+v\nwant %+v", got, want)
	}
	if !at.Equal(baseTime) {
		t.Errorf("fetched at %v, want %v", at, baseTime)
	}
	if _, _, err := s.Deployments("another-director"); !errors.Is(err, ErrNotCached) {
		t.Errorf("another director: err = %v, want ErrNotCached", err)
	}
}

func TestSaveDeploymentsDropsGoneDeploymentsWithTheirInstances(t *testing.T) {
	s := openTemp(t)
	if err := s.SaveDeployments(testUUID, []bosh.Deployment{realisticDeployment("cf"), realisticDeployment("harbor")}, baseTime); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"cf", "harbor"} {
		if err := s.SaveInstances(testUUID, d, realisticInstances(d, map[string]int{"web": 2}), baseTime); err != nil {
			t.Fatal(err)
		}
	}
	// Another director's deployment of the same name stays.
	if err := s.SaveInstances("other-uuid", "harbor", realisticInstances("harbor", map[string]int{"web": 1}), baseTime); err != nil {
		t.Fatal(err)
	}

	later := baseTime.Add(5 * time.Minute)
	if err := s.SaveDeployments(testUUID, []bosh.Deployment{realisticDeployment("cf")}, later); err != nil {
		t.Fatal(err)
	}
	deps, at, err := s.Deployments(testUUID)
	if err != nil || len(deps) != 1 || deps[0].Name != "cf" || !at.Equal(later) {
		t.Fatalf("Deployments = %v at %v, %v", deps, at, err)
	}
	if _, _, err := s.Instances(testUUID, "harbor"); !errors.Is(err, ErrNotCached) {
		t.Errorf("instances of the gone deployment: err = %v, want ErrNotCached", err)
	}
	if insts, _, err := s.Instances(testUUID, "cf"); err != nil || len(insts) != 2 {
		t.Errorf("instances of the kept deployment: %d, %v", len(insts), err)
	}
	ages, err := s.InstanceAges(testUUID)
	if err != nil || len(ages) != 1 {
		t.Errorf("InstanceAges = %v, %v", ages, err)
	}
	if insts, _, err := s.Instances("other-uuid", "harbor"); err != nil || len(insts) != 1 {
		t.Errorf("other director's instances: %d, %v", len(insts), err)
	}

	// An empty list is a snapshot too.
	if err := s.SaveDeployments(testUUID, nil, later); err != nil {
		t.Fatal(err)
	}
	deps, _, err = s.Deployments(testUUID)
	if err != nil || deps == nil || len(deps) != 0 {
		t.Errorf("after empty save: %#v, %v", deps, err)
	}
	if _, _, err := s.AllInstances(testUUID); !errors.Is(err, ErrNotCached) {
		t.Errorf("AllInstances after all deployments went: %v", err)
	}
}

func TestSaveDeploymentsRefusesBadInputAndKeepsSnapshot(t *testing.T) {
	s := openTemp(t)
	good := []bosh.Deployment{realisticDeployment("cf")}
	if err := s.SaveDeployments(testUUID, good, baseTime); err != nil {
		t.Fatal(err)
	}
	later := baseTime.Add(time.Minute)
	for name, call := range map[string]func() error{
		"duplicate": func() error {
			return s.SaveDeployments(testUUID, []bosh.Deployment{realisticDeployment("a"), realisticDeployment("a")}, later)
		},
		"no name":    func() error { return s.SaveDeployments(testUUID, []bosh.Deployment{{}}, later) },
		"empty uuid": func() error { return s.SaveDeployments("", good, later) },
		"zero time":  func() error { return s.SaveDeployments(testUUID, nil, time.Time{}) },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	deps, at, err := s.Deployments(testUUID)
	if err != nil || !reflect.DeepEqual(deps, good) || !at.Equal(baseTime) {
		t.Errorf("snapshot after refused saves: %v at %v, %v", deps, at, err)
	}
}

// sortInstances puts instances in the order the cache returns them.
func sortInstances(insts []bosh.Instance) []bosh.Instance {
	out := slices.Clone(insts)
	slices.SortFunc(out, func(a, b bosh.Instance) int {
		return cmp.Or(cmp.Compare(a.Deployment, b.Deployment), cmp.Compare(a.Group, b.Group),
			cmp.Compare(a.Index, b.Index), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func TestSaveInstancesRoundTripKeepsFullFlagAndOrder(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.Instances(testUUID, "cf"); !errors.Is(err, ErrNotCached) {
		t.Fatalf("never saved: err = %v, want ErrNotCached", err)
	}
	insts := realisticInstances("cf", map[string]int{"router": 3, "diego-cell": 12, "api": 2})
	// A row from the cheap listing: no vitals, no processes, not full.
	insts[4].Full = false
	insts[4].Vitals = nil
	insts[4].Processes = nil
	insts[4].ProcessState = ""
	// Instances may come without the deployment field set.
	insts[5].Deployment = ""
	if err := s.SaveInstances(testUUID, "cf", insts, baseTime); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.Instances(testUUID, "cf")
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(insts)
	for i := range want {
		want[i].Deployment = "cf"
	}
	want = sortInstances(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Instances differ from what was saved")
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("first difference at %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("got %d instances, want %d", len(got), len(want))
	}
	if !at.Equal(baseTime) {
		t.Errorf("fetched at %v, want %v", at, baseTime)
	}
	fulls := 0
	for _, in := range got {
		if in.Full {
			fulls++
		}
	}
	if fulls != len(insts)-1 {
		t.Errorf("%d full rows, want %d", fulls, len(insts)-1)
	}
}

func TestSaveInstancesReplacesTheDeploymentsSnapshot(t *testing.T) {
	s := openTemp(t)
	if err := s.SaveInstances(testUUID, "cf", realisticInstances("cf", map[string]int{"router": 3, "api": 2}), baseTime); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveInstances(testUUID, "harbor", realisticInstances("harbor", map[string]int{"harbor": 1}), baseTime); err != nil {
		t.Fatal(err)
	}
	later := baseTime.Add(time.Hour)
	second := realisticInstances("cf", map[string]int{"router": 1})
	if err := s.SaveInstances(testUUID, "cf", second, later); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.Instances(testUUID, "cf")
	if err != nil || !reflect.DeepEqual(got, second) || !at.Equal(later) {
		t.Errorf("after replace: %d instances at %v, %v", len(got), at, err)
	}
	if insts, _, err := s.Instances(testUUID, "harbor"); err != nil || len(insts) != 1 {
		t.Errorf("other deployment touched: %d, %v", len(insts), err)
	}
	// An empty list is a snapshot of a deployment without instances.
	if err := s.SaveInstances(testUUID, "cf", nil, later); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.Instances(testUUID, "cf"); err != nil || len(got) != 0 {
		t.Errorf("after empty save: %v, %v", got, err)
	}
}

func TestSaveInstancesRefusesBadInputAndKeepsSnapshot(t *testing.T) {
	s := openTemp(t)
	good := realisticInstances("cf", map[string]int{"router": 2})
	if err := s.SaveInstances(testUUID, "cf", good, baseTime); err != nil {
		t.Fatal(err)
	}
	later := baseTime.Add(time.Minute)
	dup := append(slices.Clone(good), good[0])
	foreign := realisticInstances("harbor", map[string]int{"harbor": 1})
	for name, call := range map[string]func() error{
		"duplicate":          func() error { return s.SaveInstances(testUUID, "cf", dup, later) },
		"another deployment": func() error { return s.SaveInstances(testUUID, "cf", foreign, later) },
		"empty deployment":   func() error { return s.SaveInstances(testUUID, "", good, later) },
		"empty uuid":         func() error { return s.SaveInstances("", "cf", good, later) },
		"zero time":          func() error { return s.SaveInstances(testUUID, "cf", good, time.Time{}) },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	got, at, err := s.Instances(testUUID, "cf")
	if err != nil || !reflect.DeepEqual(got, sortInstances(good)) || !at.Equal(baseTime) {
		t.Errorf("snapshot after refused saves: %d instances at %v, %v", len(got), at, err)
	}
}

func TestAllInstancesOrderAndOldestTime(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.AllInstances(testUUID); !errors.Is(err, ErrNotCached) {
		t.Fatalf("nothing saved: err = %v, want ErrNotCached", err)
	}
	var want []bosh.Instance
	saves := map[string]time.Duration{"zeta": 3 * time.Minute, "alpha": 0, "mid": 10 * time.Minute}
	for dep, offset := range saves {
		insts := realisticInstances(dep, map[string]int{"worker": 11, "master": 3})
		if err := s.SaveInstances(testUUID, dep, insts, baseTime.Add(offset)); err != nil {
			t.Fatal(err)
		}
		want = append(want, insts...)
	}
	if err := s.SaveInstances("other-uuid", "beta", realisticInstances("beta", map[string]int{"x": 1}), baseTime.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.AllInstances(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sortInstances(want)) {
		t.Errorf("AllInstances not the saved instances in deployment, group, index order")
	}
	// "worker" index 10 sorts after index 9 (numbers, not text).
	if got[len(got)-1].Index != 10 {
		t.Errorf("last instance has index %d, want 10", got[len(got)-1].Index)
	}
	if !at.Equal(baseTime) {
		t.Errorf("time = %v, want the oldest snapshot %v", at, baseTime)
	}
	ages, err := s.InstanceAges(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ages) != len(saves) {
		t.Errorf("InstanceAges has %d deployments, want %d", len(ages), len(saves))
	}
	for dep, offset := range saves {
		if !ages[dep].Equal(baseTime.Add(offset)) {
			t.Errorf("age of %s = %v, want %v", dep, ages[dep], baseTime.Add(offset))
		}
	}
	if ages, err := s.InstanceAges("unknown"); err != nil || len(ages) != 0 {
		t.Errorf("InstanceAges(unknown) = %v, %v", ages, err)
	}
}

func TestReadOfUndecodableInstanceGivesCorruptError(t *testing.T) {
	s := openTemp(t)
	if err := s.SaveInstances(testUUID, "cf", realisticInstances("cf", map[string]int{"api": 1}), baseTime); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.Exec(`UPDATE instances SET body = x'01ffff'`); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Instances(testUUID, "cf")
	ce := wantCorrupt(t, err, s.Path())
	if !errors.Is(ce, errBadInstance) {
		t.Errorf("CorruptError does not wrap the decode error: %v", ce)
	}
	_, _, err = s.AllInstances(testUUID)
	wantCorrupt(t, err, s.Path())
}
