package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// sizeText renders a byte count: "512B", "3.2M".
func sizeText(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%dB", n)
	}
	return kb(n / 1024)
}

// Columns of the bundles screen.
const (
	bunColFetched = iota
	bunColDeployment
	bunColInstance
	bunColType
	bunColSize
	bunColFiles
	bunColState
)

// bundlesScreen lists the index of downloaded log bundles, newest first;
// enter opens one.
type bundlesScreen struct {
	base
	keys    listKeys
	set     rowSet[cache.LogBundle]
	loaded  bool
	loadErr error
}

func newBundlesScreen(c *common) *bundlesScreen {
	cols := []column{
		bunColFetched:    {title: "FETCHED", min: 8, prio: 1},
		bunColDeployment: {title: "DEPLOYMENT", min: 14, max: 60, prio: 1, mid: true},
		bunColInstance:   {title: "INSTANCE", min: 10, max: 50, prio: 1, mid: true},
		bunColType:       {title: "TYPE", min: 5, max: 16, prio: 3},
		bunColSize:       {title: "SIZE", min: 6, prio: 2, right: true},
		bunColFiles:      {title: "FILES", min: 5, prio: 3, right: true},
		bunColState:      {title: "STATE", min: 9, prio: 1},
	}
	s := &bundlesScreen{base: newBase(c, cols), keys: newBundlesKeys()}
	s.set = rowSet[cache.LogBundle]{cmp: compareBundles,
		search: func(b *cache.LogBundle) string {
			return strings.ToLower(b.Deployment + "\x00" + b.Instance + "\x00" + b.Type + "\x00" + b.State + "\x00" + b.Path)
		},
		key: func(b *cache.LogBundle) string { return b.Path }}
	s.rows = &s.set
	return s
}

// fileCount is a bundle's number of files, -1 before it is listed.
func fileCount(b *cache.LogBundle) int {
	if b.Files == nil {
		return -1
	}
	return *b.Files
}

func compareBundles(a, b *cache.LogBundle, col int) int {
	switch col {
	case bunColDeployment:
		return strings.Compare(a.Deployment, b.Deployment)
	case bunColInstance:
		return strings.Compare(a.Instance, b.Instance)
	case bunColType:
		return strings.Compare(a.Type, b.Type)
	case bunColSize:
		return int(a.Bytes - b.Bytes)
	case bunColFiles:
		return fileCount(a) - fileCount(b)
	case bunColState:
		return strings.Compare(a.State, b.State)
	}
	return b.FetchedAt.Compare(a.FetchedAt) // newest first
}

func (s *bundlesScreen) Crumb() string { return "log bundles" }

func (s *bundlesScreen) Init() tea.Cmd { return loadBundles(s.c.logsIndex(), s.sid) }

// Shown reads the index again: a fetch may have added to it.
func (s *bundlesScreen) Shown() tea.Cmd { return s.Init() }

func (s *bundlesScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case bundlesLoadedMsg:
		s.loaded, s.loadErr = true, m.err
		want := make([]int, len(s.tbl.cols))
		for _, b := range m.bundles {
			want[bunColDeployment] = max(want[bunColDeployment], textWidth(b.Deployment))
			want[bunColInstance] = max(want[bunColInstance], textWidth(b.Instance))
			want[bunColType] = max(want[bunColType], textWidth(b.Type))
		}
		s.tbl.SetWant(want, nil)
		s.keep(func() { s.set.set(m.bundles) })
		return nil
	case tea.KeyMsg:
		if !s.editing && key.Matches(m, s.keys.Open) {
			if s.set.Len() == 0 {
				return nil
			}
			b := s.set.at(s.tbl.Cursor())
			if b.State == cache.BundleMissing {
				return status("the bundle's file is gone: "+b.Path, true)
			}
			return pushScreen(newFilesScreen(s.c, b.ID, b.Path, bundleTitle(b.Deployment, b.Instance)), false)
		}
		return s.handleKey(m, s.keys, func() tea.Cmd { return s.Init() })
	}
	return nil
}

func (s *bundlesScreen) Len() int { return s.set.Len() }

func (s *bundlesScreen) Cell(i, col, _ int) cell {
	b := s.set.at(i)
	switch col {
	case bunColFetched:
		return cell{text: cache.Age(b.FetchedAt, s.c.now())}
	case bunColDeployment:
		return cell{text: b.Deployment}
	case bunColInstance:
		return cell{text: orDash(b.Instance)}
	case bunColType:
		return cell{text: b.Type}
	case bunColSize:
		return cell{text: sizeText(b.Bytes)}
	case bunColFiles:
		if b.Files == nil {
			return cell{text: "·", role: roleFaint} // listed when first opened
		}
		return cell{text: fmt.Sprint(*b.Files)}
	case bunColState:
		switch b.State {
		case cache.BundlePresent:
			return cell{text: "● present", role: roleOK}
		case cache.BundleChanged:
			return cell{text: "▲ changed", role: roleWarn}
		}
		return cell{text: "○ missing", role: roleErr}
	}
	return cell{}
}

func (s *bundlesScreen) View() string {
	empty := "no log bundles yet: press l on an instance to fetch its logs"
	switch {
	case s.loadErr != nil:
		empty = "cannot read the bundle index: " + s.loadErr.Error()
	case !s.loaded:
		empty = "reading the index…"
	case s.set.filter != "":
		empty = fmt.Sprintf("no bundle matches %q", s.set.filter)
	}
	return s.tbl.View(s, empty)
}

func (s *bundlesScreen) Toolbar() (string, string) {
	return s.filterView(), s.shownOf(len(s.set.all), "bundle", "bundles")
}

