package tui

import (
	"strings"
	"testing"
	"time"
)

// Nothing that decides an action is cut at 80x24: these views are kept as
// golden files at both sizes, and each test also checks the text itself.

func TestViewHeaderDropsPartsWhole(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		d := newFakeDirector(nil, nil)
		d.setErr(errDown)
		info := cachedInfo()
		info.Name, info.Version = "p-bosh-with-a-long-name", "280.0.22 (00000000)"
		hs := newHarness(t, Options{Director: d, Environment: "demo-foundation", Cached: info,
			Cache: newFakeCache(nil, nil, t0.Add(-2*time.Minute))}, w, h).start()
		head := hs.line(0)
		if !strings.HasSuffix(strings.TrimSpace(head), "unreachable (cached 2m ago)") {
			t.Fatalf("freshness cut: %q", head)
		}
		for _, part := range []string{"bosun", "demo-foundation"} {
			if !strings.Contains(head, part) {
				t.Fatalf("header lost %q: %q", part, head)
			}
		}
		// A part is shown whole or not at all.
		for _, part := range []string{"p-bosh-with-a-long-name", "280.0.22 (00000000)", "admin"} {
			if strings.Contains(head, part[:3]) && !strings.Contains(head, part) {
				t.Fatalf("header cut %q: %q", part, head)
			}
		}
		return hs.view()
	})
}
