package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
)

// lockedLifecycle cannot plan: the deployment is locked by another task.
type lockedLifecycle struct{ fakeLifecycle }

func (l *lockedLifecycle) PlanLifecycle(ctx context.Context, r bosh.LifecycleRequest) ([]string, []bosh.LifecycleBatch, error) {
	le := &bosh.LockError{Deployment: r.Deployment, TaskID: 2051, TaskDesc: "create deployment",
		TaskUser: "pivotal-container-service-5d9f6a2e", Since: t0.Add(-3 * time.Minute)}
	return nil, nil, &bosh.Error{Kind: bosh.KindDirector, Op: "restart of " + r.Deployment, Description: le.Error(), Err: le}
}

func TestViewRestartOfALockedDeployment(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		deps, insts := fixture(2, 8)
		d := newFakeDirector(deps, insts)
		o := Options{Director: d, Cache: newFakeCache(deps, insts, t0.Add(-time.Hour))}
		o.Data.Lifecycle = &lockedLifecycle{fakeLifecycle{d: d}}
		hs := newHarness(t, o, w, h).start()
		hs.keys("R")
		v := strings.Join(strings.Fields(hs.view()), " ")
		for _, want := range []string{"locked by task 2051 ('create deployment', by pivotal-container-service-5d9f6a2e",
			"try again when it has finished"} {
			if !strings.Contains(v, want) {
				t.Fatalf("lock cut %q:\n%s", want, hs.view())
			}
		}
		return hs.view()
	})
}