// newBundlesKeys are the bundles screen's keys: r reads the index again.
func newBundlesKeys() listKeys { return defaultListKeys("files") }

// listKeyMap shows a list screen's keys when the list keys are all it has.
type listKeyMap struct{ listKeys }

func (k listKeyMap) ShortHelp() []key.Binding  { return k.short() }
func (k listKeyMap) FullHelp() [][]key.Binding { return k.full() }

func (s *bundlesScreen) KeyMap() help.KeyMap { return s.keysFor(listKeyMap{s.keys}) }

func (s *bundlesScreen) DataAge() (time.Time, bool, bool) { return s.c.now(), true, true }

// filesScreen lists the files of one bundle with their sizes, from the
// index or read from the tarball without extracting (with a progress bar:
// listing reads the whole bundle); enter opens one in the viewer.
type filesScreen struct {
	base
	keys     listKeys
	bundleID int64
	path     string
	title    string
	files    []bosh.BundleFile
	set      rowSet[bosh.BundleFile]
	loadErr  error
	loaded   bool
	scan     bosh.Progress // how far the listing has read
	ctx      context.Context
	cancel   context.CancelFunc
}

func newFilesScreen(c *common, id int64, path, title string) *filesScreen {
	cols := []column{
		{title: "FILE", min: 20, max: 160, prio: 1, mid: true},
		{title: "SIZE", min: 7, prio: 1, right: true},
	}
	s := &filesScreen{base: newBase(c, cols), bundleID: id, path: path, title: title, keys: newFilesKeys()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.set = rowSet[bosh.BundleFile]{
		cmp: func(a, b *bosh.BundleFile, col int) int {
			if col == 1 {
				return int(a.Size - b.Size)
			}
			return strings.Compare(a.Path, b.Path)
		},
		search: func(f *bosh.BundleFile) string { return strings.ToLower(f.Path) },
		key:    func(f *bosh.BundleFile) string { return f.Path },
	}
	s.rows = &s.set
	return s
}

func (s *filesScreen) Crumb() string { return s.title }

func (s *filesScreen) Init() tea.Cmd {
	if s.files != nil {
		return func() tea.Msg { return bundleFilesMsg{screen: s.sid, files: s.files} }
	}
	return loadBundleFiles(s.ctx, s.c.logsIndex(), s.bundleID, s.path, s.sid)
}

// Close stops a listing in flight.
func (s *filesScreen) Close() { s.cancel() }

func (s *filesScreen) Progress() string {
	if s.loaded {
		return ""
	}
	return "listing the bundle"
}

func (s *filesScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case bundleScanMsg:
		s.scan = m.p
		return m.next
	case bundleFilesMsg:
		s.loaded, s.loadErr = true, m.err
		want := []int{0, 0}
		for _, f := range m.files {
			want[0] = max(want[0], textWidth(f.Path))
		}
		s.tbl.SetWant(want, nil)
		s.keep(func() { s.set.set(m.files) })
		if m.note != "" {
			return status(m.note, true)
		}
		return nil
	case tea.KeyMsg:
		if !s.editing && key.Matches(m, s.keys.Open) {
			if s.set.Len() == 0 {
				return nil
			}
			f := s.set.at(s.tbl.Cursor())
			if strings.HasSuffix(f.Path, ".tgz") {
				return status("a nested bundle: open the files listed under it", false)
			}
			return pushScreen(newViewer(s.c, s.path, f.Path, f.Size), false)
		}
		return s.handleKey(m, s.keys, func() tea.Cmd { return nil })
	}
	return nil
}

func (s *filesScreen) Len() int { return s.set.Len() }

func (s *filesScreen) Cell(i, col, _ int) cell {
	f := s.set.at(i)
	if col == 1 {
		return cell{text: sizeText(f.Size)}
	}
	return cell{text: strings.TrimPrefix(f.Path, "./")}
}

func (s *filesScreen) View() string {
	empty := "no files in this bundle"
	switch {
	case s.loadErr != nil:
		empty = "cannot read the bundle: " + s.loadErr.Error()
	case !s.loaded:
		return s.scanView()
	case s.set.filter != "":
		empty = fmt.Sprintf("no file matches %q", s.set.filter)
	}
	return s.tbl.View(s, empty)
}

// scanView is the listing in progress: it reads the whole bundle, which
// for hundreds of MB takes seconds.
func (s *filesScreen) scanView() string {
	lines := []string{"Listing the files of " + filepath.Base(s.path), "in " + filepath.Dir(s.path) + " (read in place, nothing is extracted)", ""}
	if s.scan.Total > 0 {
		frac := float64(s.scan.Done) / float64(s.scan.Total)
		lines = append(lines, barLine(s.c, frac, s.width), sizeText(s.scan.Done)+" of "+sizeText(s.scan.Total))
	} else {
		lines = append(lines, "reading the bundle…")
	}
	lines = append(lines, "", "esc stops")
	for i := range lines {
		lines[i] = truncateANSI(lines[i], s.width)
	}
	h := s.tbl.height + 1 // the table's rows and its title line
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines[:h], "\n")
}

func (s *filesScreen) Toolbar() (string, string) {
	return s.filterView(), s.shownOf(len(s.set.all), "file", "files") + " · " + s.path
}

// newFilesKeys are the files screen's keys: a bundle's files do not
// change, so there is nothing to refresh.
func newFilesKeys() listKeys {
	k := defaultListKeys("view")
	k.Refresh = key.Binding{}
	return k
}

func (s *filesScreen) KeyMap() help.KeyMap { return s.keysFor(listKeyMap{s.keys}) }

func (s *filesScreen) DataAge() (time.Time, bool, bool) { return s.c.now(), true, true }
