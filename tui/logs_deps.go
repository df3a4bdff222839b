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
