package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"

	"bosun/cache"
)

// fakeHistory serves a fixed history.
type fakeHistory struct{ acts []cache.Action }

func (f fakeHistory) History(_ context.Context, _ cache.HistoryFilter) ([]cache.Action, error) {
	return f.acts, nil
}

func TestHistoryScreenListsActionsNewestFirst(t *testing.T) {
	acts := fakeHistory{acts: []cache.Action{
		{ID: 1, Time: t0.Add(-2 * time.Hour), User: "ops", Action: "cck resolve", Deployment: "harbor-container-registry",
			Outcome: cache.OutcomeApplied, TaskIDs: []int64{2051},
			Targets: []cache.ActionTarget{{Name: "#12 missing_disk harbor/0", Outcome: cache.OutcomeApplied}},
			Command: "bosh -d harbor-container-registry cloud-check --resolution delete_disk_reference"},
		{ID: 2, Time: t0.Add(-time.Minute), User: "ops", Action: "audit enable", Deployment: "service-instance_abc", Cluster: "platform-prod",
			Outcome: cache.OutcomeRefused, Detail: "--read-only: refusing audit enable", Targets: []cache.ActionTarget{}},
	}}
	h := newHarness(t, Options{Director: newFakeDirector(nil, nil), Data: Data{History: acts}}, 120, 30).start()
	h.keys(":")
	h.typeText("history")
	h.keys("enter")
	h.settle()
	v := h.view()
	first, second := strings.Index(v, "audit enable"), strings.Index(v, "cck resolve")
	if first < 0 || second < 0 || first > second {
		t.Fatalf("want both actions, newest first:\n%s", v)
	}
	for _, want := range []string{"platform-prod", "refused", "applied", "2051", "bosh -d harbor-container-registry"} {
		if !strings.Contains(v, want) {
			t.Errorf("history screen lacks %q:\n%s", want, v)
		}
	}
	h.keys("down", "enter")
	h.settle()
	if v := h.view(); !strings.Contains(v, "#12 missing_disk harbor/0 applied") {
		t.Errorf("enter does not show the action whole:\n%s", v)
	}
	var clip bytes.Buffer
	clipboardOut = &clip
	t.Cleanup(func() { clipboardOut = os.Stderr })
	h.keys("y")
	if v := h.view(); !strings.Contains(v, "copied: bosh -d harbor-container-registry cloud-check") {
		t.Errorf("y does not copy the command:\n%s", v)
	}
	if want := base64.StdEncoding.EncodeToString([]byte(acts.acts[0].Command)); !strings.Contains(clip.String(), "]52;c;"+want) {
		t.Errorf("the terminal got %q, want the OSC 52 sequence of the command", clip.String())
	}
	h.keys("up", "y")
	if v := h.view(); !strings.Contains(v, "no equivalent command") {
		t.Errorf("y on an action without a command:\n%s", v)
	}
}

func TestHistoryScreenWithoutCacheSaysSo(t *testing.T) {
	h := newHarness(t, Options{Director: newFakeDirector(nil, nil)}, 120, 30).start()
	h.keys(":")
	h.typeText("history")
	h.keys("enter")
	h.settle()
	if v := h.view(); !strings.Contains(v, "cannot read the history") {
		t.Fatalf("no cache, no word of it:\n%s", v)
	}
}
