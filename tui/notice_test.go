package tui

import (
	"strings"
	"testing"
)

func TestNoticeShowsInTheFooterAtStart(t *testing.T) {
	deps, insts := fixture(1, 1)
	notice := "cache unavailable: /home/op/.cache/bosun/bosun.db is not a bosun cache"
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), Notice: notice}, 120, 35).start()
	if !strings.Contains(h.view(), notice) {
		t.Fatalf("notice not shown:\n%s", h.view())
	}
	h2 := newHarness(t, Options{Director: newFakeDirector(deps, insts)}, 120, 35).start()
	if strings.Contains(h2.view(), "cache unavailable") {
		t.Fatal("a notice shown without one given")
	}
}
