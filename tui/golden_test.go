package tui

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// Golden views of every screen at the two sizes that matter: a roomy
// terminal and the 80x24 of a jump host. Regenerate with
// `go test ./tui -update`.

var goldenSizes = []struct{ w, h int }{{120, 35}, {80, 24}}

func goldenHarness(t *testing.T, o Options, w, h int) *harness {
	t.Helper()
	deps, insts := fixture(6, 9)
	deps[1].Name = "service-instance_5d9f6a2e-7b1c-4d3e-9f8a-1b2c3d4e5f60"
	for i := range insts["cf-01"] {
		insts["cf-01"][i].Deployment = deps[1].Name
	}
	insts[deps[1].Name] = insts["cf-01"]
	deps[2].Teams = nil
	deps[3].Locked = true
	if o.Director == nil && !o.Offline {
		o.Director = newFakeDirector(deps, insts)
	}
	if o.Cache == nil {
		o.Cache = newFakeCache(deps, insts, t0.Add(-4*time.Minute))
	}
	o.Environment = "prod"
	o.Cached = cachedInfo()
	return newHarness(t, o, w, h).start()
}

func eachSize(t *testing.T, fn func(t *testing.T, w, h int) string) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			golden.RequireEqual(t, []byte(fn(t, sz.w, sz.h)))
		})
	}
}

func TestViewDeployments(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		return goldenHarness(t, Options{}, w, h).view()
	})
}

func TestViewDeploymentsUnreachable(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		d := newFakeDirector(nil, nil)
		d.setErr(errDown)
		return goldenHarness(t, Options{Director: d}, w, h).view()
	})
}

func TestViewDeploymentsOfflineReadOnly(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		return goldenHarness(t, Options{Offline: true, ReadOnly: true}, w, h).view()
	})
}

func TestViewInstances(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs := goldenHarness(t, Options{}, w, h)
		hs.keys("j", "enter", "j", "j")
		return hs.view()
	})
}

func TestViewAllInstancesFiltered(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs := goldenHarness(t, Options{StartScreen: StartInstances}, w, h)
		hs.keys("/")
		hs.typeText("diego")
		return hs.view()
	})
}

func TestViewProcesses(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs := goldenHarness(t, Options{}, w, h)
		hs.keys("G", "enter", "j", "j", "enter")
		return hs.view()
	})
}

func TestViewHelp(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs := goldenHarness(t, Options{}, w, h)
		hs.keys("?")
		return hs.view()
	})
}

func TestViewPalette(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs := goldenHarness(t, Options{}, w, h)
		hs.keys(":")
		hs.typeText("instances cf-0")
		hs.keys("tab")
		return hs.view()
	})
}
