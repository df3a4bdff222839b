package tui

import (
	"strings"
	"testing"
)

// Sorting by a column the narrow terminal had dropped shows that column.
func TestViewDeploymentsSortedByTeams(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs := goldenHarness(t, Options{}, w, h)
		hs.keys("s", "s", "s", "s")
		if !strings.Contains(hs.line(2), "STEMCELLS↑") {
			t.Fatalf("sorted column off screen: %q", hs.line(2))
		}
		hs.keys("s")
		if !strings.Contains(hs.line(2), "TEAMS↑") {
			t.Fatalf("sorted column off screen: %q", hs.line(2))
		}
		return hs.view()
	})
}

// A wide terminal shows long names whole.
func TestWideTerminalShowsWholeNames(t *testing.T) {
	hs := goldenHarness(t, Options{}, 200, 30)
	if !strings.Contains(hs.view(), "service-instance_5d9f6a2e-7b1c-4d3e-9f8a-1b2c3d4e5f60") {
		t.Fatalf("name cut at 200 columns:\n%s", hs.view())
	}
}
