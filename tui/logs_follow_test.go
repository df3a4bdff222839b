package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

func TestViewerGWhileLoadingFollowsToTheEnd(t *testing.T) {
	h, _, _ := logsHarness(t, nil)
	v := newViewer(h.m.c, "/var/logs/big.tgz", "./uaa/uaa.log", 4000)
	v.SetSize(80, 21) // 20 lines of text
	sp := &spool{changed: make(chan struct{}, 1), lines: 100}
	v.sp = sp
	v.Update(spoolChangedMsg{})
	v.Update(keyMsg("G"))
	if v.top != 80 || !strings.Contains(v.statusLine(), "still loading") {
		t.Fatalf("G at 100 lines: top %d, %q", v.top, v.statusLine())
	}
	sp.lines = 500
	v.Update(spoolChangedMsg{})
	if v.top != 480 {
		t.Fatalf("after more lines arrived, top %d, want 480", v.top)
	}
	sp.lines, sp.done = 600, true
	v.Update(spoolChangedMsg{})
	if v.top != 580 || strings.Contains(v.statusLine(), "still loading") {
		t.Fatalf("loading ended: top %d, %q", v.top, v.statusLine())
	}
	// Moving stops the following.
	sp.lines, sp.done = 100, false
	v.done = false
	v.Update(keyMsg("G"))
	v.Update(keyMsg("k"))
	sp.lines = 900
	v.Update(spoolChangedMsg{})
	if v.follow || v.top == 880 || strings.Contains(v.statusLine(), "still loading") {
		t.Fatalf("k did not stop following: top %d, %q", v.top, v.statusLine())
	}
}

func TestViewerMatchInWrapModeIsOnScreen(t *testing.T) {
	h, _, _ := logsHarness(t, nil)
	v := newViewer(h.m.c, "/var/logs/big.tgz", "./uaa/uaa.log", 4000)
	v.SetSize(80, 21)
	v.sp = &spool{changed: make(chan struct{}, 1), lines: 1000, done: true}
	v.Update(spoolChangedMsg{})
	v.pattern = "ERROR"
	v.Update(keyMsg("w"))
	v.searchGen = 3
	v.Update(searchDoneMsg{gen: 3, line: 300, found: true})
	// Every line above the match might wrap onto several rows: only a
	// match at the top is sure to be on screen.
	if v.top != 300 || v.match != 300 {
		t.Fatalf("wrap mode: top %d, match %d", v.top, v.match)
	}
}

func TestLogsFetchFailureReasonWrapsAt80(t *testing.T) {
	reason := "task 9 failed (state error): Timed out sending 'fetch_logs' to instance 'router/00000000-1111-2222-3333-444455556666', agent 'c0ffee' after 45 seconds"
	h, _, _ := logsHarness(t, func(context.Context, bosh.LogsRequest, func(bosh.LogsProgress)) (bosh.Bundle, error) {
		return bosh.Bundle{}, errors.New(reason)
	})
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.keys("l")
	if v := strings.Join(strings.Fields(h.view()), " "); !strings.Contains(v, "failed: "+reason) {
		t.Fatalf("reason cut:\n%s", h.view())
	}
}
