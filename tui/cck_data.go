package tui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// CloudChecker runs the cloud-check use cases (Options.Data.CloudCheck):
// a scan, recorded in the cloud-check history; and resolutions the
// operator confirmed on the screen, through bosun's action gate (refused
// under --read-only, recorded in the history).
type CloudChecker interface {
	ScanProblems(ctx context.Context, dep string, progress func(bosh.TaskEvent)) ([]bosh.Problem, cache.CCKRecord, error)
	ApplyResolutions(ctx context.Context, dep string, probs []bosh.Problem, answers []bosh.Answer, progress func(bosh.TaskEvent)) (bosh.ResolveOutcome, error)
}

// CCKHistory is the cloud-check history (Options.Data.CCKHistory).
type CCKHistory interface {
	CCKHistory(uuid, dep string, limit int) ([]cache.CCKRecord, error)
	LastCCKScans(uuid string) (map[string]cache.CCKRecord, error)
}

// routeCloudCheck is the cloud-check screen of route.dep.
const routeCloudCheck routeKind = 100

// cloudChecker is the director's cloud-check, nil offline.
func (c *common) cloudChecker() CloudChecker {
	if !c.online() {
		return nil
	}
	return c.opts.Data.CloudCheck
}

// cckHistory is the cloud-check history, nil without a cache.
func (c *common) cckHistory() CCKHistory {
	return c.opts.Data.CCKHistory
}

// Messages of the cloud-check screen.

// cckEventMsg is one event line of the running scan or resolution task.
type cckEventMsg struct {
	screen, gen int
	ev          bosh.TaskEvent
	next        tea.Cmd
}

func (m cckEventMsg) target() int { return m.screen }

// cckScannedMsg: the scan ended.
type cckScannedMsg struct {
	screen, gen int
	probs       []bosh.Problem
	err         error
	at          time.Time
	rec         cache.CCKRecord // as recorded in the history
}

func (m cckScannedMsg) target() int { return m.screen }

// cckResolvedMsg: the resolution task ended.
type cckResolvedMsg struct {
	screen, gen int
	out         bosh.ResolveOutcome
	answers     []bosh.Answer
	err         error
}

func (m cckResolvedMsg) target() int { return m.screen }

// cckHistoryMsg: the deployment's history was read.
type cckHistoryMsg struct {
	screen int
	recs   []cache.CCKRecord
}

func (m cckHistoryMsg) target() int { return m.screen }

// cckMarksMsg: the last scan of every deployment was read, for the marks
// on the deployments screen.
type cckMarksMsg struct {
	uuid  string
	marks map[string]cache.CCKRecord
}

// stream runs work on its own goroutine, delivering each task event and
// then the final message; events stop when ctx ends.
func stream(ctx context.Context, screen, gen int, work func(progress func(bosh.TaskEvent)) tea.Msg) tea.Cmd {
	ch := make(chan tea.Msg, 64)
	go func() {
		defer close(ch)
		final := work(func(ev bosh.TaskEvent) {
			select {
			case ch <- cckEventMsg{screen: screen, gen: gen, ev: ev}:
			case <-ctx.Done():
			}
		})
		ch <- final
	}()
	return waitStream(ch)
}

func waitStream(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		if ev, isEvent := m.(cckEventMsg); isEvent {
			ev.next = waitStream(ch)
			return ev
		}
		return m
	}
}

// scanCmd scans dep; the scan is recorded by the CloudChecker.
func scanCmd(ctx context.Context, cc CloudChecker, dep string, now func() time.Time, screen, gen int) tea.Cmd {
	return stream(ctx, screen, gen, func(progress func(bosh.TaskEvent)) tea.Msg {
		probs, rec, err := cc.ScanProblems(ctx, dep, progress)
		return cckScannedMsg{screen: screen, gen: gen, probs: probs, err: err, at: now(), rec: rec}
	})
}

// resolveCmd applies the confirmed answers; the CloudChecker records what
// really happened. It runs to the end even when the screen closes: the
// director does.
func resolveCmd(cc CloudChecker, dep string, probs []bosh.Problem, answers []bosh.Answer, screen, gen int) tea.Cmd {
	ctx := context.Background()
	return stream(ctx, screen, gen, func(progress func(bosh.TaskEvent)) tea.Msg {
		out, err := cc.ApplyResolutions(ctx, dep, probs, answers, progress)
		return cckResolvedMsg{screen: screen, gen: gen, out: out, answers: answers, err: err}
	})
}

func loadCCKHistory(h CCKHistory, uuid, dep string, screen int) tea.Cmd {
	if h == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		recs, _ := h.CCKHistory(uuid, dep, 20)
		return cckHistoryMsg{screen: screen, recs: recs}
	}
}

func loadCCKMarks(h CCKHistory, uuid string) tea.Cmd {
	if h == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		marks, err := h.LastCCKScans(uuid)
		if err != nil {
			return nil
		}
		return cckMarksMsg{uuid: uuid, marks: marks}
	}
}

// cckMarks is the last scan of each deployment, by name.
type cckMarks map[string]cache.CCKRecord

// noteCCK remembers dep's latest scan for the deployments screen.
func (c *common) noteCCK(dep string, r cache.CCKRecord) {
	if c.cckMarks == nil {
		c.cckMarks = cckMarks{}
	}
	c.cckMarks[dep] = r
}

// cckMark is the deployments screen's note of open problems found by the
// last scan, "" when there were none or no scan is known.
func (c *common) cckMark(dep string) string {
	r, ok := c.cckMarks[dep]
	if !ok || r.Outcome != cache.CCKProblems || r.Problems == 0 {
		return ""
	}
	return fmt.Sprintf(" (cck: %d)", r.Problems)
}
