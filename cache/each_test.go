package cache

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"bosun/bosh"
)

func TestEachInstanceWalksAllInstancesInOrder(t *testing.T) {
	s := openTemp(t)
	if _, err := s.EachInstance(testUUID, func(bosh.Instance) error { return nil }); !errors.Is(err, ErrNotCached) {
		t.Fatalf("empty cache: %v, want ErrNotCached", err)
	}
	for d := range 3 {
		dep := fmt.Sprintf("dep-%d", d)
		insts := []bosh.Instance{realisticInstance(dep, "worker", 1), realisticInstance(dep, "master", 0), realisticInstance(dep, "worker", 0)}
		if err := s.SaveInstances(testUUID, dep, insts, baseTime.Add(-time.Duration(d)*10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	all, allAt, err := s.AllInstances(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	var walked []bosh.Instance
	at, err := s.EachInstance(testUUID, func(in bosh.Instance) error {
		walked = append(walked, in)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !at.Equal(allAt) || !reflect.DeepEqual(walked, all) {
		t.Errorf("EachInstance differs from AllInstances: %d vs %d instances, time %v vs %v", len(walked), len(all), at, allAt)
	}

	stop := errors.New("stop")
	n := 0
	if _, err := s.EachInstance(testUUID, func(bosh.Instance) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("an error from fn: got %v after %d calls, want it back after 1", err, n)
	}
}
