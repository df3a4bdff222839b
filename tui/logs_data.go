package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// LogsFetcher is the part of the director client that fetches log
// bundles. *bosh.Client implements it; the TUI finds it on
// Options.Director.
type LogsFetcher interface {
	FetchLogs(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error)
}

// LogsIndex is the part of the cache that indexes log bundles.
// *cache.Store implements it; the TUI finds it on Options.Cache.
type LogsIndex interface {
	AddLogBundle(uuid string, b bosh.Bundle) (int64, error)
	LogBundles() ([]cache.LogBundle, error)
	LogBundleFiles(id int64) ([]bosh.BundleFile, error) // cache.ErrNotListed before the first listing
	SetLogBundleFiles(id int64, files []bosh.BundleFile) error
}

// logsFetcher is the director's log fetching, nil offline or when the
// director client cannot fetch logs.
func (c *common) logsFetcher() LogsFetcher {
	if !c.online() {
		return nil
	}
	return c.opts.Data.Logs
}

// logsIndex is the bundle index, nil without a cache.
func (c *common) logsIndex() LogsIndex {
	return c.opts.Data.LogsIndex
}

// logsDir is where the TUI writes bundles: "logs" beside the cache file,
// else the temporary directory.
func logsDir() string {
	if p, err := cache.DefaultPath(); err == nil {
		return filepath.Join(filepath.Dir(p), "logs")
	}
	return filepath.Join(os.TempDir(), "bosun-logs")
}

// fetch events from the fetching goroutine.
type logsProgressMsg struct {
	screen int
	p      bosh.LogsProgress
	next   tea.Cmd
}

func (m logsProgressMsg) target() int { return m.screen }

type logsFetchedMsg struct {
	screen int
	b      bosh.Bundle
	err    error
}

func (m logsFetchedMsg) target() int { return m.screen }

type bundleIndexedMsg struct {
	screen int
	b      bosh.Bundle
	id     int64
	err    error
}

func (m bundleIndexedMsg) target() int { return m.screen }

// Messages of the log viewer.
type spoolOpenedMsg struct {
	screen int
	sp     *spool
	err    error
}

func (m spoolOpenedMsg) target() int { return m.screen }

type spoolChangedMsg struct{ screen int }

func (m spoolChangedMsg) target() int { return m.screen }

type windowMsg struct {
	screen, top int
	lines       []string
}

func (m windowMsg) target() int { return m.screen }

type searchDoneMsg struct {
	screen, gen, line int
	found             bool
}

func (m searchDoneMsg) target() int { return m.screen }

// bundlesLoadedMsg: the bundle index was read.
type bundlesLoadedMsg struct {
	screen  int
	bundles []cache.LogBundle
	err     error
}

func (m bundlesLoadedMsg) target() int { return m.screen }

// bundleFilesMsg: a bundle's file list was read (from the index, or from
// the tarball when the index has none). note, if set, says the list could
// not be recorded in the index.
type bundleFilesMsg struct {
	screen int
	files  []bosh.BundleFile
	err    error
	note   string
}

func (m bundleFilesMsg) target() int { return m.screen }

// bundleScanMsg reports how far the listing of a bundle has read.
type bundleScanMsg struct {
	screen int
	p      bosh.Progress
	next   tea.Cmd
}

func (m bundleScanMsg) target() int { return m.screen }

func loadBundles(ix LogsIndex, screen int) tea.Cmd {
	return func() tea.Msg {
		if ix == nil {
			return bundlesLoadedMsg{screen: screen, err: errNoIndex}
		}
		b, err := ix.LogBundles()
		return bundlesLoadedMsg{screen: screen, bundles: b, err: err}
	}
}

