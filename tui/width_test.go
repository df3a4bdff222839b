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

// At 80 columns, > brings the columns dropped at this width into view and
// < takes them back; the name column stays.
func TestViewDeploymentsScrolledRight(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs := goldenHarness(t, Options{}, w, h)
		hs.keys(">", ">", ">")
		head := hs.line(2)
		if w == 80 && (!strings.Contains(head, "TEAMS") || !strings.HasPrefix(head, "NAME")) {
			t.Fatalf("> did not bring TEAMS into view: %q", head)
		}
		if w == 120 && (strings.Contains(head, "‹") || !strings.Contains(hs.view(), "every column is on screen")) {
			t.Fatalf("scrolled although every column shows: %q", head)
		}
		v := hs.view()
		// A stemcell cut for width keeps its version, which is what differs.
		if !strings.Contains(v, "1.423") {
			t.Fatalf("stemcell version cut:\n%s", v)
		}
		hs.keys("<", "<", "<")
		if got := hs.line(2); strings.Contains(got, "‹") || strings.Contains(got, "TEAMS") != (w == 120) {
			t.Fatalf("< did not scroll back: %q", got)
		}
		return v
	})
}
