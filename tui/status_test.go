package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestFooterMessageStaysUntilScreenChanges(t *testing.T) {
	hs := goldenHarness(t, Options{}, 80, 24)
	hs.send(statusMsg{text: "restart of cf-01 queued as task 2051"})
	// Every timer the app set fires, as if minutes went by.
	for i := 0; i < 3; i++ {
		if hs.fire(func(tea.Msg) bool { return true }) == 0 {
			t.Fatal("no timers to fire")
		}
	}
	if !strings.Contains(hs.view(), "queued as task 2051") {
		t.Fatalf("message gone before the operator moved:\n%s", hs.view())
	}
	hs.send(statusMsg{text: "second message"})
	if v := hs.view(); strings.Contains(v, "2051") || !strings.Contains(v, "second message") {
		t.Fatalf("message not replaced:\n%s", v)
	}
	hs.keys("enter")
	if strings.Contains(hs.view(), "second message") {
		t.Fatalf("message of the screen left still shown:\n%s", hs.view())
	}
}
