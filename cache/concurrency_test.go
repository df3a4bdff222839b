package cache

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"bosun/bosh"
)

// Goroutines of one process share a Store: writers replace snapshots while
// readers check that every snapshot they see is whole. Run with -race.
func TestStoreIsSafeForConcurrentUse(t *testing.T) {
	s := openTemp(t)
	deps := []bosh.Deployment{realisticDeployment("d0"), realisticDeployment("d1"), realisticDeployment("d2")}
	const (
		writers = 4
		readers = 4
		rounds  = 12
		perDep  = 40
	)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				dep := deps[(w+r)%len(deps)].Name
				marker := fmt.Sprintf("w%d-r%d", w, r)
				if err := s.SaveDeployments(testUUID, deps, baseTime); err != nil {
					fail(err)
					return
				}
				if err := s.SaveInstances(testUUID, dep, markedInstances(dep, marker, perDep), baseTime); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for range rounds {
				all, _, err := s.AllInstances(testUUID)
				if errors.Is(err, ErrNotCached) {
					continue
				}
				if err != nil {
					fail(err)
					return
				}
				byDep := map[string][]bosh.Instance{}
				for _, in := range all {
					byDep[in.Deployment] = append(byDep[in.Deployment], in)
				}
				for dep, insts := range byDep {
					if len(insts) != perDep {
						fail(fmt.Errorf("%s: read %d instances, want %d", dep, len(insts), perDep))
					}
					if _, err := singleMarker(insts); err != nil {
						fail(fmt.Errorf("%s: %w", dep, err))
					}
				}
				if d, _, err := s.Deployments(testUUID); err != nil && !errors.Is(err, ErrNotCached) || err == nil && len(d) != len(deps) {
					fail(fmt.Errorf("Deployments: %d, %v", len(d), err))
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	all, _, err := s.AllInstances(testUUID)
	if err != nil || len(all) != len(deps)*perDep {
		t.Errorf("final AllInstances: %d, %v", len(all), err)
	}
}
