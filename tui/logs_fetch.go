package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// instanceKeyID is the instance's uuid, else its index.
func instanceKeyID(in *bosh.Instance) string {
	if in.ID != "" {
		return in.ID
	}
	return fmt.Sprint(in.Index)
}

// fetchScreen shows one logs fetch: the director task, then the download
// with a progress bar, bytes, rate and ETA. esc cancels it (and the
// director task); when done it opens the bundle.
type fetchScreen struct {
	pageScreen
	keys    fetchKeys
	req     bosh.LogsRequest
	ctx     context.Context
	cancel  context.CancelFunc
	last    bosh.LogsProgress
	started time.Time // first download byte
	err     error
	done    bool
}

// fetchKeys are the logs fetch's keys. Cancel takes esc over from the
// router while the fetch runs (an override listed in keycheck.go).
type fetchKeys struct {
	Cancel key.Binding
}

func newFetchKeys() fetchKeys {
	return fetchKeys{Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
}

func (k fetchKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Cancel} }
func (k fetchKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

func newFetchScreen(c *common, req bosh.LogsRequest) *fetchScreen {
	s := &fetchScreen{pageScreen: newPage(c), req: req, keys: newFetchKeys()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

func (s *fetchScreen) Crumb() string { return "logs " + s.req.Instance }

func (s *fetchScreen) Init() tea.Cmd {
	return startFetch(s.ctx, s.c.logsFetcher(), s.req, s.sid)
}

func (s *fetchScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyMsg:
		if key.Matches(m, s.keys.Cancel) && !s.done {
			s.cancel()
			sid := s.sid
			return tea.Batch(status("logs fetch cancelled", false), func() tea.Msg { return popScreenMsg{screen: sid} })
		}
	case logsProgressMsg:
		if m.p.Stage == bosh.StageDownload && s.started.IsZero() {
			s.started = s.c.now()
		}
		s.last = m.p
		return m.next
	case logsFetchedMsg:
		s.done = true
		if m.err != nil {
			if bosh.KindOf(m.err) == bosh.KindCanceled {
				return nil
			}
			s.err = m.err
			return nil
		}
		return indexBundle(s.c.logsIndex(), s.c.info.UUID, m.b, s.sid)
	case bundleIndexedMsg:
		files := newFilesScreen(s.c, m.id, m.b.Path, bundleTitle(m.b.Deployment, m.b.Instance))
		files.files = m.b.Files
		cmds := []tea.Cmd{pushScreen(files, true), status(fmt.Sprintf("bundle saved to %s (%s, sha256 %s…)", m.b.Path, sizeText(m.b.Bytes), m.b.SHA256[:min(12, len(m.b.SHA256))]), false)}
		if m.err != nil {
			cmds = append(cmds, status("bundle not indexed: "+m.err.Error(), true))
		}
		return tea.Batch(cmds...)
	}
	return nil
}

func (s *fetchScreen) Close() { s.cancel() }

func (s *fetchScreen) Err() error { return s.err }

func (s *fetchScreen) Progress() string {
	if s.done {
		return ""
	}
	return "fetching logs"
}

func (s *fetchScreen) View() string {
	lines := []string{
		"Fetching " + orDash(s.req.Instance) + " logs of " + s.req.Deployment,
		"into " + s.req.Dir,
		"",
	}
	p := s.last
	switch {
	case s.err != nil:
		// The reason decides what to do next: it wraps, never cut.
		lines = append(lines, wrapRole(&s.c.styles, roleErr, "failed: "+oneLineText(s.err.Error()), max(s.width, 20))...)
		lines = append(lines, "", "esc to go back")
	case p.Stage == "" || p.Stage == bosh.StageResolve:
		lines = append(lines, "checking the instance…")
	case p.Stage == bosh.StageTask:
		lines = append(lines, fmt.Sprintf("director task %d: packing the logs on the VM…", p.TaskID))
	default:
		lines = append(lines, s.downloadLines()...)
	}
	if s.err == nil {
		lines = append(lines, "", "esc cancels")
	}
	for i := range lines {
		lines[i] = truncateANSI(lines[i], s.width)
	}
	for len(lines) < s.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:max(s.height, 1)], "\n")
}

// downloadLines are the bar and its figures: bytes, rate and ETA.
func (s *fetchScreen) downloadLines() []string {
	p := s.last
	frac := 0.0
	if p.Total > 0 {
		frac = float64(p.Done) / float64(p.Total)
	}
	figures := sizeText(p.Done) + " of " + totalText(p.Total)
	if secs := s.c.now().Sub(s.started).Seconds(); secs > 0.05 && p.Done > 0 {
		rate := float64(p.Done) / secs
		figures += " · " + sizeText(int64(rate)) + "/s"
		if p.Total > 0 && rate > 0 {
			figures += " · ETA " + duration(int64(float64(p.Total-p.Done)/rate+0.5))
		}
	}
	return []string{fmt.Sprintf("task %d: downloading", p.TaskID), barLine(s.c, frac, s.width), figures}
}

// barLine is a progress bar as wide as the screen allows (10 to 60
// cells) with the percentage after it.
func barLine(c *common, frac float64, width int) string {
	return barView(c, frac, max(min(width-6, 60), 10)) + fmt.Sprintf(" %3.0f%%", frac*100)
}

// barView draws a progress bar w cells wide, in the accent colour (or
// plain blocks without colour).
func barView(c *common, frac float64, w int) string {
	full := int(frac*float64(w) + 0.5)
	full = max(min(full, w), 0)
	return c.styles.role(roleAccent).apply(strings.Repeat("█", full)) + c.styles.role(roleFaint).apply(strings.Repeat("░", w-full))
}

func totalText(n int64) string {
	if n < 0 {
		return "?"
	}
	return sizeText(n)
}

func (s *fetchScreen) Toolbar() (string, string) { return "", "logs " + s.req.Deployment }

// KeyMap is the cancel key while the fetch runs; once it has ended, esc
// is the router's back again.
func (s *fetchScreen) KeyMap() help.KeyMap {
	if s.done {
		return fetchKeys{}
	}
	return s.keys
}

// bundleTitle names a bundle in crumbs: "group/short-id", the group, or the
// deployment for a whole-deployment bundle.
func bundleTitle(dep, instance string) string {
	if instance == "" {
		return dep
	}
	g, id, ok := strings.Cut(instance, "/")
	if !ok {
		return g + " logs"
	}
	return g + "/" + shortID(id) + " logs"
}