// loadBundleFiles lists a bundle's files from the index. A bundle not
// listed yet, or not indexed (id 0), is read from its tarball without
// extracting, reporting progress as bundleScanMsg, and the list is
// recorded in the index for next time.
func loadBundleFiles(ctx context.Context, ix LogsIndex, id int64, path string, screen int) tea.Cmd {
	return withProgress(func(report func(bosh.Progress)) tea.Msg {
		indexed := ix != nil && id != 0
		if indexed {
			files, err := ix.LogBundleFiles(id)
			if err == nil {
				return bundleFilesMsg{screen: screen, files: files}
			}
			indexed = errors.Is(err, cache.ErrNotListed)
		}
		files, err := bosh.ScanBundleFile(ctx, path, report)
		msg := bundleFilesMsg{screen: screen, files: files, err: err}
		if err == nil && indexed {
			if err := ix.SetLogBundleFiles(id, files); err != nil {
				msg.note = "file list not recorded in the index: " + err.Error()
			}
		}
		return msg
	}, func(p bosh.Progress, next tea.Cmd) tea.Msg { return bundleScanMsg{screen: screen, p: p, next: next} })
}

// withProgress runs work on its own goroutine. Its progress reports
// arrive as the messages prog makes, each carrying the command that waits
// for the next (only the latest report is kept while the screen is busy);
// its end arrives as the message work returns.
func withProgress[P any](work func(report func(P)) tea.Msg, prog func(p P, next tea.Cmd) tea.Msg) tea.Cmd {
	latest := make(chan P, 1)
	done := make(chan tea.Msg, 1)
	go func() {
		done <- work(func(p P) {
			for {
				select {
				case latest <- p:
					return
				default:
				}
				select {
				case <-latest: // drop the stale one
				default:
				}
			}
		})
	}()
	var wait tea.Cmd
	wait = func() tea.Msg {
		select {
		case m := <-done:
			return m
		case p := <-latest:
			return prog(p, wait)
		}
	}
	return wait
}

type logsError string

func (e logsError) Error() string { return string(e) }

const errNoIndex = logsError("no bundle index: the cache is unavailable")

// startFetch runs the fetch on its own goroutine; progress arrives as
// logsProgressMsg and the end as logsFetchedMsg.
func startFetch(ctx context.Context, f LogsFetcher, req bosh.LogsRequest, screen int) tea.Cmd {
	return withProgress(func(report func(bosh.LogsProgress)) tea.Msg {
		if err := os.MkdirAll(req.Dir, 0o700); err != nil {
			return logsFetchedMsg{screen: screen, err: err}
		}
		b, err := f.FetchLogs(ctx, req, report)
		return logsFetchedMsg{screen: screen, b: b, err: err}
	}, func(p bosh.LogsProgress, next tea.Cmd) tea.Msg {
		return logsProgressMsg{screen: screen, p: p, next: next}
	})
}

// indexBundle records a fetched bundle in the index.
func indexBundle(ix LogsIndex, uuid string, b bosh.Bundle, screen int) tea.Cmd {
	return func() tea.Msg {
		if ix == nil || uuid == "" {
			return bundleIndexedMsg{screen: screen, b: b, err: errNoIndex}
		}
		id, err := ix.AddLogBundle(uuid, b)
		return bundleIndexedMsg{screen: screen, b: b, id: id, err: err}
	}
}

// openSpoolCmd starts copying a bundle's file into a spool.
func openSpoolCmd(ctx context.Context, bundle, name string, screen int) tea.Cmd {
	return func() tea.Msg {
		sp, err := openSpool(ctx, bundle, name)
		return spoolOpenedMsg{screen: screen, sp: sp, err: err}
	}
}

// waitSpool waits for more of the file to arrive in the spool.
func waitSpool(ctx context.Context, sp *spool, screen int) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-sp.changed:
		case <-ctx.Done():
		}
		return spoolChangedMsg{screen: screen}
	}
}

// readSpool reads n lines of the spool from top.
func readSpool(sp *spool, top, n, screen int) tea.Cmd {
	return func() tea.Msg {
		return windowMsg{screen: screen, top: top, lines: sp.Lines(top, n)}
	}
}

// searchSpool streams through the spool for the first line match takes,
// after (or before) line from.
func searchSpool(ctx context.Context, sp *spool, from int, forward bool, match func([]byte) bool, screen, gen int) tea.Cmd {
	return func() tea.Msg {
		line, found := sp.Find(ctx, from, forward, match)
		return searchDoneMsg{screen: screen, gen: gen, line: line, found: found}
	}
}
